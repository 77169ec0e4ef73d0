// `neutrino lab`: a multi-host cloud on one machine. Host namespaces (controller, network,
// compute1..N) joined by underlay bridges in their own namespace; the server runs in the
// controller's namespace and each agent in its host's (nsenter), so management traffic (agents ↔
// RabbitMQ on the controller's management address) crosses br-mgmt, API requests cross br-api,
// VXLAN crosses br-tun; relays join RabbitMQ and the operator in the root namespace to them.
// The network host also runs the metadata agent, and the server the metadata service (on the
// controller's management address), so instances read 169.254.169.254 with no further setup.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetworkApi, type Json } from '../compute/api-client.js';
import { InstanceStore } from '../compute/instance-store.js';
import { removeNetns } from '../compute/instance-netns.js';
import { AGENT_TYPE_DHCP, AGENT_TYPE_L3, AGENT_TYPE_LINUXBRIDGE, AGENT_TYPE_METADATA, AGENT_TYPE_OVS } from '../contract/agent-types.js';
import { detectDatapathType, startOvsDaemons, stopOvsDaemons } from '../linux/ovs.js';
import { listNamespaces, namespacePids } from '../linux/netns.js';
import { Reverter } from '../compute/reverter.js';
import { run } from '../linux/exec.js';
import { requirePreflight } from '../linux/preflight.js';
import { isOurs, logTail, readPid, startDetached, stopPid, stopProcess } from './processes.js';
import { answersFromOutside, createExternalTopology, type LabExternal } from './external.js';
import { addVhost, checkRabbitReachable, deleteVhost } from './rabbit.js';
import { registerLab, unregisterLab } from './registry.js';
import { removeResolvConf } from '../compute/dhcp-client.js';
import {
  agentConfig,
  checkPrefix,
  controllerOf,
  defaultLabDir,
  inHost,
  managementTransportUrl,
  relayCommands,
  relaySocket,
  hostBatch,
  internetBatch,
  labLayout,
  labOvsDir,
  labPaths,
  netnsBatch,
  OVS_PHYSNET1_BRIDGE,
  OVS_EXTERNAL_BRIDGE,
  OVS_TUNNEL_BRIDGE,
  serverConfig,
  underlayBatch,
  vhostName,
  type LabHost,
  type LabTopology,
  DEFAULT_TOPOLOGY,
  API_NETWORK,
  EXTERNAL,
  UNDERLAY,
  type LabMechanism,
  type LabMetadata,
} from './topology.js';

/** Nova's metadata API port: where the lab's metadata service listens, in the controller's namespace. */
const LAB_METADATA_PORT = 8775;

export const DEFAULT_TRANSPORT_URL = 'rabbit://guest:guest@127.0.0.1:5672/';
const CLI_SCRIPT = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LabRecord {
  prefix: string;
  dir: string;
  port: number;
  url: string;
  computes: number;
  /** absent in labs made before --topology: controller-network-compute */
  topology?: LabTopology;
  vhost: string;
  transport_url: string;
  underlay_netns: string;
  /** the outside world on br-ext (absent in labs made before it existed) */
  internet_netns?: string;
  hosts: LabHost[];
  /** process name (server, agent-<host>, dhcp-agent-<host>, l3-agent-<host>) → its command line, to start it again */
  processes: Record<string, string[]>;
  /** what lab up made through the API (absent with --no-external) */
  external?: LabExternal;
  /** the server's metadata service port on the controller's management address (absent in labs made before the lab ran a metadata agent) */
  metadata_port?: number;
  created_at: string;
}

/** The agents of a lab: one L2 agent per host but the controller; DHCP, L3 and metadata on the network host. */
export const AGENT_KINDS = {
  linuxbridge: { type: AGENT_TYPE_LINUXBRIDGE, process: (host: string) => `agent-${host}` },
  openvswitch: { type: AGENT_TYPE_OVS, process: (host: string) => `ovs-agent-${host}` },
  dhcp: { type: AGENT_TYPE_DHCP, process: (host: string) => `dhcp-agent-${host}` },
  l3: { type: AGENT_TYPE_L3, process: (host: string) => `l3-agent-${host}` },
  metadata: { type: AGENT_TYPE_METADATA, process: (host: string) => `metadata-agent-${host}` },
} as const;
export type LabAgentKind = keyof typeof AGENT_KINDS;

/** The agent a lab process is, or null for the server. */
export function agentOfProcess(proc: string): { kind: LabAgentKind; host: string } | null {
  for (const [kind, a] of Object.entries(AGENT_KINDS) as [LabAgentKind, (typeof AGENT_KINDS)[LabAgentKind]][]) {
    const prefix = a.process('');
    if (proc.startsWith(prefix)) return { kind, host: proc.slice(prefix.length) };
  }
  return null;
}

