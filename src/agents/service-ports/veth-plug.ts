// Plugging a network service's port (a DHCP server's, a router's) as Neutron's
// BridgeInterfaceDriver does: a veth whose host end is the port's tap (tap + 11 characters of
// the port id, in the host's namespace, where the L2 agent finds it, wires it into the
// network's bridge and reports it up) and whose other end (ns-/qr-/qg-…) lives in the
// service's namespace with the port's MAC and addresses. Idempotent: a port already plugged
// as asked costs one read; a restart of the agent changes nothing that is right.
import { servicePortDevice, tapName } from '../../contract/device-names.js';
import { run } from '../../linux/exec.js';
import { listLinks, runBatch, type Link } from '../../linux/links.js';
import type { InterfaceDriver, ServicePort } from './interface-driver.js';

export type { ServicePort } from './interface-driver.js';

// as libvirt does for instances: the host end never carries the port's own MAC
const hostEndMac = (mac: string): string => `fe${mac.slice(2)}`;

/**
 * Makes sure the port's veth exists with the right MAC and MTU, both ends up; returns the inner
 * device name. `inner`: what the caller already read of the inner device (null: it is absent),
 * which saves reading the namespace again. `driver`: where a tap made here is attached
 * ([DEFAULT] interface_driver; none: the Linux bridge agent finds it by name).
 */
export async function plugServicePort(p: ServicePort, known?: { inner: Link | null }, driver?: InterfaceDriver): Promise<string> {
  const tap = tapName(p.portId);
  const dev = servicePortDevice(p.prefix, p.portId);
  const inner = known ? known.inner : (await listLinks(p.namespace)).get(dev);
  const mac = p.mac.toLowerCase();
  if (inner) {
    const lines: string[] = [];
    if ((inner.address ?? '').toLowerCase() !== mac) lines.push(`link set ${dev} address ${mac}`);
    if (inner.mtu !== p.mtu) lines.push(`link set ${dev} mtu ${p.mtu}`);
    if (!inner.up) lines.push(`link set ${dev} up`);
    if (lines.length) await run('ip', ['-batch', '-'], { netns: p.namespace, input: lines.join('\n') + '\n' });
    if (inner.mtu !== p.mtu) await run('ip', ['link', 'set', tap, 'mtu', String(p.mtu)], { netns: p.hostNamespace || null, allowFailure: true });
    return dev;
  }
  // a tap left from a half-made plug would block the name
  await run('ip', ['link', 'del', tap], { netns: p.hostNamespace || null, allowFailure: true });
  const hostNs = p.hostNamespace ? ` netns ${p.hostNamespace}` : '';
  // main end = the tap (it may carry `up`), peer straight into the service namespace (research 7b)
  await run('ip', ['-batch', '-'], {
    input: `link add ${tap}${hostNs} address ${hostEndMac(mac)} mtu ${p.mtu} up type veth peer name ${dev} netns ${p.namespace} address ${mac} mtu ${p.mtu}\n`,
  });
  await run('ip', ['link', 'set', dev, 'up'], { netns: p.namespace });
  await driver?.plugged([p]);
  return dev;
}

/**
 * Plugs several ports whose inner devices are known to be absent (a service namespace being
 * built): one `ip -batch` makes every veth and one brings the inner ends up, instead of four
 * processes a port. A port the batch could not make (a tap left behind) goes the one-by-one way.
 */
export async function plugNewServicePorts(ports: ServicePort[], driver?: InterfaceDriver): Promise<string[]> {
  if (!ports.length) return [];
  const lines = ports.map((p) => {
    const hostNs = p.hostNamespace ? ` netns ${p.hostNamespace}` : '';
    const mac = p.mac.toLowerCase();
    return `link add ${tapName(p.portId)}${hostNs} address ${hostEndMac(mac)} mtu ${p.mtu} up type veth peer name ${servicePortDevice(p.prefix, p.portId)} netns ${p.namespace} address ${mac} mtu ${p.mtu}`;
  });
  const failed = new Set((await runBatch('ip', null, lines)).map((f) => f.line));
  const made = ports.filter((_, i) => !failed.has(i));
  const byNamespace = new Map<string, string[]>();
  for (const p of made) byNamespace.set(p.namespace, [...(byNamespace.get(p.namespace) ?? []), `link set ${servicePortDevice(p.prefix, p.portId)} up`]);
  for (const [ns, up] of byNamespace) await run('ip', ['-batch', '-'], { netns: ns, input: up.join('\n') + '\n' });
  for (const p of ports.filter((_, i) => failed.has(i))) await plugServicePort(p, { inner: null });
  await driver?.plugged(ports);
  return ports.map((p) => servicePortDevice(p.prefix, p.portId));
}

/**
 * `ip -batch` lines that make dev carry exactly the wanted addresses (ip/prefixlen), given
 * what it has; IPv6 addresses are added nodad (IPAM made them ours).
 */
export function addressLines(dev: string, have: string[], want: string[]): string[] {
  const lines: string[] = [];
  for (const a of have) if (!want.includes(a)) lines.push(`addr del ${a} dev ${dev}`);
  for (const a of want) if (!have.includes(a)) lines.push(`addr add ${a} dev ${dev}${a.includes(':') ? ' nodad' : ''}`);
  return lines;
}
