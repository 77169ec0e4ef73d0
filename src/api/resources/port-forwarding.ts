// floating-ip-port-forwarding (+ -description, -port-ranges): the sub-resource
// /v2.0/floatingips/{floatingip_id}/port_forwardings, as neutron-lib's attribute maps. A
// forwarding names its external port(s) either as external_port or as external_port_range
// ("2000:2010"), and the internal ones likewise; src/plugins/port_forwarding/port-ranges.ts
// checks the pairs.
import { PORT_FORWARDING_PROTOCOLS } from '../../contract/port-forwarding.js';
import { NeutronError } from '../errors.js';
import type { ResourceDef } from '../resource.js';
import * as v from '../validators.js';

/** neutron-lib's type:port_range: "N" or "N:M" with 1 ≤ N ≤ M ≤ 65535, or null. */
export const portRange: v.Validator = (x) => {
  if (x === null) return null;
  const text = typeof x === 'number' ? String(x) : x;
  if (typeof text !== 'string' || !/^\d{1,5}(:\d{1,5})?$/.test(text)) throw new v.AttributeInvalid(`Port range ${JSON.stringify(x)} is not a valid range: it should be N or N:M`);
  const [a, b = a] = text.split(':').map(Number);
  if (a < 1 || b > 65535 || a > b) throw new v.AttributeInvalid(`Port range ${JSON.stringify(x)} is not a valid range between 1 and 65535 with the first port no larger than the last`);
  return a === b ? `${a}` : `${a}:${b}`;
};

export const PortForwardingNotFound = (id: string): NeutronError => new NeutronError('PortForwardingNotFound', 404, `Port Forwarding ${id} could not be found.`);

export const portForwardingDef: ResourceDef = {
  collection: 'port_forwardings',
  member: 'port_forwarding',
  path: 'floatingips/:floatingip_id/port_forwardings',
  table: 'portforwardings',
  notFound: PortForwardingNotFound,
  taggable: false,
  bulk: false,
  attributes: [
    { name: 'id', post: false, put: false, column: 'id', filter: 'string', sort: true },
    { name: 'external_port', post: true, put: true, default: null, validate: v.nullableInteger(1, 65535), column: 'external_port_start', filter: 'int', sort: true },
    { name: 'internal_port', post: true, put: true, default: null, validate: v.nullableInteger(1, 65535), column: 'internal_port_start', filter: 'int', sort: true },
    { name: 'internal_ip_address', post: true, put: true, default: null, validate: v.nullableIpAddress, column: 'internal_ip_address', filter: 'string', sort: true },
    { name: 'protocol', post: true, put: true, validate: v.oneOf(PORT_FORWARDING_PROTOCOLS), column: 'protocol', filter: 'string', sort: true },
    { name: 'internal_port_id', post: true, put: true, validate: v.uuid, column: 'internal_neutron_port_id', filter: 'string', sort: true },
    { name: 'description', post: true, put: true, default: '', validate: v.string(255), column: 'description', filter: 'string', sort: true, extension: 'floating-ip-port-forwarding-description' },
    { name: 'external_port_range', post: true, put: true, default: null, validate: portRange, filter: 'string', sort: false, extension: 'floating-ip-port-forwarding-port-ranges' },
    { name: 'internal_port_range', post: true, put: true, default: null, validate: portRange, extension: 'floating-ip-port-forwarding-port-ranges' },
  ],
};
