// The kernel side of an instance, as os-vif plugs a VM: a network namespace stands for the
// VM, a veth for its NIC — eth0 inside, the tap end in the host's namespace for the agent to
// wire. Two `ip` processes per boot: one batch in the root namespace (netns + veth), one
// inside the instance (addresses and routes), since batch lines cannot switch namespaces.
import { run } from '../linux/exec.js';
import { deleteNamespace, namespaceExists, namespacePids } from '../linux/netns.js';
import { Ovs, plugOvsPort, unplugOvsPort } from '../linux/ovs.js';
import { setSysctls } from '../linux/sysctl.js';

/**
 * IPv6 of eth0 as a VM's: accept router advertisements and make SLAAC addresses from them
 * (the namespace is not a router), without DAD (addresses are ours by IPAM, as `nodad`), and
 * keep soliciting until a router answers: the tap is wired only after eth0 comes up, so the
 * kernel's first three solicitations would be lost and the next advertisement could be 100 s
 * away.
 */
export const INSTANCE_IPV6_SYSCTLS: Record<string, number> = {
  'net.ipv6.conf.eth0.forwarding': 0,
  'net.ipv6.conf.eth0.accept_ra': 1,
  'net.ipv6.conf.eth0.autoconf': 1,
  'net.ipv6.conf.eth0.accept_dad': 0,
  'net.ipv6.conf.eth0.router_solicitations': -1,
  'net.ipv6.conf.eth0.router_solicitation_interval': 1,
  'net.ipv6.conf.eth0.router_solicitation_max_interval': 4,
};

export interface InstanceAddress {
  ip: string;
  prefixlen: number;
  version: 4 | 6;
}

export interface InstanceInterface {
  netns: string;
  /** '' = the real host (root namespace) */
  hostNamespace: string;
  tap: string;
  mac: string;
  mtu: number;
  addresses: InstanceAddress[];
  /** default gateways, at most one per IP version */
  gateways: { ip: string; version: 4 | 6 }[];
  /** an Open vSwitch host: the tap also joins this bridge (os-vif's ovs plug) */
  ovs?: { bridge: string; ovsdb_connection: string; portId: string; instanceId: string };
}

// libvirt gives the tap the port MAC with fe: as first byte, so the bridge never takes the
// VM's address as its own and the tap's address is never mistaken for the VM's.
export const tapMac = (mac: string): string => `fe${mac.slice(2)}`;

/** The two batches that plug an instance: [root namespace, inside the instance]. */
export function plugBatches(i: InstanceInterface): { root: string; instance: string } {
  // Main end = the tap (it may carry `up`); the peer may not (see research 7b).
  const tapNs = i.hostNamespace ? ` netns ${i.hostNamespace}` : '';
  const root = [`netns add ${i.netns}`, `link add ${i.tap}${tapNs} address ${tapMac(i.mac)} mtu ${i.mtu} up type veth peer name eth0 netns ${i.netns} address ${i.mac} mtu ${i.mtu}`];
  const inside = ['link set lo up', 'link set eth0 up'];
  for (const a of i.addresses) {
    // nodad: the address is ours by IPAM; DAD would only delay the first packets by ~1 s
    inside.push(`addr add ${a.ip}/${a.prefixlen} dev eth0${a.version === 6 ? ' nodad' : ''}`);
  }
  for (const g of i.gateways) inside.push(`route add ${g.version === 6 ? '::/0' : 'default'} via ${g.ip} dev eth0`);
  return { root: `${root.join('\n')}\n`, instance: `${inside.join('\n')}\n` };
}

/** Addresses and default routes set inside an instance after it was plugged (one `ip` process). */
export async function configureAddresses(netns: string, addresses: InstanceAddress[], gateways: { ip: string; version: 4 | 6 }[]): Promise<void> {
  const lines = addresses.map((a) => `addr add ${a.ip}/${a.prefixlen} dev eth0${a.version === 6 ? ' nodad' : ''}`);
  for (const g of gateways) lines.push(`route add ${g.version === 6 ? '::/0' : 'default'} via ${g.ip} dev eth0`);
  if (lines.length) await run('ip', ['-batch', '-'], { netns, input: `${lines.join('\n')}\n` });
}

export async function plugInstance(i: InstanceInterface): Promise<void> {
  const b = plugBatches(i);
  await run('ip', ['-batch', '-'], { input: b.root });
  // before eth0 comes up, so its first solicitations follow these settings
  await setSysctls(i.netns, INSTANCE_IPV6_SYSCTLS);
  await run('ip', ['-batch', '-'], { netns: i.netns, input: b.instance });
  if (i.ovs) await plugOvsPort(Ovs.fromConnection(i.ovs.ovsdb_connection), i.ovs.bridge, i.tap, { portId: i.ovs.portId, mac: i.mac, instanceId: i.ovs.instanceId });
}

/** Takes an instance's tap off its OVS bridge (the veth itself goes with the namespace). */
export async function unplugOvs(ovs: { bridge: string; ovsdb_connection: string }, tap: string): Promise<void> {
  await unplugOvsPort(Ovs.fromConnection(ovs.ovsdb_connection), ovs.bridge, tap);
}

/**
 * Kills what runs in the namespace and deletes it with its devices. Tolerates a half-gone
 * state. Processes must go first: `ip netns del` with a process inside only drops the name,
 * the namespace and its veth live on (research 8).
 */
export async function removeNetns(name: string, opts: { devices?: string[] } = {}): Promise<void> {
  if (!namespaceExists(name)) return;
  for (const pid of await namespacePids(name)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // Deleting one end of a veth takes the peer with it at once; the namespace itself is
  // torn down asynchronously by the kernel, so its devices would linger for a while.
  await deleteNamespace(name, opts.devices);
}
