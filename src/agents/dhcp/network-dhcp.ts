// One network's DHCP server on this host: its qdhcp namespace, its DHCP port plugged there,
// the files dnsmasq reads, and the dnsmasq itself. converge() is idempotent and cheap when
// everything is right already (two `ip` reads, file comparisons, a look at /proc): a restarted
// agent adopts a dnsmasq whose command line is what it would start, and only SIGHUPs when a
// file changed.
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { DHCP_PORT_PREFIX, idOfServiceNamespace, serviceNamespace, serviceNamespacePrefix, servicePortDevice } from '../../contract/device-names.js';
import { DEVICE_OWNER_DHCP } from '../../contract/device-owners.js';
import type { DhcpNetwork, DhcpPort } from '../../contract/dhcp.js';
import type { Drift } from '../../contract/trace.js';
import { run } from '../../linux/exec.js';
import { releaseLease, reloadDnsmasq, runningDnsmasq, startDnsmasq, stopDnsmasq } from '../../linux/dnsmasq.js';
import { processArgv, signalProcess } from '../../linux/process.js';
import { deleteNamespace, ensureNamespace, listNamespaces, namespaceExists, namespacePids } from '../../linux/netns.js';
import { readNamespaceDevices } from '../../linux/namespace-snapshot.js';
import { addressLines, plugServicePort } from '../service-ports/veth-plug.js';
import type { InterfaceDriver } from '../service-ports/interface-driver.js';
import type { DhcpPluginApi } from './dhcp-plugin-api.js';
import { dhcpDeviceId } from './device-id.js';
import { METADATA_ADDRESS, METADATA_PORT } from '../../contract/metadata.js';
import type { MetadataProxies } from '../metadata-proxy/metadata-proxies.js';
import {
  dhcpPortAddresses,
  dnsmasqArgs,
  filePath,
  metadataSubnets,
  parseLeases,
  renderAddnHosts,
  renderHosts,
  renderOpts,
  servedSubnets,
  staleLeases,
  type DnsmasqSettings,
} from './dnsmasq-config.js';

export interface DhcpHostSettings {
  host: string;
  /** [agent] host_namespace ('' = the real host) */
  hostNamespace: string;
  /** <state_path>/dhcp */
  dhcpDir: string;
  leaseDuration: number;
  leaseMax: number;
  dnsServers: string[];
  domain: string;
  /** dnsmasq's --user (see dnsmasqUser in start.ts); null: its default */
  dnsmasqUser?: string | null;
  /** metadata from the qdhcp namespace ([DEFAULT] enable_isolated_metadata / force_metadata) */
  metadata?: { proxies: MetadataProxies; force: boolean };
  /** [DEFAULT] interface_driver (none: linuxbridge) */
  interfaceDriver?: InterfaceDriver;
}

export interface ConvergeResult {
  /** dnsmasq started (it was not running, or its command line had to change) */
  started: boolean;
  /** files rewritten and dnsmasq told (SIGHUP) */
  reloaded: boolean;
  pid: number;
  released: number;
}

