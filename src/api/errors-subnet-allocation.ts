// Neutron's exception types of subnet pools, address scopes and their RBAC (neutron-lib's
// exceptions and exceptions/address_scope.py), with their statuses. Kept beside errors.ts,
// in its shape, while that file is being reworked; they belong in its catalogue.
import { NeutronError } from './errors.js';

function declare<A>(type: string, status: number, template: (args: A) => string) {
  return (args: A, detail = '') => new NeutronError(type, status, template(args), detail);
}

type None = Record<string, never>;

// 400
export const EmptySubnetPoolPrefixList = declare<None>('EmptySubnetPoolPrefixList', 400, () => 'Empty subnet pool prefix list.');
export const PrefixVersionMismatch = declare<None>('PrefixVersionMismatch', 400, () => 'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.');
export const UnsupportedMinSubnetPoolPrefix = declare<{ prefix: number; version: number }>('UnsupportedMinSubnetPoolPrefix', 400, (a) => `Prefix '${a.prefix}' not supported in IPv${a.version} pool.`);
export const IllegalSubnetPoolPrefixBounds = declare<{ prefix_type: string; prefixlen: number; base_prefix_type: string; base_prefixlen: number }>(
  'IllegalSubnetPoolPrefixBounds',
  400,
  (a) => `Illegal prefix bounds: ${a.prefix_type}=${a.prefixlen}, ${a.base_prefix_type}=${a.base_prefixlen}.`,
);
export const IllegalSubnetPoolPrefixUpdate = declare<{ msg: string }>('IllegalSubnetPoolPrefixUpdate', 400, (a) => `Illegal update to prefixes: ${a.msg}.`);
export const IllegalSubnetPoolUpdate = declare<{ reason: string }>('IllegalSubnetPoolUpdate', 400, (a) => `Illegal subnetpool update : ${a.reason}.`);
export const IllegalSubnetPoolAssociationToAddressScope = declare<{ subnetpool_id: string; address_scope_id: string }>(
  'IllegalSubnetPoolAssociationToAddressScope',
  400,
  (a) => `Illegal subnetpool association: subnetpool ${a.subnetpool_id} cannot be associated with address scope ${a.address_scope_id}.`,
);
export const IllegalSubnetPoolIpVersionAssociationToAddressScope = declare<{ subnetpool_id: string; address_scope_id: string; ip_version: number }>(
  'IllegalSubnetPoolIpVersionAssociationToAddressScope',
  400,
  (a) => `Illegal subnetpool association: subnetpool ${a.subnetpool_id} cannot associate with address scope ${a.address_scope_id} because subnetpool ip_version is not ${a.ip_version}.`,
);
export const MinPrefixSubnetAllocationError = declare<{ prefixlen: number; min_prefixlen: number }>(
  'MinPrefixSubnetAllocationError',
  400,
  (a) => `Unable to allocate subnet with prefix length ${a.prefixlen}, minimum allowed prefix is ${a.min_prefixlen}.`,
);
export const MaxPrefixSubnetAllocationError = declare<{ prefixlen: number; max_prefixlen: number }>(
  'MaxPrefixSubnetAllocationError',
  400,
  (a) => `Unable to allocate subnet with prefix length ${a.prefixlen}, maximum allowed prefix is ${a.max_prefixlen}.`,
);
export const SubnetPoolDeleteError = declare<{ reason: string }>('SubnetPoolDeleteError', 400, (a) => `Unable to delete subnet pool: ${a.reason}.`);
export const NetworkSubnetPoolAffinityError = declare<None>('NetworkSubnetPoolAffinityError', 400, () => 'Subnets hosted on the same network must be allocated from the same subnet pool.');
export const NetworkAddressScopeAffinityError = declare<None>(
  'NetworkAddressScopeAffinityError',
  400,
  () => 'Subnets of the same address family hosted on the same network must all participate in the same address scope.',
);
export const AddressScopeUpdateError = declare<{ address_scope_id: string; reason: string }>(
  'AddressScopeUpdateError',
  400,
  (a) => `Unable to update address scope ${a.address_scope_id} : ${a.reason}.`,
);
export const InvalidActionForType = declare<{ action: string; object_type: string; valid_actions: string[] }>(
  'InvalidActionForType',
  400,
  (a) => `Invalid action '${a.action}' for object type '${a.object_type}'. Valid actions: ${JSON.stringify(a.valid_actions)}`,
);

// 404
export const SubnetPoolNotFound = declare<{ subnetpool_id: string }>('SubnetPoolNotFound', 404, (a) => `Subnet pool ${a.subnetpool_id} could not be found.`);
export const AddressScopeNotFound = declare<{ address_scope_id: string }>('AddressScopeNotFound', 404, (a) => `Address scope ${a.address_scope_id} could not be found.`);

// 409
// Neutron derives this one from NeutronException, which its API answers with 500; a pool
// without room is the state of the pool, not a server fault, so 409 here.
export const SubnetAllocationError = declare<{ reason: string }>('SubnetAllocationError', 409, (a) => `Failed to allocate subnet: ${a.reason}.`);
export const SubnetPoolQuotaExceeded = declare<None>('SubnetPoolQuotaExceeded', 409, () => 'Per-project subnet pool prefix quota exceeded.');
export const AddressScopePrefixConflict = declare<None>('AddressScopePrefixConflict', 409, () => 'Failed to associate address scope: subnetpools within an address scope must have unique prefixes.');
export const AddressScopeInUse = declare<{ address_scope_id: string }>(
  'AddressScopeInUse',
  409,
  (a) => `Unable to complete operation on address scope ${a.address_scope_id}. There are one or more subnet pools in use on the address scope.`,
);
