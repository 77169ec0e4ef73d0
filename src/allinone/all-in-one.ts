// `neutrino up` / `neutrino down`: a working cloud network on this host in one process. The
// server and the Linux bridge, DHCP and L3 agents run in one detached process on the embedded
// defaults (SQLite file, in-process bus memory://), with their devices in this host's root
// namespace; the outside world is the namespace PREFIXinternet on a veth whose host end
// PREFIXext is the physical interface of the flat external network `public`. Then, through the
// API, the external network, a project network with DHCP and a router (as `lab up`).
// With --lab the devices live in one lab host instead: the namespace PREFIXcontroller with its own
// underlay (PREFIXunderlay) and outside world, made as `lab up --topology all-in-one` makes them,
// and nothing of the cloud touches the root namespace but the process and its API on loopback.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { runAgent, type RunningAgent } from '../agents/run-agent.js';
import { bridgeName } from '../agents/linuxbridge/names.js';
import { makeLogger } from '../common/logger.js';
import { removeResolvConf } from '../compute/dhcp-client.js';
import { NetworkApi, type Json } from '../compute/api-client.js';
import { InstanceStore } from '../compute/instance-store.js';
import { removeNetns } from '../compute/instance-netns.js';
import { Reverter } from '../compute/reverter.js';
import { Config } from '../config/config.js';
import { AGENT_TYPE_DHCP, AGENT_TYPE_L3, AGENT_TYPE_LINUXBRIDGE } from '../contract/agent-types.js';
import { serviceNamespace, tapName } from '../contract/device-names.js';
import { openDatabase } from '../db/connection.js';
import { run } from '../linux/exec.js';
import { listNamespaces, namespaceExists } from '../linux/netns.js';
import { requirePreflight } from '../linux/preflight.js';
import { answersFromOutside, createExternalTopology, type LabExternal } from '../lab/external.js';
import { removeNamespaces } from '../lab/lab.js';
import { isOurs, logTail, readPid, startDetached, stopProcess } from '../lab/processes.js';
import { labIsUp, registerLab, unregisterLab } from '../lab/registry.js';
import { EXTERNAL, hostBatch, internetBatch, labLayout, netnsBatch, PHYSICAL_INTERFACE_MAPPINGS, underlayBatch, type LabHost } from '../lab/topology.js';
import { startApiServer } from '../server/api-server.js';

export const DEFAULT_UP_PREFIX = 'nup-';
const CLI_SCRIPT = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The files of an all-in-one: the same layout as a lab's, so instance commands find it (lab/registry.ts). */
export function upPaths(dir: string) {
  return {
    conf: join(dir, 'neutrino.conf'),
    record: join(dir, 'up.json'),
    prefixFile: join(dir, 'prefix'),
    pid: join(dir, 'run', 'server.pid'),
    log: join(dir, 'logs', 'neutrino-up.log'),
    db: join(dir, 'neutrino.sqlite'),
    dhcp: join(dir, 'dhcp'),
  };
}

export const defaultUpDir = (prefix: string): string => join(tmpdir(), `neutrino-up-${prefix.replace(/[-_.]+$/, '')}`);

export interface UpRecord {
  prefix: string;
  dir: string;
  port: number;
  url: string;
  host: string;
  internet_netns: string;
  external_device: string;
  external?: LabExternal;
  /** with --lab: the one lab host the devices live in, and its underlay */
  lab?: UpLabHost;
  created_at: string;
}

export interface UpLabHost {
  host: LabHost;
  underlay_netns: string;
}

/** The lab host of `neutrino up --lab`: the controller of `lab up --topology all-in-one`. */
export function upLabHost(prefix: string, dir: string, port: number): UpLabHost & { layout: ReturnType<typeof labLayout> } {
  const layout = labLayout(prefix, 0, dir, port, 'all-in-one');
  // the API of `up` is on the root namespace's loopback (the process runs there): no API NIC
  const { apiIp: _unused, ...host } = layout.hosts[0];
  layout.hosts = [host];
  return { host, underlay_netns: layout.underlayNetns, layout };
}

