// What each role needs from this host (Neutron's neutron-sanity-check idea), in one table:
// the binaries with the Debian package that has them, the kernel features (tried in a
// throwaway namespace: a module may load on first use, so looking for it is not enough) and
// the services. `neutrino sanity-check` prints it; every agent and `lab up` refuse to start,
// naming what is missing, before making anything.
import { accessSync, constants as fsConstants } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import type { Config } from '../config/config.js';
import { type CommandError, run } from './exec.js';

export const ROLES = ['server', 'linuxbridge', 'openvswitch', 'dhcp', 'l3', 'metadata', 'instance', 'lab', 'up'] as const;
export type Role = (typeof ROLES)[number];

export interface CheckResult {
  name: string;
  kind: 'binary' | 'kernel' | 'service';
  ok: boolean;
  /** a failing optional check is reported but refuses nothing */
  optional: boolean;
  /** what it is for, or why it failed */
  detail: string;
  /** what to install: `apt-get install <package>` */
  package?: string;
}

interface BinaryCheck {
  binary: string;
  package: string;
  why: string;
  roles: Role[];
  /** needed only with this config (e.g. not with firewall_driver = noop) */
  when?: (config: Config | undefined) => boolean;
}

const firewallOn = (c: Config | undefined) => !c || (c.bool('securitygroup', 'enable_security_group') && c.str('securitygroup', 'firewall_driver') !== 'noop');

/** Every program Neutrino runs, by role. The lab needs what its server and agents need. */
export const BINARIES: BinaryCheck[] = [
  { binary: 'ip', package: 'iproute2', why: 'links, addresses, routes, namespaces', roles: ['linuxbridge', 'dhcp', 'l3', 'instance', 'lab', 'up'] },
  { binary: 'bridge', package: 'iproute2', why: 'bridge ports and VXLAN forwarding entries', roles: ['linuxbridge', 'lab', 'up'] },
  { binary: 'sysctl', package: 'procps', why: 'forwarding and bridge netfilter settings', roles: ['linuxbridge', 'l3', 'lab', 'up'] },
  { binary: 'nft', package: 'nftables', why: 'security groups; SNAT and floating IPs', roles: ['linuxbridge', 'l3', 'lab', 'up'], when: (c) => firewallOn(c) },
  { binary: 'conntrack', package: 'conntrack', why: 'closing connections a rule change no longer allows', roles: ['linuxbridge', 'l3', 'lab', 'up'] },
  { binary: 'arping', package: 'iputils-arping', why: 'gratuitous ARP for router gateways and floating IPs', roles: ['l3', 'lab', 'up'] },
  {
    binary: 'haproxy',
    package: 'haproxy',
    why: 'the metadata proxy in qrouter and qdhcp namespaces',
    roles: ['dhcp', 'l3'],
    when: (c) => !!c && (c.bool('DEFAULT', 'enable_metadata_proxy') || c.bool('DEFAULT', 'enable_isolated_metadata') || c.bool('DEFAULT', 'force_metadata')),
  },
  { binary: 'haproxy', package: 'haproxy', why: "the metadata proxies of the lab's network host", roles: ['lab'] },
  { binary: 'dnsmasq', package: 'dnsmasq-base', why: 'the DHCP server of each network', roles: ['dhcp', 'lab', 'up'] },
  { binary: 'dhcp_release', package: 'dnsmasq-utils', why: 'releasing the lease of a deleted port at once', roles: ['dhcp', 'lab', 'up'] },
  { binary: 'ovs-vsctl', package: 'openvswitch-switch', why: 'Open vSwitch bridges and ports', roles: ['openvswitch'] },
  { binary: 'busybox', package: 'busybox', why: 'udhcpc, the DHCP client of instances', roles: ['instance', 'lab', 'up'] },
  { binary: 'ping', package: 'iputils-ping', why: "checking from the outside that the lab's router answers", roles: ['lab', 'up'] },
  { binary: 'rabbitmqctl', package: 'rabbitmq-server', why: "the lab's own RabbitMQ vhost", roles: ['lab'] },
  { binary: 'socat', package: 'socat', why: "relays putting the lab's management (RabbitMQ) and API traffic on its underlay", roles: ['lab'] },
  { binary: 'nsenter', package: 'util-linux', why: "running the lab's server and agents in their host namespaces", roles: ['lab'] },
];

