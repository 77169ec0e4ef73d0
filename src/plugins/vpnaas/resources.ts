// VPNaaS's resources at /v2.0/vpn (neutron-lib's api/definitions/vpn.py and
// vpn_endpoint_groups.py): attributes, defaults, converters and validators.
import type { Attribute, ResourceDef } from '../../api/resource.js';
import { idAttr, projectAttrs } from '../../api/resources/common.js';
import * as v from '../../api/validators.js';
import { IKEPolicyNotFound, IPsecPolicyNotFound, IPsecSiteConnectionNotFound, VPNEndpointGroupNotFound, VPNServiceNotFound } from './errors.js';

export const AUTH_ALGORITHMS = ['sha1', 'sha256', 'sha384', 'sha512'] as const;
export const ENCRYPTION_ALGORITHMS = ['3des', 'aes-128', 'aes-192', 'aes-256'] as const;
export const PFS_GROUPS = ['group2', 'group5', 'group14'] as const;
export const IKE_VERSIONS = ['v1', 'v2'] as const;
export const PHASE1_MODES = ['main', 'aggressive'] as const;
export const TRANSFORM_PROTOCOLS = ['esp', 'ah', 'ah-esp'] as const;
export const ENCAPSULATION_MODES = ['tunnel', 'transport'] as const;
export const INITIATORS = ['bi-directional', 'response-only'] as const;
export const DPD_ACTIONS = ['clear', 'disabled', 'hold', 'restart', 'restart-by-peer'] as const;
export const ENDPOINT_TYPES = ['cidr', 'network', 'router', 'subnet', 'vlan'] as const;

const nonNegative: v.Validator = v.integer(0, Number.MAX_SAFE_INTEGER);

/** convert_none_to_empty_dict + type:dict_or_empty {units: seconds, value: 60..} */
const lifetime: v.Validator = (x) => (x === null ? {} : v.dict({ units: { validate: v.oneOf(['seconds']) }, value: { validate: v.integer(60, Number.MAX_SAFE_INTEGER) } })(x));

/** convert_none_to_empty_dict + type:dict_or_empty {action, interval, timeout} */
const dpd: v.Validator = (x) => (x === null ? {} : v.dict({ action: { validate: v.oneOf(DPD_ACTIONS) }, interval: { validate: nonNegative }, timeout: { validate: nonNegative } })(x));

/** convert_to_list: a single value becomes a list of one */
const toList =
  (item: v.Validator): v.Validator =>
  (x) =>
    x === null ? null : v.list(item)(Array.isArray(x) ? x : [x]);

const name: Attribute = { name: 'name', post: true, put: true, default: '', validate: v.string(255), column: 'name', filter: 'string', sort: true };
const description: Attribute = { name: 'description', post: true, put: true, default: '', validate: v.string(255), column: 'description', filter: 'string', sort: true };
const common: Attribute[] = [idAttr, ...projectAttrs, name, description];
const choice = (attr: string, values: readonly string[], dflt: string): Attribute => ({
  name: attr,
  post: true,
  put: true,
  default: dflt,
  validate: v.oneOf(values),
  column: attr,
  filter: 'string',
  sort: true,
});

export const ikePolicyDef: ResourceDef = {
  collection: 'ikepolicies',
  member: 'ikepolicy',
  path: 'vpn/ikepolicies',
  table: 'ikepolicies',
  notFound: (id) => IKEPolicyNotFound({ ikepolicy_id: id }),
  taggable: false,
  bulk: true,
  attributes: [
    ...common,
    choice('auth_algorithm', AUTH_ALGORITHMS, 'sha1'),
    choice('encryption_algorithm', ENCRYPTION_ALGORITHMS, 'aes-128'),
    choice('phase1_negotiation_mode', PHASE1_MODES, 'main'),
    { name: 'lifetime', post: true, put: true, default: {}, validate: lifetime },
    choice('ike_version', IKE_VERSIONS, 'v1'),
    choice('pfs', PFS_GROUPS, 'group5'),
  ],
};

export const ipsecPolicyDef: ResourceDef = {
  collection: 'ipsecpolicies',
  member: 'ipsecpolicy',
  path: 'vpn/ipsecpolicies',
  table: 'ipsecpolicies',
  notFound: (id) => IPsecPolicyNotFound({ ipsecpolicy_id: id }),
  taggable: false,
  bulk: true,
  attributes: [
    ...common,
    choice('transform_protocol', TRANSFORM_PROTOCOLS, 'esp'),
    choice('auth_algorithm', AUTH_ALGORITHMS, 'sha1'),
    choice('encryption_algorithm', ENCRYPTION_ALGORITHMS, 'aes-128'),
    choice('encapsulation_mode', ENCAPSULATION_MODES, 'tunnel'),
    { name: 'lifetime', post: true, put: true, default: {}, validate: lifetime },
    choice('pfs', PFS_GROUPS, 'group5'),
  ],
};

