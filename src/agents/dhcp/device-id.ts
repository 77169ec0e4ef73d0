// The device_id of a DHCP agent's port, as Neutron makes it: dhcp<uuid5(DNS namespace, host)>-<network id>.
// Derived from the host alone, so an agent that restarts (or a new agent on the same host) finds its port again.
import { createHash } from 'node:crypto';

const NAMESPACE_DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

/** RFC 4122 name-based UUID, version 5 (SHA-1). */
export function uuid5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export const dhcpDeviceId = (host: string, networkId: string): string => `dhcp${uuid5(NAMESPACE_DNS, host)}-${networkId}`;