/** Roles that change the kernel: they need to make namespaces (root, or CAP_SYS_ADMIN + CAP_NET_ADMIN). */
const KERNEL_ROLES: Role[] = ['linuxbridge', 'dhcp', 'l3', 'instance', 'lab', 'up'];

/** The file that runs as `name` from PATH, or null. */
export function findBinary(name: string, path = process.env.PATH ?? ''): string | null {
  for (const d of path.split(delimiter)) {
    if (!d) continue;
    try {
      accessSync(join(d, name), fsConstants.X_OK);
      return join(d, name);
    } catch {
      // not here
    }
  }
  return null;
}

function binaryResults(role: Role, config: Config | undefined): CheckResult[] {
  return BINARIES.filter((b) => b.roles.includes(role) && (b.when?.(config) ?? true)).map((b) => {
    const at = findBinary(b.binary);
    return {
      name: b.binary,
      kind: 'binary',
      ok: at !== null,
      optional: false,
      detail: at ? `${at} (${b.why})` : `not found in PATH (${b.why})`,
      package: b.package,
    };
  });
}

const why = (e: unknown) => ((e as CommandError).stderr || (e as Error).message).trim();

/** Namespaces, and in one throwaway namespace the kernel features the role uses. */
async function kernelResults(role: Role): Promise<CheckResult[]> {
  if (!KERNEL_ROLES.includes(role)) return [];
  const out: CheckResult[] = [];
  if (!findBinary('ip')) return [{ name: 'network namespaces', kind: 'kernel', ok: false, optional: false, detail: 'not probed: needs ip', package: 'iproute2' }];
  const ns = `nprobe-pre-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    await run('ip', ['netns', 'add', ns]);
  } catch (e) {
    const rootHint = process.getuid?.() === 0 ? '' : ' (run as root)';
    return [{ name: 'network namespaces', kind: 'kernel', ok: false, optional: false, detail: `ip netns add failed: ${why(e)}${rootHint}` }];
  }
  out.push({ name: 'network namespaces', kind: 'kernel', ok: true, optional: false, detail: 'ip netns add works' });
  const probes: { name: string; roles: Role[]; optional: boolean; args: string[]; fix: string }[] = [
    { name: 'veth', roles: KERNEL_ROLES, optional: false, args: ['link', 'add', 'pf0', 'type', 'veth', 'peer', 'name', 'pf1'], fix: 'veth module' },
    { name: 'bridge', roles: ['linuxbridge', 'lab', 'up'], optional: false, args: ['link', 'add', 'pfbr', 'type', 'bridge'], fix: 'bridge module' },
    { name: 'vxlan', roles: ['linuxbridge', 'lab'], optional: false, args: ['link', 'add', 'pfvx', 'type', 'vxlan', 'id', '42', 'dstport', '4789'], fix: 'vxlan module' },
    {
      name: '802.1Q VLAN',
      roles: ['linuxbridge', 'lab'],
      optional: true,
      args: ['link', 'add', 'link', 'pf0', 'name', 'pf0.42', 'type', 'vlan', 'id', '42'],
      fix: '8021q module; only VLAN networks need it',
    },
  ];
  try {
    for (const p of probes.filter((x) => x.roles.includes(role))) {
      try {
        await run('ip', p.args, { netns: ns });
        out.push({ name: p.name, kind: 'kernel', ok: true, optional: p.optional, detail: `ip ${p.args.slice(0, 2).join(' ')} … type ${p.name === '802.1Q VLAN' ? 'vlan' : p.name} works` });
      } catch (e) {
        out.push({ name: p.name, kind: 'kernel', ok: false, optional: p.optional, detail: `${why(e)} (${p.fix})` });
      }
    }
    if (['linuxbridge', 'l3', 'lab', 'up'].includes(role) && findBinary('nft')) {
      try {
        await run('nft', ['add', 'table', 'inet', 'nprobe'], { netns: ns });
        out.push({ name: 'nftables', kind: 'kernel', ok: true, optional: false, detail: 'nft add table works' });
      } catch (e) {
        out.push({ name: 'nftables', kind: 'kernel', ok: false, optional: false, detail: `${why(e)} (nf_tables module)` });
      }
    }
  } finally {
    await run('ip', ['netns', 'delete', ns], { allowFailure: true });
  }
  return out;
}

function tcpProblem(host: string, port: number): Promise<string | null> {
  return new Promise<string | null>((resolve) => {
    const sock = connect({ host, port, timeout: 3000 });
    const done = (p: string | null) => {
      sock.destroy();
      resolve(p);
    };
    sock.once('connect', () => done(null));
    sock.once('timeout', () => done('no answer in 3 s'));
    sock.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

/** Whether the message bus (and for the server a PostgreSQL database) answers at its host and port. */
async function serviceResults(role: Role, config: Config | undefined, transportUrl?: string): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const url = transportUrl ?? config?.str('DEFAULT', 'transport_url');
  if (url && /^(rabbit|amqp):\/\//.test(url) && role !== 'instance') {
    const u = new URL(url);
    const host = u.hostname || '127.0.0.1';
    const port = Number(u.port || 5672);
    const problem = await tcpProblem(host, port);
    out.push({
      name: 'RabbitMQ',
      kind: 'service',
      ok: problem === null,
      optional: false,
      detail: problem ? `${host}:${port} not reachable (${problem}): start it (rabbitmq-server -detached) or fix transport_url` : `${host}:${port} answers`,
      package: 'rabbitmq-server',
    });
  }
  const db = role === 'server' ? config?.str('database', 'connection') : undefined;
  if (db && /^postgres(ql)?:\/\//.test(db)) {
    const u = new URL(db);
    const host = u.hostname || '127.0.0.1';
    const port = Number(u.port || 5432);
    const problem = await tcpProblem(host, port);
    out.push({
      name: 'PostgreSQL',
      kind: 'service',
      ok: problem === null,
      optional: false,
      detail: problem ? `${host}:${port} not reachable (${problem}): start it or fix [database] connection` : `${host}:${port} answers`,
      package: 'postgresql',
    });
  }
  return out;
}

export interface PreflightOptions {
  config?: Config;
  /** probe the kernel (makes and deletes one namespace); default true */
  kernel?: boolean;
  /** check the message bus answers; default true */
  services?: boolean;
  /** the bus to check when the config has none (lab up's --transport-url) */
  transportUrl?: string;
}

export async function preflight(role: Role, o: PreflightOptions = {}): Promise<CheckResult[]> {
  const out = binaryResults(role, o.config);
  if (o.kernel !== false) out.push(...(await kernelResults(role)));
  if (o.services !== false) out.push(...(await serviceResults(role, o.config, o.transportUrl)));
  return out;
}

export const failures = (results: CheckResult[]) => results.filter((r) => !r.ok && !r.optional);

/** One line per missing thing, with what to install. */
export function describeMissing(results: CheckResult[]): string {
  const missing = failures(results);
  const pkgs = [...new Set(missing.filter((r) => r.kind === 'binary' && r.package).map((r) => r.package))];
  const lines = missing.map((r) => `  ${r.kind === 'binary' ? `${r.name} (Debian package ${r.package})` : r.name}: ${r.detail}`);
  if (pkgs.length) lines.push(`  install: apt-get install ${pkgs.join(' ')}`);
  return lines.join('\n');
}

export class PreflightError extends Error {
  constructor(
    readonly what: string,
    readonly results: CheckResult[],
    role: Role,
  ) {
    super(`${what} cannot start on this host, it is missing:\n${describeMissing(results)}\n(neutrino sanity-check --role ${role} shows every check)`);
    this.name = 'PreflightError';
  }
}

/** Throws a PreflightError naming every missing thing, before the caller makes anything. */
export async function requirePreflight(what: string, role: Role, o: PreflightOptions = {}): Promise<void> {
  const results = await preflight(role, o);
  if (failures(results).length) throw new PreflightError(what, results, role);
}