export function upConfig(r: { dir: string; port: number; prefix: string; host: string; lab?: UpLabHost }): string {
  return [
    r.lab
      ? `# neutrino up --lab: server + linuxbridge, dhcp and l3 agents in one process, devices in the lab host ${r.lab.host.netns}`
      : '# neutrino up: server + linuxbridge, dhcp and l3 agents in one process, devices in the root namespace',
    '[DEFAULT]',
    'bind_host = 127.0.0.1',
    `bind_port = ${r.port}`,
    `state_path = ${r.dir}`,
    `host = ${r.host}`,
    // one broker per all-in-one, so two in one test process could never meet
    `transport_url = memory://${r.prefix.replace(/[^A-Za-z0-9]/g, '')}up`,
    `log_file = ${upPaths(r.dir).log}`,
    '',
    '[database]',
    `connection = sqlite:///${upPaths(r.dir).db}`,
    '',
    '[ml2]',
    'type_drivers = local,flat',
    // one host: project networks need no tunnel, a bridge is enough
    'tenant_network_types = local',
    'mechanism_drivers = linuxbridge',
    '',
    '[ml2_type_flat]',
    r.lab ? 'flat_networks = physnet1,public' : 'flat_networks = public',
    '',
    '[agent]',
    'report_interval = 2',
    ...(r.lab ? [`host_namespace = ${r.lab.host.netns}`] : []),
    '',
    '[vxlan]',
    'enable_vxlan = false',
    '',
    '[linux_bridge]',
    // the lab host's NICs: eth2 on br-phys1, eth3 on br-ext (lab/topology.ts)
    `physical_interface_mappings = ${r.lab ? PHYSICAL_INTERFACE_MAPPINGS : `public:${r.prefix}ext`}`,
    '',
  ].join('\n');
}