const sameArgv = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export class NetworkDhcp {
  constructor(
    private readonly o: DhcpHostSettings,
    private readonly rpc: DhcpPluginApi,
    private readonly log: Logger,
  ) {}

  namespace(networkId: string): string {
    return serviceNamespace('qdhcp', networkId, this.o.hostNamespace);
  }

  dir(networkId: string): string {
    return `${this.o.dhcpDir}/${networkId}`;
  }

  /** Networks this host has something of: a namespace, a directory or a metadata proxy. */
  present(): Set<string> {
    const out = new Set<string>();
    const prefix = serviceNamespacePrefix('qdhcp', this.o.hostNamespace);
    for (const ns of listNamespaces(prefix)) {
      const id = idOfServiceNamespace('qdhcp', ns, this.o.hostNamespace);
      if (id) out.add(id);
    }
    try {
      for (const d of readdirSync(this.o.dhcpDir)) if (/^[0-9a-f-]{36}$/.test(d)) out.add(d);
    } catch {
      // no directory yet
    }
    // a metadata proxy left by a crash between its start and the network's files
    for (const id of this.o.metadata?.proxies.known() ?? []) out.add(id);
    return out;
  }

  /** The DHCP port of this agent on the network, made or completed through the server. */
  private async dhcpPort(net: DhcpNetwork): Promise<DhcpPort | null> {
    const deviceId = dhcpDeviceId(this.o.host, net.id);
    const served = servedSubnets(net).filter((s) => s.ip_version === 4 || s.ipv6_address_mode === 'dhcpv6-stateful');
    let port = net.ports.find((p) => p.device_owner === DEVICE_OWNER_DHCP && p.device_id === deviceId) ?? null;
    if (!port) {
      port = await this.rpc.createDhcpPort({ network_id: net.id, device_id: deviceId, fixed_ips: served.map((s) => ({ subnet_id: s.id })) });
      if (port) net.ports.push(port);
      return port;
    }
    const have = new Set(port.fixed_ips.map((a) => a.subnet_id));
    const missing = served.filter((s) => !have.has(s.id));
    if (missing.length) {
      const updated = await this.rpc.updateDhcpPort(port.id, { fixed_ips: [...port.fixed_ips, ...missing.map((s) => ({ subnet_id: s.id }))] });
      if (updated) {
        net.ports = net.ports.map((p) => (p.id === updated.id ? updated : p));
        port = updated;
      }
    }
    return port;
  }

  private settings(net: DhcpNetwork, port: DhcpPort): DnsmasqSettings {
    return {
      dir: this.dir(net.id),
      interfaceName: servicePortDevice(DHCP_PORT_PREFIX, port.id),
      leaseDuration: this.o.leaseDuration,
      leaseMax: this.o.leaseMax,
      dnsServers: this.o.dnsServers,
      domain: this.o.domain,
      user: this.o.dnsmasqUser ?? null,
    };
  }

  /** Makes the network's DHCP server (and its metadata proxy) what `net` says. */
  async converge(net: DhcpNetwork): Promise<ConvergeResult> {
    const r = await this.convergeDnsmasq(net);
    const m = this.o.metadata;
    if (m) {
      // the address 169.254.169.254/32 is on the DHCP port exactly when the proxy is wanted
      if (r.metadata) await m.proxies.ensure(net.id, this.namespace(net.id), `${METADATA_ADDRESS}:${METADATA_PORT}`);
      else await m.proxies.remove(net.id);
    }
    return r;
  }

  private async convergeDnsmasq(net: DhcpNetwork): Promise<ConvergeResult & { metadata: boolean }> {
    const ns = this.namespace(net.id);
    const t0 = Date.now();
    const fresh = await ensureNamespace(ns);
    const t1 = Date.now();
    const port = await this.dhcpPort(net);
    const t2 = Date.now();
    if (!port) throw new Error(`network ${net.id}: the server made no DHCP port (the network is gone?)`);
    // one read of the namespace serves both the plug and the addresses (a namespace made just now holds nothing)
    const seen = fresh ? { links: new Map(), addresses: new Map<string, string[]>() } : await readNamespaceDevices(ns);
    const dev = await plugServicePort(
      { hostNamespace: this.o.hostNamespace, namespace: ns, portId: port.id, mac: port.mac_address, mtu: net.mtu || 1500, prefix: DHCP_PORT_PREFIX },
      { inner: seen.links.get(servicePortDevice(DHCP_PORT_PREFIX, port.id)) ?? null },
      this.o.interfaceDriver,
    );
    // a DHCP port replaced (deleted behind the agent's back) leaves its veth: it must not keep its address
    for (const name of seen.links.keys()) {
      if (!name.startsWith(DHCP_PORT_PREFIX) || name === dev) continue;
      await run('ip', ['link', 'del', name], { netns: ns, allowFailure: true });
      await this.o.interfaceDriver?.unplugged([name]);
    }
    const md = this.o.metadata ? metadataSubnets(net, port, { force: this.o.metadata.force, isolated: true }) : new Map<string, string>();
    const want = [...dhcpPortAddresses(net, port), ...(md.size ? [`${METADATA_ADDRESS}/32`] : [])];
    const have = seen.addresses.get(dev) ?? [];
    const lines = addressLines(dev, have, want);
    if (lines.length) await run('ip', ['-batch', '-'], { netns: ns, input: `${lines.join('\n')}\n` });

    const dir = this.dir(net.id);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    // dnsmasq reads its files again on SIGHUP as nobody: the directories must be open to it
    chmodSync(this.o.dhcpDir, 0o755);
    chmodSync(dir, 0o755);
    const hostChanged = writeIfChanged(filePath(dir, 'host'), renderHosts(net, this.o.domain));
    const optsChanged = writeIfChanged(filePath(dir, 'opts'), renderOpts(net, this.o.dnsServers, md));
    const addnChanged = writeIfChanged(filePath(dir, 'addn_hosts'), renderAddnHosts(net, this.o.domain));
    // the lease file is dnsmasq's own: made once, kept across agent and dnsmasq restarts
    if (!existsSync(filePath(dir, 'leases'))) writeFileSync(filePath(dir, 'leases'), '', { mode: 0o644 });

    const s = this.settings(net, port);
    const argv = dnsmasqArgs(net, s);
    const pidFile = filePath(dir, 'pid');
    const running = runningDnsmasq(pidFile);
    let released = 0;
    if (running && sameArgv(running.argv, argv)) {
      if (hostChanged) released = await this.releaseStale(net, ns, s.interfaceName);
      if (hostChanged || optsChanged || addnChanged) {
        const logFile = filePath(dir, 'log');
        const offset = fileSize(logFile);
        reloadDnsmasq(pidFile);
        // dnsmasq rereads in its own loop: the port is ready (and may turn ACTIVE) once it has
        const reread = await logShows(logFile, offset, `read ${filePath(dir, hostChanged ? 'host' : 'opts')}`, 1000);
        if (!reread)
          this.log.warn(
            { event: 'dhcp.reload_unconfirmed', network_id: net.id, pid: running.pid, log: logFile },
            `dnsmasq of ${net.id} did not log rereading its files within 1 s after SIGHUP (can user nobody read ${dir}?)`,
          );
        this.log.info({ event: 'dhcp.reload', network_id: net.id, pid: running.pid, released }, `dnsmasq of ${net.id} reloaded`);
        return { started: false, reloaded: true, pid: running.pid, released, metadata: md.size > 0 };
      }
      return { started: false, reloaded: false, pid: running.pid, released, metadata: md.size > 0 };
    }
    if (running) {
      await stopDnsmasq(pidFile);
      const changed = { removed: running.argv.filter((a) => !argv.includes(a)), added: argv.filter((a) => !running.argv.includes(a)) };
      this.log.info({ event: 'dhcp.restart', network_id: net.id, old_pid: running.pid, ...changed }, `dnsmasq of ${net.id} restarts: its command line changed (subnets, MTU or options)`);
    }
    released = await this.releaseStaleOffline(net, dir);
    const t3 = Date.now();
    const pid = await startDnsmasq(ns, argv);
    this.log.info(
      { event: 'dhcp.start', network_id: net.id, pid, namespace: ns, ms: { namespace: t1 - t0, port: t2 - t1, plug_and_files: t3 - t2, dnsmasq: Date.now() - t3 } },
      `dnsmasq of ${net.id} started`,
    );
    return { started: true, reloaded: false, pid, released, metadata: md.size > 0 };
  }

  /** Leases of MAC/IP pairs the host file no longer has, released at once (dhcp_release), as Neutron. */
  private async releaseStale(net: DhcpNetwork, ns: string, iface: string): Promise<number> {
    let text = '';
    try {
      text = readFileSync(filePath(this.dir(net.id), 'leases'), 'utf8');
    } catch {
      return 0;
    }
    const stale = staleLeases(parseLeases(text), net);
    for (const l of stale) await releaseLease(ns, iface, l.ip, l.mac, l.clientId);
    if (stale.length) this.log.info({ event: 'dhcp.release', network_id: net.id, leases: stale.map((l) => `${l.mac}/${l.ip}`) }, `${stale.length} stale lease(s) released`);
    return stale.length;
  }

  /** With dnsmasq down its lease file can be edited directly. */
  private async releaseStaleOffline(net: DhcpNetwork, dir: string): Promise<number> {
    const file = filePath(dir, 'leases');
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return 0;
    }
    const stale = new Set(staleLeases(parseLeases(text), net).map((l) => `${l.mac}|${l.ip}`));
    if (!stale.size) return 0;
    const kept = text.split('\n').filter((line) => {
      const f = line.trim().split(/\s+/);
      return !(f.length >= 3 && stale.has(`${(f[1] ?? '').toLowerCase()}|${f[2]}`));
    });
    writeFileSync(file, kept.join('\n'));
    return stale.size;
  }

  /**
   * Drift audit of one network served here (changes nothing): its namespace, the DHCP port's
   * device and addresses there, the files the agent wrote (host, opts, addn_hosts) and the
   * dnsmasq of its pid file with the command line the agent would start. converge() repairs it.
   */
  async inspect(net: DhcpNetwork, counted: { files: number; processes: number; addresses: number }): Promise<Drift[]> {
    const ns = this.namespace(net.id);
    const out: Drift[] = [];
    const drift = (kind: string, object: string, detail: string) => out.push({ kind, object, detail, repaired: false });
    const port = net.ports.find((p) => p.device_owner === DEVICE_OWNER_DHCP && p.device_id === dhcpDeviceId(this.o.host, net.id));
    const dir = this.dir(net.id);
    const pidFile = filePath(dir, 'pid');
    if (!namespaceExists(ns)) drift('dhcp_namespace', ns, `the namespace of network ${net.id} is missing`);
    else if (port) {
      const dev = servicePortDevice(DHCP_PORT_PREFIX, port.id);
      const seen = await readNamespaceDevices(ns);
      const md = this.o.metadata ? metadataSubnets(net, port, { force: this.o.metadata.force, isolated: true }) : new Map<string, string>();
      const want = [...dhcpPortAddresses(net, port), ...(md.size ? [`${METADATA_ADDRESS}/32`] : [])];
      counted.addresses += want.length;
      const link = seen.links.get(dev);
      if (!link) drift('dhcp_port', `${ns} ${dev}`, `the DHCP port ${port.id} has no device in ${ns}`);
      else {
        if (!link.up) drift('dhcp_port', `${ns} ${dev}`, `${dev} is down`);
        const have = new Set(seen.addresses.get(dev) ?? []);
        const missing = want.filter((a) => !have.has(a));
        if (missing.length) drift('dhcp_address', `${ns} ${dev}`, `address(es) missing: ${missing.join(', ')}`);
      }
    }
    const files: [string, string][] = [
      ['host', renderHosts(net, this.o.domain)],
      ...(port ? [['opts', renderOpts(net, this.o.dnsServers, this.o.metadata ? metadataSubnets(net, port, { force: this.o.metadata.force, isolated: true }) : new Map())] as [string, string]] : []),
      ['addn_hosts', renderAddnHosts(net, this.o.domain)],
    ];
    for (const [kind, text] of files) {
      counted.files++;
      const file = filePath(dir, kind as 'host');
      let have: string | null = null;
      try {
        have = readFileSync(file, 'utf8');
      } catch {
        // missing
      }
      if (have === null) drift('dhcp_file', file, 'the file is missing');
      else if (have !== text) {
        const want = new Set(text.split('\n'));
        const got = new Set(have.split('\n'));
        const gone = [...want].filter((l) => l && !got.has(l)).length;
        const extra = [...got].filter((l) => l && !want.has(l)).length;
        drift('dhcp_file', file, `differs from what the agent wrote: ${gone} line(s) missing, ${extra} line(s) nobody wrote`);
      }
    }
    counted.processes++;
    const running = runningDnsmasq(pidFile);
    if (!running) drift('dnsmasq', `dnsmasq of ${net.id}`, `not running (no live dnsmasq in ${pidFile})`);
    else if (port && !sameArgv(running.argv, dnsmasqArgs(net, this.settings(net, port))))
      drift('dnsmasq', `dnsmasq of ${net.id}`, `pid ${running.pid} runs with another command line than the agent's`);
    return out;
  }

  /** Stops serving the network here: dnsmasq, the port's veth, the namespace, the files; the port goes back to the server. */
  async teardown(networkId: string, releasePort: boolean): Promise<void> {
    const dir = this.dir(networkId);
    const pidFile = filePath(dir, 'pid');
    const stopped = await stopDnsmasq(pidFile);
    await this.o.metadata?.proxies.remove(networkId);
    const ns = this.namespace(networkId);
    // a dnsmasq of this network whose pid file was lost (a crash mid-start) still holds the namespace
    for (const pid of await namespacePids(ns)) {
      if (processArgv(pid)?.includes(`--pid-file=${pidFile}`)) signalProcess(pid, 'SIGTERM');
    }
    const devices = await devicesIn(ns);
    await deleteNamespace(ns, devices);
    await this.o.interfaceDriver?.unplugged(devices);
    rmSync(dir, { recursive: true, force: true });
    if (releasePort) {
      await this.rpc
        .releaseDhcpPort(networkId, dhcpDeviceId(this.o.host, networkId))
        .catch((err: Error) =>
          this.log.warn({ event: 'dhcp.port_release_failed', network_id: networkId, err: err.message }, 'could not release the DHCP port; the server removes it with the network'),
        );
    }
    this.log.info({ event: 'dhcp.teardown', network_id: networkId, namespace: ns, dnsmasq_stopped: stopped }, `no longer serving DHCP for ${networkId}`);
  }
}

async function devicesIn(ns: string): Promise<string[]> {
  const r = await run('ip', ['-o', 'link', 'show'], { netns: ns, allowFailure: true });
  if (r.code !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1])
    .filter((d): d is string => !!d && d.startsWith(DHCP_PORT_PREFIX));
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** What the file holds beyond offset (the log grows with every DHCP exchange: never read it all). */
function tail(file: string, offset: number): string {
  let fd: number | null = null;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    if (size <= offset) return '';
    const buf = Buffer.alloc(Math.min(size - offset, 1 << 20));
    const n = readSync(fd, buf, 0, buf.length, offset);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Waits (bounded) until text appears in the file beyond offset; false on timeout. */
async function logShows(file: string, offset: number, text: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (tail(file, offset).includes(text)) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Writes the file (atomically) unless it already holds `text`; true when it was written. */
export function writeIfChanged(file: string, text: string): boolean {
  try {
    if (readFileSync(file, 'utf8') === text) return false;
  } catch {
    // missing: write it
  }
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
  return true;
}