export type Progress = (line: string) => void;

/** The lab dir and prefix from what the user gave (a lab.json in the dir wins for the prefix). */
export function locateLab(prefix: string | undefined, dir: string | undefined, defaultPrefix: string): { prefix: string; dir: string; record?: LabRecord } {
  const p = prefix ?? defaultPrefix;
  checkPrefix(p);
  const d = resolvePath(dir ?? defaultLabDir(p, tmpdir()));
  const record = readRecord(d);
  // the prefix file outlives `lab down`, so `lab down --dir D` twice never falls back to the
  // default prefix and touches another lab's namespaces
  const known = record?.prefix ?? readPrefixFile(d);
  if (known !== undefined && prefix !== undefined && known !== prefix) {
    throw new Error(`the lab in ${d} has prefix ${known}, not ${prefix}: give the matching --prefix or --dir`);
  }
  return { prefix: known ?? p, dir: d, record };
}

function readPrefixFile(dir: string): string | undefined {
  try {
    return readFileSync(labPaths(dir).prefixFile, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function readRecord(dir: string): LabRecord | undefined {
  try {
    return JSON.parse(readFileSync(labPaths(dir).record, 'utf8')) as LabRecord;
  } catch {
    return undefined;
  }
}

/** Kills what runs in every prefix* namespace, then deletes them in one batch. */
async function removeLabNamespaces(prefix: string): Promise<number> {
  return removeNamespaces(listNamespaces(prefix));
}

/** Kills what runs in each of these namespaces, then deletes them in one batch. */
export async function removeNamespaces(names: string[]): Promise<number> {
  for (const n of names) {
    for (const pid of await namespacePids(n)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  if (names.length) await run('ip', ['-force', '-batch', '-'], { input: names.map((n) => `netns del ${n}`).join('\n') + '\n', allowFailure: true });
  return names.length;
}

export interface LabUpOptions {
  prefix: string;
  computes: number;
  topology?: LabTopology;
  dir?: string;
  port: number;
  transportUrl?: string;
  /** seconds to wait for the server and for the agents */
  timeoutS?: number;
  signal?: AbortSignal;
  onProgress?: Progress;
  /** make the external network, a project network and a router with SNAT (default true) */
  external?: boolean;
  /** which hosts run the Open vSwitch agent (default linuxbridge: none) */
  mechanism?: LabMechanism;
  /** service plugins the server loads beyond router and metadata */
  servicePlugins?: string[];
  /** [agent] extensions of the network host (its L3 agent's router extensions) */
  agentExtensions?: string[];
  /** config files layered over the lab's own, for the server and every agent (later wins) */
  extraConfig?: string[];
}

export async function labUp(opts: LabUpOptions): Promise<LabRecord> {
  const progress = opts.onProgress ?? (() => undefined);
  const dir = resolvePath(opts.dir ?? defaultLabDir(opts.prefix, tmpdir()));
  const l = { ...labLayout(opts.prefix, opts.computes, dir, opts.port, opts.topology, opts.mechanism ?? 'linuxbridge'), servicePlugins: opts.servicePlugins, agentExtensions: opts.agentExtensions };
  const paths = labPaths(dir);
  const timeoutMs = (opts.timeoutS ?? 60) * 1000;
  const aborted = () => opts.signal?.throwIfAborted();

  const old = readRecord(dir);
  if (old && Object.keys(old.processes).some((p) => isRunning(dir, p))) {
    throw new Error(`a lab is up already in ${dir} (neutrino lab status --dir ${dir}; take it down with neutrino lab down --dir ${dir})`);
  }
  const left = listNamespaces(l.prefix);
  if (left.length)
    throw new Error(`namespaces with prefix ${l.prefix} are left from an earlier lab (${left.join(', ')}): run neutrino lab down --prefix ${l.prefix} first, or choose another --prefix`);
  const base = opts.transportUrl ?? DEFAULT_TRANSPORT_URL;
  if (!/^(rabbit|amqp):\/\//.test(base)) throw new Error(`--transport-url ${base}: the lab's processes need RabbitMQ (rabbit://user:pass@host:5672/); the vhost is the lab's own`);
  // everything the server, the agents and the lab itself need, before anything is made
  await requirePreflight('lab up', 'lab', { transportUrl: base });
  await checkRabbitReachable(base);
  // the server and the agents reach RabbitMQ on the controller's management address (a relay)
  const transport = managementTransportUrl(l, base);
  for (const what of ['amqp', 'api'] as const) {
    if (Buffer.byteLength(relaySocket(dir, what)) > 100)
      throw new Error(`--dir ${dir} is too long for the relay socket ${relaySocket(dir, what)} (Unix sockets take 107 bytes): choose a shorter --dir`);
  }
  const url = `http://127.0.0.1:${l.port}`;
  const api = new NetworkApi({ url, timeoutMs: 2000 });
  await assertPortFree(api, l.port);

  // a fresh state each time: no database, instances or pid files of an earlier lab
  for (const p of [paths.db, `${paths.db}-wal`, `${paths.db}-shm`, paths.run, new InstanceStore(dir).dir, resolvePath(dir, 'hosts')]) rmSync(p, { recursive: true, force: true });
  mkdirSync(paths.logs, { recursive: true });
  writeFileSync(paths.prefixFile, `${l.prefix}\n`);

  // the metadata service listens on the controller's management address, in the controller's own
  // namespace: Nova's port is free there whatever else this machine runs
  const metadata: LabMetadata = { port: LAB_METADATA_PORT, secret: randomBytes(24).toString('hex') };

  const started = Date.now();
  const revert = new Reverter();
  revert.add('remove the lab state', async () => {
    for (const p of [paths.db, `${paths.db}-wal`, `${paths.db}-shm`, new InstanceStore(dir).dir, resolvePath(dir, 'hosts')]) rmSync(p, { recursive: true, force: true });
  });
  try {
    progress(`RabbitMQ vhost ${l.vhost}`);
    await addVhost(l.vhost, decodeURIComponent(new URL(base).username) || 'guest');
    revert.add(`delete vhost ${l.vhost}`, () => deleteVhost(l.vhost));
    aborted();

    progress(`namespaces ${l.underlayNetns}, ${l.hosts.map((h) => h.netns).join(', ')}`);
    revert.add(`delete namespaces ${l.prefix}*`, () => removeLabNamespaces(l.prefix));
    await run('ip', ['-batch', '-'], { input: netnsBatch(l) });
    await run('ip', ['-batch', '-'], { netns: l.underlayNetns, input: underlayBatch(l) });
    await Promise.all(l.hosts.map((h) => run('ip', ['-batch', '-'], { netns: h.netns, input: hostBatch(h) })));
    await run('ip', ['-batch', '-'], { netns: l.internetNetns, input: internetBatch() });
    const ovsHosts = l.hosts.filter((h) => h.l2 === 'openvswitch');
    if (ovsHosts.length) {
      const datapath = detectDatapathType();
      for (const h of ovsHosts) {
        const ovsDir = labOvsDir(dir, h.name);
        revert.add(`stop the OVS daemons of ${h.name}`, () => stopOvsDaemons(ovsDir, { remove: true }));
        const ovs = await startOvsDaemons({ dir: ovsDir, netns: h.netns, userspaceTso: datapath.type === 'netdev' });
        // the operator's part of an OVS host: eth1 in a bridge that carries the tunnel address,
        // eth2 in physnet1's bridge
        await ovs.vsctl([
          ['--may-exist', 'add-br', OVS_TUNNEL_BRIDGE],
          ['set', 'Bridge', OVS_TUNNEL_BRIDGE, `datapath_type=${datapath.type}`],
          ['--may-exist', 'add-port', OVS_TUNNEL_BRIDGE, 'eth1'],
          ['--may-exist', 'add-br', OVS_PHYSNET1_BRIDGE],
          ['set', 'Bridge', OVS_PHYSNET1_BRIDGE, `datapath_type=${datapath.type}`],
          ['--may-exist', 'add-port', OVS_PHYSNET1_BRIDGE, 'eth2'],
          // the network host: the external network's bridge (Neutron's br-ex) holding eth3
          ...(h.services
            ? [
                ['--may-exist', 'add-br', OVS_EXTERNAL_BRIDGE],
                ['set', 'Bridge', OVS_EXTERNAL_BRIDGE, `datapath_type=${datapath.type}`],
                ['--may-exist', 'add-port', OVS_EXTERNAL_BRIDGE, 'eth3'],
              ]
            : []),
        ]);
        await run('ip', ['-batch', '-'], {
          netns: h.netns,
          input: `link set ${OVS_TUNNEL_BRIDGE} up\naddr add ${h.tunnelIp}/24 dev ${OVS_TUNNEL_BRIDGE}\nlink set ${OVS_PHYSNET1_BRIDGE} up\n${h.services ? `link set ${OVS_EXTERNAL_BRIDGE} up\n` : ''}`,
        });
      }
      // A real NIC fills in the UDP checksum of a VXLAN packet the kernel leaves partial; a veth
      // passes it on unfilled, and OVS's userspace tunnel end drops it (tunnel_pop_error). The
      // Linux bridge hosts' tunnel NICs compute checksums in software instead, as hardware would.
      for (const h of l.hosts.filter((x) => x.agent && x.l2 !== 'openvswitch')) await run('ethtool', ['-K', 'eth1', 'tx', 'off'], { netns: h.netns });
      progress(
        `Open vSwitch (datapath ${datapath.type}: ${datapath.reason}) on ${ovsHosts.map((h) => h.name).join(', ')}: ${OVS_TUNNEL_BRIDGE} (eth1, tunnel address), ${OVS_PHYSNET1_BRIDGE} (eth2, physnet1)`,
      );
    }
    progress(`underlay: br-mgmt (eth0, 10.20.0.0/24), br-tun (eth1, 10.21.0.0/24), br-phys1 (eth2, physnet1), br-ext (eth3, public; the outside world is ${l.internetNetns})`);
    aborted();

    const record: LabRecord = {
      prefix: l.prefix,
      dir,
      port: l.port,
      url,
      computes: l.computes,
      topology: l.topology,
      vhost: l.vhost,
      transport_url: transport,
      underlay_netns: l.underlayNetns,
      internet_netns: l.internetNetns,
      hosts: l.hosts,
      processes: {},
      metadata_port: metadata.port,
      created_at: new Date().toISOString(),
    };
    writeSecretFile(paths.serverConf, serverConfig(l, transport, metadata));
    const controller = controllerOf(l);
    const extra = (opts.extraConfig ?? []).flatMap((f) => ['--config-file', resolvePath(f)]);
    record.processes.server = [
      ...inHost(controller.netns),
      process.execPath,
      CLI_SCRIPT,
      'server',
      '--config-file',
      paths.serverConf,
      ...extra,
      '--db-upgrade',
      '--bind-host',
      controller.apiIp as string,
    ];
    const relays = relayCommands(l, base);
    Object.assign(record.processes, relays);
    const agents: { kind: LabAgentKind; host: string; proc: string }[] = [];
    for (const h of l.hosts.filter((x) => x.agent)) {
      writeSecretFile(paths.agentConf(h.name), agentConfig(l, h, transport, metadata));
      const l2: LabAgentKind = h.l2 ?? 'linuxbridge';
      const kinds: LabAgentKind[] = h.services ? [l2, 'dhcp', 'l3', 'metadata'] : [l2];
      for (const kind of kinds) {
        const proc = AGENT_KINDS[kind].process(h.name);
        agents.push({ kind, host: h.name, proc });
        record.processes[proc] = [...inHost(h.netns), process.execPath, CLI_SCRIPT, 'agent', kind, '--host', h.name, '--config-file', paths.agentConf(h.name), ...extra];
      }
    }
    new InstanceStore(dir).writeSettings({ netns_prefix: `${l.prefix}vm-`, host_namespaces: Object.fromEntries(l.hosts.map((h) => [h.name, h.netns])) });
    writeRecord(dir, record);
    revert.add('remove lab.json', async () => rmSync(paths.record, { force: true }));
    registerLab(l.prefix, dir);
    revert.add('unregister the lab', async () => unregisterLab(l.prefix, dir));

    progress(
      `relays (socat): RabbitMQ on ${controller.netns} ${controller.mgmtIp}:${new URL(transport).port} (br-mgmt); the API ${url} → ${API_NETWORK.clientIp} → ${controller.apiIp}:${l.port} (br-api)`,
    );
    for (const name of Object.keys(relays)) {
      revert.add(`stop ${name}`, () => stopRelay(dir, name));
      startDetached(relays[name], paths.log(name), paths.pid(name));
    }
    await until(
      timeoutMs,
      opts.signal,
      async () => {
        for (const name of Object.keys(relays)) await assertRunning(dir, name);
        const sockets = existsSync(relaySocket(dir, 'amqp')) && existsSync(relaySocket(dir, 'api'));
        return sockets && (await listening(controller.netns, controller.mgmtIp, Number(new URL(transport).port))) && (await listening(null, '127.0.0.1', l.port));
      },
      'the relays did not listen',
      () =>
        Object.keys(relays)
          .map((r) => `${r}:\n${logTail(paths.log(r))}`)
          .join('\n'),
    );

    progress(`server in ${controller.netns} on ${controller.apiIp}:${l.port}, reached as ${url} (log ${paths.log('server')})`);
    revert.add('stop the server', () => stopProcess(paths.pid('server'), dir));
    startDetached(record.processes.server, paths.log('server'), paths.pid('server'));
    await until(
      timeoutMs,
      opts.signal,
      async () => {
        await assertRunning(dir, 'server');
        return (await api.get('/agents').catch(() => undefined)) !== undefined;
      },
      `the server did not answer on ${url}`,
      () => logTail(paths.log('server')),
    );
    progress(`server answers (${((Date.now() - started) / 1000).toFixed(1)} s)`);

    for (const a of agents) {
      revert.add(`stop ${a.proc}`, () => stopProcess(paths.pid(a.proc), dir));
      startDetached(record.processes[a.proc], paths.log(a.proc), paths.pid(a.proc));
    }
    progress(`agents starting: ${agents.map((a) => `${a.kind}@${a.host}`).join(', ')}`);
    const seen = new Set<string>();
    await until(
      timeoutMs,
      opts.signal,
      async () => {
        for (const a of agents) await assertRunning(dir, a.proc);
        const list = (await api.get('/agents')).agents as Json[];
        for (const a of agents) {
          const found = list.find((x) => x.host === a.host && x.agent_type === AGENT_KINDS[a.kind].type);
          if (found?.alive && !seen.has(a.proc)) {
            seen.add(a.proc);
            progress(`${AGENT_KINDS[a.kind].type} of ${a.host} alive (${((Date.now() - started) / 1000).toFixed(1)} s)`);
          }
        }
        return seen.size === agents.length;
      },
      'not every agent reported alive',
      () =>
        agents
          .filter((a) => !seen.has(a.proc))
          .map((a) => `${a.proc}:\n${logTail(paths.log(a.proc))}`)
          .join('\n'),
    );

    if (opts.external !== false) {
      record.external = await createExternalTopology(api, progress);
      writeRecord(dir, record);
      const gw = record.external.router_gateway_ip;
      await until(
        timeoutMs,
        opts.signal,
        () => answersFromOutside(l.internetNetns, gw),
        `router ${gw} did not answer from ${l.internetNetns}`,
        () =>
          agents
            .filter((a) => a.kind !== 'dhcp')
            .map((a) => `${a.proc}:\n${logTail(paths.log(a.proc))}`)
            .join('\n'),
      );
      progress(`the router's gateway ${gw} answers from the outside (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
    revert.disarm();
    return record;
  } catch (e) {
    progress('lab up failed: undoing what it made');
    const failed = await revert.revert();
    rmSync(paths.run, { recursive: true, force: true });
    const undone = failed.length ? `cleanup was incomplete (${failed.join('; ')}): run neutrino lab down --dir ${dir}` : 'everything it made was removed';
    throw new Error(`lab up failed: ${(e as Error).message}\n${undone}; logs stay in ${paths.logs}`);
  }
}

/** A config file that holds the metadata secret: readable by root only. */
function writeSecretFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function writeRecord(dir: string, r: LabRecord): void {
  writeFileSync(labPaths(dir).record, `${JSON.stringify(r, null, 2)}\n`);
}

function isRunning(dir: string, proc: string): boolean {
  const pid = readPid(labPaths(dir).pid(proc));
  return pid !== undefined && isOurs(pid, dir);
}

async function assertRunning(dir: string, proc: string): Promise<void> {
  if (isRunning(dir, proc)) return;
  // nsenter execs the process a second time: while that exec runs /proc/PID/cmdline can read
  // empty, so look again before calling it gone
  await sleep(500);
  if (!isRunning(dir, proc)) throw new StopWaiting(`${proc} exited; the end of ${labPaths(dir).log(proc)}:\n${logTail(labPaths(dir).log(proc))}`);
}

class StopWaiting extends Error {}

/** Whether something listens on address:port (TCP) in netns (null: the root namespace). */
async function listening(netns: string | null, address: string, port: number): Promise<boolean> {
  const r = await run('ss', [...(netns ? ['-N', netns] : []), '-Hltn', `src ${address}:${port}`], { allowFailure: true });
  return r.code === 0 && r.stdout.trim() !== '';
}

/** A relay and the children it forked per connection (its process group): by pid, once it is ours. */
async function stopRelay(dir: string, name: string): Promise<'stopped' | 'killed' | 'not running'> {
  const pid = readPid(labPaths(dir).pid(name));
  const how = await stopProcess(labPaths(dir).pid(name), dir);
  if (pid !== undefined && how !== 'not running') {
    try {
      process.kill(-pid, 'SIGKILL'); // started detached: it leads its own group
    } catch {
      // no child left
    }
  }
  return how;
}

export const isRelay = (proc: string): boolean => proc.startsWith('relay-');

async function until(ms: number, signal: AbortSignal | undefined, probe: () => Promise<boolean>, what: string, detail: () => string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    signal?.throwIfAborted();
    if (await probe()) return;
    if (Date.now() > end) throw new Error(`${what} within ${ms / 1000} s:\n${detail()}`);
    await sleep(200);
  }
}

async function assertPortFree(api: NetworkApi, port: number): Promise<void> {
  const answer = await fetch(api.url, { signal: AbortSignal.timeout(1000) }).then(
    () => true,
    () => false,
  );
  if (answer) throw new Error(`something already answers on 127.0.0.1:${port} (another lab or server?): choose another --port`);
}

export interface DownReport {
  instances: number;
  processes: string[];
  namespaces: number;
  vhost: boolean;
}

/** Takes a lab down, whole or half made; safe to run again. */
export async function labDown(prefix: string, dir: string, progress: Progress = () => undefined): Promise<DownReport> {
  checkPrefix(prefix);
  const paths = labPaths(dir);
  const record = readRecord(dir);
  const report: DownReport = { instances: 0, processes: [], namespaces: 0, vhost: false };

  const store = new InstanceStore(dir);
  for (const inst of store.list()) {
    await removeNetns(inst.netns, { devices: ['eth0'] });
    removeResolvConf(inst.netns);
    store.remove(inst.name);
    report.instances++;
  }
  // instances recorded elsewhere (another state_path) but plugged into this lab's hosts
  for (const netns of await foreignPeerNamespaces(prefix)) {
    await removeNetns(netns, { devices: ['eth0'] });
    removeResolvConf(netns);
    progress(`instance namespace ${netns} (plugged into the lab, recorded elsewhere) deleted`);
    report.instances++;
  }
  if (report.instances) progress(`instances deleted: ${report.instances}`);

  // agents before the server, so none of them reports a missing server in its last breath
  let procs: string[] = [];
  try {
    procs = readdirSync(paths.run)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => f.slice(0, -4));
  } catch {
    // no run dir: nothing was started
  }
  procs.sort((a, b) => Number(a === 'server') - Number(b === 'server'));
  await Promise.all(
    procs
      .filter((p) => p !== 'server' && !isRelay(p))
      .map(async (p) => {
        const how = await stopProcess(paths.pid(p), dir);
        if (how !== 'not running') report.processes.push(`${p} ${how}`);
      }),
  );
  if (procs.includes('server')) {
    const how = await stopProcess(paths.pid('server'), dir);
    if (how !== 'not running') report.processes.push(`server ${how}`);
  }
  // the relays last: nothing talks through them any more
  for (const p of procs.filter(isRelay)) {
    const how = await stopRelay(dir, p);
    if (how !== 'not running') report.processes.push(`${p} ${how}`);
  }
  // each OVS host's ovsdb-server and ovs-vswitchd, by pid (their command lines name the dir)
  for (const h of record?.hosts ?? []) {
    if (h.l2 !== 'openvswitch') continue;
    await stopOvsDaemons(labOvsDir(dir, h.name), { remove: true });
    report.processes.push(`ovs daemons of ${h.name} stopped`);
  }
  if (report.processes.length) progress(`processes: ${report.processes.join(', ')}`);

  report.namespaces = await removeLabNamespaces(prefix);
  if (report.namespaces) progress(`namespaces deleted: ${report.namespaces}`);

  const vhost = record?.vhost ?? vhostName(prefix);
  try {
    report.vhost = await deleteVhost(vhost);
    if (report.vhost) progress(`RabbitMQ vhost ${vhost} deleted`);
  } catch (e) {
    progress(`warning: ${(e as Error).message}`);
  }

  for (const p of [paths.record, paths.run, paths.db, `${paths.db}-wal`, `${paths.db}-shm`, store.dir, resolvePath(dir, 'hosts')]) rmSync(p, { recursive: true, force: true });
  unregisterLab(prefix, dir);
  return report;
}

/**
 * Named namespaces outside the lab's prefix that hold the peer of a veth in one of the lab's
 * namespaces: instances booted against this lab whose records live in another state_path.
 */
async function foreignPeerNamespaces(prefix: string): Promise<string[]> {
  const found = new Set<string>();
  for (const ns of listNamespaces(prefix)) {
    const ids = await run('ip', ['-json', 'netns', 'list-id'], { netns: ns, allowFailure: true });
    const links = await run('ip', ['-json', 'link', 'show', 'type', 'veth'], { netns: ns, allowFailure: true });
    if (ids.code !== 0 || links.code !== 0) continue;
    const names = new Map<number, string>();
    for (const i of JSON.parse(ids.stdout || '[]') as { nsid: number; name?: string }[]) if (i.name) names.set(i.nsid, i.name);
    for (const l of JSON.parse(links.stdout || '[]') as { link_netnsid?: number }[]) {
      const peer = l.link_netnsid !== undefined ? names.get(l.link_netnsid) : undefined;
      if (peer && !peer.startsWith(prefix)) found.add(peer);
    }
  }
  return [...found].sort();
}

/** Where each kind of traffic of a Neutron deployment goes in this lab, as built. */
export function trafficTypes(r: LabRecord): { what: string; detail: string }[] {
  const rabbit = new URL(r.transport_url);
  const c = r.hosts.find((h) => h.name === 'controller');
  const inet = r.internet_netns ?? `${r.prefix}internet`;
  if (!c?.apiIp) {
    // a lab made before the server moved into the controller: everything on loopback
    return [
      { what: 'API', detail: `${r.url} (loopback of the root namespace, where the server runs)` },
      { what: 'management', detail: `agents ↔ server over RabbitMQ ${rabbit.hostname}:${rabbit.port || 5672} vhost ${r.vhost} on loopback of the root namespace` },
      { what: 'VM/tunnel', detail: `VXLAN between the hosts' eth1 on br-tun ${UNDERLAY[1].cidr}; flat physnet1 on br-phys1` },
      { what: 'external', detail: `br-ext: the hosts' eth3 (physnet public) and ${inet} (${EXTERNAL.gateway})` },
    ];
  }
  return [
    { what: 'API', detail: `br-api ${API_NETWORK.cidr}: the server on ${c.netns} eth4 ${c.apiIp}:${r.port}; ${r.url} in the root namespace is relayed from ${API_NETWORK.clientIp}` },
    {
      what: 'management',
      detail: `br-mgmt ${UNDERLAY[0].cidr}: agents (each in its host's namespace) ↔ RabbitMQ vhost ${r.vhost} at ${rabbit.hostname}:${rabbit.port || 5672} (${c.netns} eth0, relayed to the RabbitMQ of the root namespace)`,
    },
    { what: 'VM/tunnel', detail: `br-tun ${UNDERLAY[1].cidr}: VXLAN between the hosts' eth1 ([vxlan] local_ip); flat and VLAN physnet1 on br-phys1 (eth2)` },
    { what: 'external', detail: `br-ext: the hosts' eth3 (physnet public, no address) and ${inet} (${EXTERNAL.gateway})` },
  ];
}

/** Per host, which of its addresses carries which traffic. */
export function hostTraffic(h: LabHost): string {
  return [
    `management ${h.mgmtIp} (eth0)`,
    `tunnel ${h.tunnelIp} (${h.l2 === 'openvswitch' ? `${OVS_TUNNEL_BRIDGE} on eth1` : 'eth1'})`,
    ...(h.apiIp ? [`API ${h.apiIp} (${API_NETWORK.nic})`] : []),
    'physnet1 eth2',
    'external eth3',
  ].join(', ');
}

export interface StatusLine {
  what: string;
  ok: boolean;
  detail: string;
}

export async function labStatus(prefix: string, dir: string): Promise<{ up: boolean; lines: StatusLine[]; record?: LabRecord }> {
  const record = readRecord(dir);
  const lines: StatusLine[] = [];
  const present = new Set(listNamespaces(prefix));
  if (!record) {
    if (present.size) lines.push({ what: 'namespaces', ok: false, detail: `left over without a lab record: ${[...present].join(', ')} (neutrino lab down --prefix ${prefix})` });
    return { up: false, lines, record };
  }
  lines.push({
    what: 'topology',
    ok: true,
    detail: `${record.topology ?? DEFAULT_TOPOLOGY}: ${record.hosts.map((h) => `${h.name} (${h.services ? `L2 + DHCP + L3${record.metadata_port ? ' + metadata' : ''} agents` : h.agent ? 'L2 agent' : 'no agent'})`).join(', ')}`,
  });
  for (const t of trafficTypes(record)) lines.push({ what: `traffic: ${t.what}`, ok: true, detail: t.detail });
  for (const h of record.hosts) lines.push({ what: `addresses ${h.name}`, ok: true, detail: hostTraffic(h) });
  for (const n of [record.underlay_netns, ...record.hosts.map((h) => h.netns), ...(record.internet_netns ? [record.internet_netns] : [])]) {
    lines.push({ what: `netns ${n}`, ok: present.has(n), detail: present.has(n) ? 'present' : 'MISSING' });
  }
  const api = new NetworkApi({ url: record.url, timeoutMs: 2000 });
  let agents: Json[] | undefined;
  try {
    agents = (await api.get('/agents')).agents as Json[];
  } catch {
    // reported below
  }
  for (const proc of Object.keys(record.processes)) {
    const pid = readPid(labPaths(dir).pid(proc));
    const running = pid !== undefined && isOurs(pid, dir);
    let detail = running ? `pid ${pid}` : 'NOT RUNNING';
    let ok = running;
    if (proc === 'server') {
      detail += agents ? `, answers on ${record.url}` : `, NO ANSWER on ${record.url}`;
      ok &&= agents !== undefined;
    } else if (isRelay(proc)) {
      detail += `, ${record.processes[proc].slice(-2).join(' → ')}`;
    } else if (agents) {
      const which = agentOfProcess(proc);
      const a = which && agents.find((x) => x.host === which.host && x.agent_type === AGENT_KINDS[which.kind].type);
      detail += a ? `, ${a.alive ? 'alive' : 'DEAD'} (last heartbeat ${a.heartbeat_timestamp})` : ', NOT REGISTERED';
      ok &&= Boolean(a?.alive);
    }
    lines.push({ what: proc, ok, detail });
  }
  if (record.metadata_port) {
    // any HTTP answer will do: a request without the agent's signed headers is refused, which still proves it listens
    // it listens on the controller's management address, inside the controller's namespace
    const c = controllerOf(record);
    const at = `http://${c.mgmtIp}:${record.metadata_port}`;
    const answers = await new Promise<number>((resolve) =>
      execFile('ip', ['netns', 'exec', c.netns, 'curl', '-s', '-o', '/dev/null', '-m', '2', '-w', '%{http_code}', `${at}/`], (_err, out) => resolve(Number(out) || 0)),
    );
    lines.push({
      what: 'metadata service',
      ok: answers > 0,
      detail: answers > 0 ? `${at} answers (the server's; instances reach it through 169.254.169.254 and the metadata agent)` : `NO ANSWER on ${at} (the server's log says why)`,
    });
  }
  const instances = new InstanceStore(dir).list();
  lines.push({ what: 'instances', ok: true, detail: instances.length ? instances.map((i) => `${i.name}@${i.host}`).join(', ') : 'none' });
  return { up: lines.every((x) => x.ok), lines, record };
}

/**
 * Starts a host's agent again with the same command line (stopping it first if it runs) and
 * waits until the server has seen it start. Returns the new pid and how long it took.
 */
export async function restartAgent(dir: string, host: string, timeoutS = 30, progress: Progress = () => undefined, kindGiven?: LabAgentKind): Promise<{ pid: number; ms: number; kind: LabAgentKind }> {
  const record = readRecord(dir);
  if (!record) throw new Error(`no lab in ${dir} (neutrino lab up, or give --dir / --prefix)`);
  const kind: LabAgentKind = kindGiven ?? record.hosts.find((h) => h.name === host)?.l2 ?? 'linuxbridge';
  const proc = AGENT_KINDS[kind].process(host);
  const argv = record.processes[proc];
  if (!argv) {
    const have = Object.keys(record.processes)
      .map(agentOfProcess)
      .filter((a) => a !== null)
      .map((a) => `${a.kind}@${a.host}`);
    throw new Error(`the lab has no ${kind} agent on host ${host}; its agents: ${have.join(', ')}`);
  }
  const paths = labPaths(dir);
  const api = new NetworkApi({ url: record.url, timeoutMs: 2000 });
  const typeQuery = `agent_type=${encodeURIComponent(AGENT_KINDS[kind].type)}`;
  const before = ((await api.get(`/agents?host=${encodeURIComponent(host)}&${typeQuery}`)).agents as Json[])[0]?.started_at;
  // the metadata agent takes its socket over from the running one: new first, old after, no gap
  const handOver = kind === 'metadata';
  const oldPid = readPid(paths.pid(proc));
  if (!handOver) {
    const how = await stopProcess(paths.pid(proc), dir);
    if (how !== 'not running') progress(`${kind} agent of ${host} ${how}`);
  }
  // started_at has whole seconds: a start within the second of the last would look like no start
  const since = before ? Date.now() - Date.parse(before) : Infinity;
  if (since < 1000) await sleep(1000 - since + 20);
  const t0 = Date.now();
  const pid = startDetached(argv, paths.log(proc), paths.pid(proc));
  progress(`${kind} agent of ${host} started again (pid ${pid})`);
  await until(
    timeoutS * 1000,
    undefined,
    async () => {
      await assertRunning(dir, proc);
      const a = ((await api.get(`/agents?host=${encodeURIComponent(host)}&${typeQuery}`)).agents as Json[])[0];
      return Boolean(a?.alive && a.started_at !== before);
    },
    `the ${kind} agent of ${host} did not report its start`,
    () => logTail(paths.log(proc)),
  );
  if (handOver && oldPid !== undefined && oldPid !== pid) {
    const how = await stopPid(oldPid, dir);
    if (how !== 'not running') progress(`the ${kind} agent of ${host} it took over from ${how} (pid ${oldPid})`);
  }
  return { pid, ms: Date.now() - t0, kind };
}
