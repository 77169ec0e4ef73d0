// The security-group firewall of an L2 agent's ports ([securitygroup] firewall_driver).
// The dataplane hands it what security_group_info_for_devices returned; it keeps the
// kernel's rules equal to that, in one atomic transaction per change.
import type { SecurityGroupInfo } from '../../contract/security-groups.js';
import type { Drift } from '../../contract/trace.js';

export interface PortFirewall {
  /** Sets the rules of these ports (other known ports keep theirs); remote-group member sets are replaced by info's. */
  update(info: SecurityGroupInfo): Promise<void>;
  /** Forgets ports (by port id) whose devices are gone. */
  remove(portIds: string[]): Promise<void>;
  /** Full resync: info holds every port there is; rules of any other port are removed. */
  sync(info: SecurityGroupInfo): Promise<void>;
  /** Compares what was applied last with the kernel; repair: puts the tables right (one transaction). */
  audit?(repair: boolean): Promise<{ drifts: Drift[]; checked: Record<string, number> }>;
  /** Leaves the rules in place (an agent restart must not open or close anything). */
  close(): Promise<void>;
}
