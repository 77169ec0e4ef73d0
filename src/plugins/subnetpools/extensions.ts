// The API extensions subnet pools and address scopes make true, as /v2.0/extensions lists them.
import type { Extension } from '../../api/resource.js';

const UPDATED = '2026-12-05T00:00:00-00:00';
const ext = (alias: string, name: string, description: string): Extension => ({ alias, name, description, updated: UPDATED });

export const SUBNETPOOL_EXTENSIONS: Extension[] = [
  ext('subnet_allocation', 'Subnet Allocation', 'Subnet pools at /v2.0/subnetpools; subnets take their cidr from a pool (subnetpool_id, prefixlen) without overlap.'),
  ext('default-subnetpools', 'Default Subnetpools', 'One default pool per IP version (is_default); subnets ask for it with use_default_subnetpool.'),
  ext('subnetpool-prefix-ops', 'Subnetpool Prefix Operations', 'PUT /v2.0/subnetpools/{id}/add_prefixes and remove_prefixes change prefixes without a read-modify-write.'),
  ext('subnet_onboard', 'Subnet Onboard', "PUT /v2.0/subnetpools/{id}/onboard_network_subnets moves a network's subnets into a pool."),
  ext('address-scope', 'Address scope', 'Address scopes at /v2.0/address-scopes: pools of one scope never overlap; networks show ipv4_address_scope and ipv6_address_scope.'),
  ext('rbac-subnetpool', 'Add subnetpool type to RBAC', 'Subnet pools can be shared with chosen projects (object_type subnetpool, access_as_shared).'),
  ext('rbac-address-scope', 'Add address_scope type to RBAC', 'Address scopes can be shared with chosen projects (object_type address_scope, access_as_shared).'),
];
