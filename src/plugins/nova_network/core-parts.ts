// The parts of the core plugin nova-network's modes build on (given, never imported from the
// server assembly, so the layers stay acyclic).
import type { PortPlugin } from '../ml2/ports.js';
import type { SubnetPlugin } from '../ml2/subnets.js';
import type { SecurityGroupPlugin } from '../securitygroups/security-groups.js';

export interface CoreParts {
  ports: PortPlugin;
  subnets: SubnetPlugin;
  groups: SecurityGroupPlugin;
}