/** The process `neutrino up` starts: server and agents on one in-process bus, until SIGTERM. */
export async function runAllInOneProcess(confFile: string): Promise<void> {
  const config = Config.load([confFile]);
  const log: Logger = makeLogger(config, 'neutrino-up');
  const server = await startApiServer(config, log.child({ component: 'server' }), { upgradeDb: true });
  const agents: RunningAgent[] = [];
  try {
    for (const kind of ['linuxbridge', 'dhcp', 'l3'] as const) agents.push(await runAgent(kind, config, log.child({ component: `${kind}-agent` }), undefined, { inProcess: true }));
  } catch (e) {
    for (const a of agents.reverse()) await a.stop().catch(() => undefined);
    await server.close();
    throw e;
  }
  const stop = async (signal: string) => {
    log.info({ event: 'up.signal', signal }, `received ${signal}, stopping the agents and the server`);
    for (const a of agents.reverse()) await a.stop().catch((err) => log.warn({ event: 'up.agent_stop_failed', err }, 'an agent did not stop cleanly'));
    await server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

export interface UpOptions {
  prefix: string;
  dir?: string;
  port: number;
  timeoutS?: number;
  /** devices in one lab host (PREFIXcontroller) with its own underlay, not in the root namespace */
  lab?: boolean;
  /** aborting (Ctrl-C) undoes what was made */
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

export async function allInOneUp(o: UpOptions): Promise<UpRecord> {
  const progress = o.onProgress ?? (() => undefined);
  const dir = resolvePath(o.dir ?? defaultUpDir(o.prefix));
  const paths = upPaths(dir);
  const timeoutMs = (o.timeoutS ?? 60) * 1000;
  if (!/^[a-z][a-z0-9-]{0,7}$/.test(o.prefix)) throw new Error(`--prefix ${o.prefix}: 1-8 lowercase letters, digits or '-', starting with a letter (it names ${o.prefix}ext and ${o.prefix}internet)`);
  if (labIsUp(dir)) throw new Error(`neutrino up is running already in ${dir} (neutrino down --dir ${dir})`);
  const internet = `${o.prefix}internet`;
  const extDev = `${o.prefix}ext`;
  const lab = o.lab ? upLabHost(o.prefix, dir, o.port) : undefined;
  for (const ns of [internet, ...(lab ? [lab.underlay_netns, lab.host.netns] : [])]) {
    if (namespaceExists(ns)) throw new Error(`namespace ${ns} is left from an earlier neutrino up: run neutrino down --prefix ${o.prefix} first`);
  }
  await requirePreflight('neutrino up', 'up');
  const url = `http://127.0.0.1:${o.port}`;
  const taken = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
    () => true,
    () => false,
  );
  if (taken) throw new Error(`something already answers on 127.0.0.1:${o.port}: choose another --port`);

  for (const p of [paths.db, `${paths.db}-wal`, `${paths.db}-shm`, paths.dhcp, new InstanceStore(dir).dir, join(dir, 'run')]) rmSync(p, { recursive: true, force: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const record: UpRecord = {
    prefix: o.prefix,
    dir,
    port: o.port,
    url,
    host: lab ? lab.host.name : hostname(),
    internet_netns: internet,
    external_device: lab ? `${lab.host.netns}:eth3` : extDev,
    ...(lab ? { lab: { host: lab.host, underlay_netns: lab.underlay_netns } } : {}),
    created_at: new Date().toISOString(),
  };
  writeFileSync(paths.prefixFile, `${o.prefix}\n`);
  writeFileSync(paths.conf, upConfig(record));
  writeFileSync(paths.record, `${JSON.stringify(record, null, 2)}\n`);
  new InstanceStore(dir).writeSettings({ netns_prefix: `${o.prefix}vm-`, ...(lab ? { host_namespaces: { [lab.host.name]: lab.host.netns } } : {}) });

  const revert = new Reverter();
  revert.add('undo neutrino up', async () => {
    await allInOneDown(o.prefix, dir);
  });
  try {
    if (lab) {
      const h = lab.host;
      progress(`lab host ${h.netns}: eth0 ${h.mgmtIp} (management, br-mgmt), eth1 ${h.tunnelIp} (tunnel, br-tun), eth2 (physnet1, br-phys1), eth3 (public, br-ext)`);
      progress(`underlay ${lab.underlay_netns}; outside world ${internet} (${EXTERNAL.gateway}, ${EXTERNAL.internetHost}) on br-ext`);
      await run('ip', ['-batch', '-'], { input: netnsBatch(lab.layout) });
      await run('ip', ['-batch', '-'], { netns: lab.underlay_netns, input: underlayBatch(lab.layout) });
      await run('ip', ['-batch', '-'], { netns: h.netns, input: hostBatch(h) });
      await run('ip', ['-batch', '-'], { netns: internet, input: internetBatch() });
    } else {
      progress(`outside world: namespace ${internet} (${EXTERNAL.gateway}, ${EXTERNAL.internetHost}) on veth ${extDev}, the interface of physnet public`);
      await run('ip', ['-batch', '-'], { input: [`netns add ${internet}`, `link add ${extDev} type veth peer name eth0 netns ${internet}`, `link set ${extDev} up`].join('\n') + '\n' });
      const prefixlen = EXTERNAL.cidr.split('/')[1];
      await run('ip', ['-batch', '-'], {
        netns: internet,
        input: ['link set lo up', 'link set eth0 up', `addr add ${EXTERNAL.gateway}/${prefixlen} dev eth0`, `addr add ${EXTERNAL.internetHost}/32 dev lo`].join('\n') + '\n',
      });
    }

    registerLab(o.prefix, dir);
    o.signal?.throwIfAborted();
    progress(`server and agents in one process (log ${paths.log})`);
    startDetached([process.execPath, CLI_SCRIPT, 'up', '--in-process', '--config-file', paths.conf], paths.log, paths.pid);
    const api = new NetworkApi({ url, timeoutMs: 2000 });
    const want = [AGENT_TYPE_LINUXBRIDGE, AGENT_TYPE_DHCP, AGENT_TYPE_L3];
    await until(
      timeoutMs,
      async () => {
        o.signal?.throwIfAborted();
        if (!labIsUp(dir)) throw new Error(`the neutrino up process exited:\n${logTail(paths.log)}`);
        const agents = ((await api.get('/agents').catch(() => ({ agents: [] }))).agents ?? []) as Json[];
        return want.every((t) => agents.some((a) => a.agent_type === t && a.alive));
      },
      () => `the server and its three agents did not come up:\n${logTail(paths.log)}`,
    );
    progress('server answers; Linux bridge, DHCP and L3 agents alive');
    record.external = await createExternalTopology(api, progress);
    writeFileSync(paths.record, `${JSON.stringify(record, null, 2)}\n`);
    const gw = record.external.router_gateway_ip;
    await until(
      timeoutMs,
      () => {
        o.signal?.throwIfAborted();
        return answersFromOutside(internet, gw);
      },
      () => `router ${gw} did not answer from ${internet}:\n${logTail(paths.log)}`,
    );
    progress(`the router's gateway ${gw} answers from ${internet}`);
    revert.disarm();
    return record;
  } catch (e) {
    progress('neutrino up failed: undoing what it made');
    const failed = await revert.revert();
    throw new Error(
      `neutrino up failed: ${(e as Error).message}\n${failed.length ? `cleanup was incomplete (${failed.join('; ')}): run neutrino down --dir ${dir}` : 'everything it made was removed'}`,
    );
  }
}

async function until(ms: number, probe: () => Promise<boolean>, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > end) throw new Error(`${what()}\n(waited ${ms / 1000} s)`);
    await sleep(200);
  }
}

export interface UpDownReport {
  instances: number;
  process: string;
  namespaces: number;
  devices: number;
}

/**
 * Undoes `neutrino up`, whole or half made; safe to run again. What to delete in the root
 * namespace comes from the cloud's own database (its networks, routers and ports), never from
 * a name pattern, so nothing else on this host is touched.
 */
export async function allInOneDown(prefix: string, dir: string, progress: (line: string) => void = () => undefined): Promise<UpDownReport> {
  const paths = upPaths(dir);
  // --lab: every device lives in the lab's namespaces (the record may be missing after a
  // half-made up; the underlay namespace tells then)
  const lab = upLabHost(prefix, dir, 1);
  const inLab = readUpRecord(dir)?.lab !== undefined || namespaceExists(lab.underlay_netns);
  const report: UpDownReport = { instances: 0, process: 'not running', namespaces: 0, devices: 0 };
  const store = new InstanceStore(dir);
  for (const inst of store.list()) {
    await removeNetns(inst.netns, { devices: ['eth0'] });
    removeResolvConf(inst.netns);
    store.remove(inst.name);
    report.instances++;
  }
  if (report.instances) progress(`instances deleted: ${report.instances}`);

  const ids = await cloudIds(paths.db);
  report.process = await stopProcess(paths.pid, dir);
  if (report.process !== 'not running') progress(`server and agents ${report.process}`);

  if (inLab) {
    // kills the dnsmasq in the host's qdhcp- namespaces too; the host's bridges, taps and nft
    // tables go with its namespace
    // by name, never by the prefix alone: a short prefix could match another cloud's namespaces
    const names = [lab.underlay_netns, lab.host.netns, `${prefix}internet`].filter(namespaceExists);
    report.namespaces = await removeNamespaces([...listNamespaces(`${lab.host.netns}.`), ...names]);
    if (report.namespaces) progress(`namespaces deleted: ${report.namespaces} (the lab host, its underlay, qdhcp-/qrouter-, ${prefix}internet)`);
    finishDown(prefix, dir, store);
    return report;
  }
  const namespaces = [...ids.networks.map((id) => serviceNamespace('qdhcp', id)), ...ids.routers.map((id) => serviceNamespace('qrouter', id)), `${prefix}internet`];
  for (const ns of namespaces) {
    if (!namespaceExists(ns)) continue;
    await removeNetns(ns); // kills dnsmasq and whatever else runs there
    report.namespaces++;
  }
  const devices = [...ids.networks.map(bridgeName), ...ids.ports.map(tapName), `${prefix}ext`];
  const present = new Set(((JSON.parse((await run('ip', ['-json', 'link', 'show'])).stdout || '[]') as { ifname: string }[]) ?? []).map((l) => l.ifname));
  const gone = devices.filter((d) => present.has(d));
  if (gone.length) await run('ip', ['-force', '-batch', '-'], { input: gone.map((d) => `link del ${d}`).join('\n') + '\n', allowFailure: true });
  report.devices = gone.length;
  if (report.namespaces || report.devices) progress(`namespaces deleted: ${report.namespaces}, devices: ${report.devices}`);
  // the Linux bridge agent's security group tables in this namespace (it ran here alone)
  if (ids.networks.length) for (const family of ['inet', 'bridge']) await run('nft', ['delete', 'table', family, 'neutrino-sg'], { allowFailure: true });
  finishDown(prefix, dir, store);
  return report;
}

function finishDown(prefix: string, dir: string, store: InstanceStore): void {
  const paths = upPaths(dir);
  for (const p of [paths.db, `${paths.db}-wal`, `${paths.db}-shm`, paths.dhcp, paths.record, join(dir, 'run'), join(dir, 'hosts'), store.dir]) rmSync(p, { recursive: true, force: true });
  unregisterLab(prefix, dir);
}

export function readUpRecord(dir: string): UpRecord | undefined {
  try {
    return JSON.parse(readFileSync(upPaths(dir).record, 'utf8')) as UpRecord;
  } catch {
    return undefined;
  }
}

/** The ids of the cloud's networks, routers and ports, read from its SQLite file (none if there is none). */
async function cloudIds(dbFile: string): Promise<{ networks: string[]; routers: string[]; ports: string[] }> {
  const none = { networks: [], routers: [], ports: [] };
  if (!existsSync(dbFile)) return none;
  const conn = openDatabase(`sqlite:///${dbFile}`);
  try {
    const db = conn.kysely;
    const networks = (await db.selectFrom('networks').select('id').execute()).map((r) => r.id);
    const routers = (await db.selectFrom('routers').select('id').execute()).map((r) => r.id);
    const ports = (await db.selectFrom('ports').select('id').execute()).map((r) => r.id);
    return { networks, routers, ports };
  } catch {
    return none; // no schema yet
  } finally {
    await conn.close();
  }
}

export function upIsRunning(dir: string): boolean {
  const pid = readPid(upPaths(dir).pid);
  return pid !== undefined && isOurs(pid, dir);
}
