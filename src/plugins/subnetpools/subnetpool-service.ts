// Subnet pools and address scopes as ML2 carries them (in Neutron they are core resources):
// the two plugins, the allocation subnets use, their RBAC object types, aliases, extension
// descriptions and policy defaults.
import type { Extension } from '../../api/resource.js';
import type { RuleDefault } from '../../api/policy/defaults.js';
import type { RbacObjectKind } from '../rbac/object-kinds.js';
import type { Services } from '../services.js';
import { AddressScopePlugin } from './address-scopes.js';
import { SUBNETPOOL_EXTENSIONS } from './extensions.js';
import { ADDRESS_SCOPE_RULES, SUBNETPOOL_RULES } from './policies.js';
import { addressScopeKind, subnetPoolKind } from './rbac-kinds.js';
import { SubnetAllocation } from './subnet-allocation.js';
import { SubnetPoolPlugin } from './subnetpools.js';

export interface SubnetPoolService {
  pools: SubnetPoolPlugin;
  scopes: AddressScopePlugin;
  allocation: SubnetAllocation;
  rbacKinds: RbacObjectKind[];
  extensions: Extension[];
  policies: RuleDefault[];
}

export function buildSubnetPools(s: Services): SubnetPoolService {
  const scopes = new AddressScopePlugin(s);
  const pools = new SubnetPoolPlugin(s, scopes);
  return {
    pools,
    scopes,
    allocation: new SubnetAllocation(pools),
    rbacKinds: [subnetPoolKind(pools), addressScopeKind(scopes)],
    extensions: SUBNETPOOL_EXTENSIONS,
    policies: [...SUBNETPOOL_RULES, ...ADDRESS_SCOPE_RULES],
  };
}
