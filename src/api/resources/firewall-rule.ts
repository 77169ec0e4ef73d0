// fwaas_v2: /v2.0/fwaas/firewall_rules (neutron-lib's api/definitions/firewall_v2.py).
// Rules carry no standard attributes here: neutron-fwaas shows none of them in its API.
import { FirewallRuleNotFound } from '../errors-fwaas.js';
import type { ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, projectAttrs } from './common.js';

/** neutron-lib's IPTABLES_PROTOCOL_MAP names; a number 0–255 is also taken */
export const FW_PROTOCOL_NAMES = ['dccp', 'icmp', 'ipv6-icmp', 'sctp', 'tcp', 'udp'] as const;

/** convert_to_protocol: a name (any case) or 0–255, or null (any protocol) */
export const fwProtocol: v.Validator = (x) => {
  if (x === null) return null;
  const s = typeof x === 'number' ? String(x) : typeof x === 'string' ? x.toLowerCase() : null;
  if (s !== null && (FW_PROTOCOL_NAMES as readonly string[]).includes(s)) return s;
  if (s !== null && /^\d+$/.test(s) && Number(s) <= 255) return String(Number(s));
  throw new v.AttributeInvalid(`IP protocol '${String(x)}' is not supported. Only protocol names and their integer representation (0 to 255) are supported`);
};

/** type:port_range (or none): "N" or "N:M", 0–65535, converted to a string */
export const portRange: v.Validator = (x) => {
  if (x === null) return null;
  const s = String(x);
  const parts = s.split(':');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new v.AttributeInvalid('Port range must be two integers separated by a colon');
  for (const p of parts) if (!/^\d+$/.test(p) || Number(p) > 65535) throw new v.AttributeInvalid(`Invalid port: ${p}`);
  return s;
};

const ipOrSubnetOrNone: v.Validator = (x) => (x === null ? null : v.ipOrCidr(x));
const action: v.Validator = (x) => v.oneOf(['allow', 'deny', 'reject'])(typeof x === 'string' ? x.toLowerCase() : x);
const ipVersion: v.Validator = (x) => v.oneOf([4, 6] as unknown as string[])(typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : x);

export const firewallRuleDef: ResourceDef = {
  collection: 'firewall_rules',
  member: 'firewall_rule',
  path: 'fwaas/firewall_rules',
  table: 'firewall_rules_v2',
  notFound: (id) => FirewallRuleNotFound({ firewall_rule_id: id }),
  taggable: false,
  bulk: true,
  attributes: [
    idAttr,
    ...projectAttrs,
    { name: 'name', post: true, put: true, default: '', validate: v.string(255), column: 'name', filter: 'string', sort: true },
    { name: 'description', post: true, put: true, default: '', validate: v.string(1024), column: 'description', filter: 'string', sort: true },
    { name: 'firewall_policy_id', post: false, put: false },
    { name: 'shared', post: true, put: true, default: false, validate: v.boolean, column: 'shared', filter: 'bool', sort: true },
    { name: 'protocol', post: true, put: true, default: null, validate: fwProtocol, column: 'protocol', filter: 'string', sort: true },
    { name: 'ip_version', post: true, put: true, default: 4, validate: ipVersion, column: 'ip_version', filter: 'int', sort: true },
    { name: 'source_ip_address', post: true, put: true, default: null, validate: ipOrSubnetOrNone, column: 'source_ip_address', filter: 'string', sort: true },
    { name: 'destination_ip_address', post: true, put: true, default: null, validate: ipOrSubnetOrNone, column: 'destination_ip_address', filter: 'string', sort: true },
    { name: 'source_port', post: true, put: true, default: null, validate: portRange, column: 'source_port', filter: 'string', sort: true },
    { name: 'destination_port', post: true, put: true, default: null, validate: portRange, column: 'destination_port', filter: 'string', sort: true },
    { name: 'position', post: false, put: false },
    { name: 'action', post: true, put: true, default: 'deny', validate: action, column: 'action', filter: 'string', sort: true },
    { name: 'enabled', post: true, put: true, default: true, validate: v.boolean, column: 'enabled', filter: 'bool', sort: true },
    { name: 'source_firewall_group_id', post: true, put: true, default: null, validate: v.nullableUuid },
    { name: 'destination_firewall_group_id', post: true, put: true, default: null, validate: v.nullableUuid },
  ],
};