export const vpnServiceDef: ResourceDef = {
  collection: 'vpnservices',
  member: 'vpnservice',
  path: 'vpn/vpnservices',
  table: 'vpnservices',
  notFound: (id) => VPNServiceNotFound({ vpnservice_id: id }),
  taggable: false,
  bulk: true,
  attributes: [
    ...common,
    { name: 'subnet_id', post: true, put: false, default: null, validate: v.nullableUuid, column: 'subnet_id', filter: 'string', sort: true },
    { name: 'router_id', post: true, put: false, validate: v.uuid, column: 'router_id', filter: 'string', sort: true },
    { name: 'admin_state_up', post: true, put: true, default: true, validate: v.boolean, column: 'admin_state_up', filter: 'bool', sort: true },
    { name: 'external_v4_ip', post: false, put: false, column: 'external_v4_ip', filter: 'string', sort: true },
    { name: 'external_v6_ip', post: false, put: false, column: 'external_v6_ip', filter: 'string', sort: true },
    { name: 'status', post: false, put: false, column: 'status', filter: 'string', sort: true },
  ],
};

export const endpointGroupDef: ResourceDef = {
  collection: 'endpoint_groups',
  member: 'endpoint_group',
  path: 'vpn/endpoint-groups',
  table: 'vpn_endpoint_groups',
  notFound: (id) => VPNEndpointGroupNotFound({ endpoint_group_id: id }),
  taggable: false,
  bulk: true,
  attributes: [
    ...common,
    { name: 'type', post: true, put: false, validate: v.oneOf(ENDPOINT_TYPES), column: 'endpoint_type', filter: 'string', sort: true },
    { name: 'endpoints', post: true, put: false, default: [], validate: (x) => toList(v.string(255))(x) ?? [] },
  ],
};

export const siteConnectionDef: ResourceDef = {
  collection: 'ipsec_site_connections',
  member: 'ipsec_site_connection',
  path: 'vpn/ipsec-site-connections',
  table: 'ipsec_site_connections',
  notFound: (id) => IPsecSiteConnectionNotFound({ ipsec_site_conn_id: id }),
  taggable: false,
  bulk: true,
  attributes: [
    ...common,
    { name: 'local_id', post: true, put: true, default: '', validate: v.string(255), column: 'local_id', filter: 'string', sort: true },
    { name: 'peer_address', post: true, put: true, validate: v.string(255), column: 'peer_address', filter: 'string', sort: true },
    { name: 'peer_id', post: true, put: true, validate: v.string(255), column: 'peer_id', filter: 'string', sort: true },
    { name: 'peer_cidrs', post: true, put: true, default: null, validate: toList(v.subnetCidr) },
    { name: 'local_ep_group_id', post: true, put: true, default: null, validate: v.nullableUuid, column: 'local_ep_group_id', filter: 'string', sort: true },
    { name: 'peer_ep_group_id', post: true, put: true, default: null, validate: v.nullableUuid, column: 'peer_ep_group_id', filter: 'string', sort: true },
    { name: 'route_mode', post: false, put: false, column: 'route_mode', filter: 'string', sort: true },
    { name: 'mtu', post: true, put: true, default: 1500, validate: nonNegative, column: 'mtu', filter: 'int', sort: true },
    choice('initiator', INITIATORS, 'bi-directional'),
    { name: 'auth_mode', post: false, put: false, column: 'auth_mode', filter: 'string', sort: true },
    { name: 'psk', post: true, put: true, validate: v.string(255), column: 'psk', filter: 'string', sort: true },
    { name: 'dpd', post: true, put: true, default: {}, validate: dpd },
    { name: 'admin_state_up', post: true, put: true, default: true, validate: v.boolean, column: 'admin_state_up', filter: 'bool', sort: true },
    { name: 'status', post: false, put: false, column: 'status', filter: 'string', sort: true },
    { name: 'vpnservice_id', post: true, put: false, validate: v.uuid, column: 'vpnservice_id', filter: 'string', sort: true },
    { name: 'ikepolicy_id', post: true, put: false, validate: v.uuid, column: 'ikepolicy_id', filter: 'string', sort: true },
    { name: 'ipsecpolicy_id', post: true, put: false, validate: v.uuid, column: 'ipsecpolicy_id', filter: 'string', sort: true },
  ],
};
