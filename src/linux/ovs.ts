// Open vSwitch: the only code that runs ovs-vsctl, ovs-ofctl, ovsdb-client, ovsdb-server and
// ovs-vswitchd. Database changes are one `ovs-vsctl` transaction (commands joined by `--`,
// `--may-exist` so they are idempotent); flows go in with `ovs-ofctl --bundle replace-flows`
// (one atomic OpenFlow bundle per bridge: flows already right are not touched, so they keep
// their age and counters); state is read back parsed (OVSDB JSON, dump-flows).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { release as osRelease } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { run } from './exec.js';
import { processArgv, readPidFile, signalProcess } from './process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- OVSDB values and rows

/** An OVSDB JSON value as ovs-vsctl/ovsdb-client print it, made plain: maps → objects, sets → arrays (an empty set → null). */
export function ovsdbValue(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  const [kind, inner] = v as [string, unknown];
  if (kind === 'map') return Object.fromEntries((inner as [unknown, unknown][]).map(([k, x]) => [String(ovsdbValue(k)), ovsdbValue(x)]));
  if (kind === 'set') {
    const items = (inner as unknown[]).map(ovsdbValue);
    return items.length === 0 ? null : items;
  }
  if (kind === 'uuid' || kind === 'named-uuid') return inner;
  return v;
}

/** Rows of one `--format=json` table: { headings, data } → objects keyed by column. */
export function ovsdbRows(table: { headings: string[]; data: unknown[][] }): Record<string, unknown>[] {
  return table.data.map((row) => Object.fromEntries(table.headings.map((h, i) => [h, ovsdbValue(row[i])])));
}

/** A string for ovs-vsctl's `key=value` syntax (quoted when it has anything but plain characters). */
export function vsctlString(s: string): string {
  return /^[A-Za-z0-9_.:/-]+$/.test(s) ? s : JSON.stringify(s);
}

// ---------------------------------------------------------------- ovs-vsctl

export interface OvsBridge {
  name: string;
  datapathType: string;
  failMode: string | null;
  /** port names */
  ports: string[];
}

export interface OvsPort {
  name: string;
  /** access VLAN, null when a trunk */
  tag: number | null;
  otherConfig: Record<string, string>;
  bridge: string | null;
}

export interface OvsInterface {
  name: string;
  /** -1 while it could not be opened, null before vswitchd looked at it */
  ofport: number | null;
  type: string;
  options: Record<string, string>;
  externalIds: Record<string, string>;
  error: string | null;
}

export interface OvsState {
  bridges: Map<string, OvsBridge>;
  ports: Map<string, OvsPort>;
  interfaces: Map<string, OvsInterface>;
}

/** One OVS database (ovsdb-server) and the switch it drives: where the tools connect. */
export class Ovs {
  /**
   * db: an OVSDB connection as ovs-vsctl takes it (unix:/path/db.sock, tcp:IP:PORT);
   * rundir: where ovs-vswitchd keeps the bridges' OpenFlow sockets (<bridge>.mgmt).
   */
  constructor(
    readonly db: string,
    readonly rundir: string,
  ) {}

  /** The run directory of a unix: connection (OVS puts db.sock and the .mgmt sockets together). */
  static fromConnection(connection: string): Ovs {
    const m = /^unix:(.+)\/[^/]+$/.exec(connection);
    if (!m) throw new Error(`[ovs] ovsdb_connection = ${connection}: only unix:<run dir>/db.sock is supported (the bridges' OpenFlow sockets are found in the same directory)`);
    return new Ovs(connection, m[1]);
  }

  /** One ovs-vsctl transaction of several commands (each an argv), atomic in OVSDB. */
  async vsctl(commands: string[][], opts: { noWait?: boolean } = {}): Promise<string> {
    if (!commands.length) return '';
    const args = [`--db=${this.db}`, '--timeout=10', ...(opts.noWait ? ['--no-wait'] : [])];
    commands.forEach((c, i) => {
      if (i > 0) args.push('--');
      args.push(...c);
    });
    return (await run('ovs-vsctl', args)).stdout;
  }

  /** Bridges, ports and interfaces in one read. */
  async state(): Promise<OvsState> {
    const out = await run('ovs-vsctl', [
      `--db=${this.db}`,
      '--timeout=10',
      '--format=json',
      '--',
      '--columns=name,datapath_type,fail_mode,ports',
      'list',
      'Bridge',
      '--',
      '--columns=_uuid,name,tag,other_config',
      'list',
      'Port',
      '--',
      '--columns=name,ofport,type,options,external_ids,error',
      'list',
      'Interface',
    ]);
    const tables = out.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => ovsdbRows(JSON.parse(l)));
    const [bridgeRows, portRows, ifaceRows] = tables;
    const portByUuid = new Map<string, Record<string, unknown>>();
    for (const p of portRows ?? []) portByUuid.set(p._uuid as string, p);
    const state: OvsState = { bridges: new Map(), ports: new Map(), interfaces: new Map() };
    const bridgeOfPort = new Map<string, string>();
    for (const b of bridgeRows ?? []) {
      const uuids = b.ports === null ? [] : Array.isArray(b.ports) ? (b.ports as string[]) : [b.ports as string];
      const ports = uuids.map((u) => portByUuid.get(u)?.name as string).filter(Boolean);
      for (const p of ports) bridgeOfPort.set(p, b.name as string);
      state.bridges.set(b.name as string, { name: b.name as string, datapathType: (b.datapath_type as string) || 'system', failMode: (b.fail_mode as string | null) ?? null, ports });
    }
    for (const p of portRows ?? []) {
      const name = p.name as string;
      state.ports.set(name, { name, tag: typeof p.tag === 'number' ? p.tag : null, otherConfig: (p.other_config as Record<string, string>) ?? {}, bridge: bridgeOfPort.get(name) ?? null });
    }
    for (const i of ifaceRows ?? []) {
      const name = i.name as string;
      state.interfaces.set(name, {
        name,
        ofport: typeof i.ofport === 'number' ? i.ofport : null,
        type: (i.type as string) || '',
        options: (i.options as Record<string, string>) ?? {},
        externalIds: (i.external_ids as Record<string, string>) ?? {},
        error: (i.error as string | null) ?? null,
      });
    }
    return state;
  }

  /** Waits until vswitchd has given every named interface an OpenFlow port number. */
  async ofports(names: string[], timeoutMs = 5000): Promise<Map<string, number>> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.state();
      const out = new Map<string, number>();
      for (const n of names) {
        const o = s.interfaces.get(n)?.ofport;
        if (typeof o === 'number' && o > 0) out.set(n, o);
      }
      if (out.size === names.length || Date.now() > end) return out;
      await sleep(20);
    }
  }

  private ofctlTarget(bridge: string): string {
    return `unix:${join(this.rundir, `${bridge}.mgmt`)}`;
  }

  /** The bridge's flow table, parsed. */
  async dumpFlows(bridge: string): Promise<Flow[]> {
    const r = await run('ovs-ofctl', ['-O', 'OpenFlow13', '--no-names', 'dump-flows', this.ofctlTarget(bridge)]);
    return parseFlowDump(r.stdout);
  }

  /** The control socket of this OVS's ovs-vswitchd: <rundir>/ovs-vswitchd.ctl (as startOvsDaemons
   *  names it), else the distribution's <rundir>/ovs-vswitchd.<pid>.ctl. */
  private vswitchdTarget(): string {
    const named = join(this.rundir, 'ovs-vswitchd.ctl');
    if (existsSync(named)) return named;
    const pid = readPidFile(join(this.rundir, 'ovs-vswitchd.pid'));
    return pid !== null ? join(this.rundir, `ovs-vswitchd.${pid}.ctl`) : named;
  }

  /** `ovs-appctl ofproto/trace <bridge> <flow>`: what the switch would do with such a packet. */
  async traceFlow(bridge: string, flow: string): Promise<string> {
    return (await run('ovs-appctl', [`--target=${this.vswitchdTarget()}`, 'ofproto/trace', bridge, flow])).stdout;
  }

  /** Makes the bridge's flow table exactly `flows`, in one OpenFlow bundle (all or nothing). */
  async replaceFlows(bridge: string, flows: Flow[]): Promise<void> {
    await run('ovs-ofctl', ['-O', 'OpenFlow13', '--bundle', 'replace-flows', this.ofctlTarget(bridge), '-'], { input: `${flows.map(renderFlow).join('\n')}\n` });
  }
}

/**
 * os-vif's ovs plug: the tap joins the integration bridge with the external_ids the agent
 * finds its port by (iface-id = the port id). One transaction; idempotent.
 */
export async function plugOvsPort(ovs: Ovs, bridge: string, name: string, ids: { portId: string; mac: string; instanceId: string }): Promise<void> {
  await ovs.vsctl(
    [
      // tagged with the dead VLAN until the agent gives it its network's: an untagged port of
      // br-int would be a trunk and see every network's broadcasts meanwhile
      ['--may-exist', 'add-port', bridge, name, 'tag=4095'],
      [
        'set',
        'Interface',
        name,
        `external_ids:iface-id=${ids.portId}`,
        `external_ids:attached-mac=${vsctlString(ids.mac)}`,
        'external_ids:iface-status=active',
        `external_ids:vm-uuid=${ids.instanceId}`,
      ],
      // committed, not waiting for ovs-vswitchd: with hundreds of ports on the userspace
      // datapath its reconfiguration takes seconds; the agent tags the port from the database row
    ],
    { noWait: true },
  );
}

/** os-vif's ovs unplug: the port leaves the bridge (nothing to do when it is gone). */
export async function unplugOvsPort(ovs: Ovs, bridge: string, name: string): Promise<void> {
  await ovs.vsctl([['--if-exists', 'del-port', bridge, name]]);
}

// ---------------------------------------------------------------- flows

export interface Flow {
  cookie: bigint;
  table: number;
  priority: number;
  /** match fields in OVS's own spelling ("in_port=3,dl_vlan=100"); '' matches everything */
  match: string;
  /** actions as OVS prints them back under OpenFlow 1.3 (push_vlan/set_field, not mod_vlan_vid) */
  actions: string;
  /** from dump-flows only */
  durationSec?: number;
  packets?: number;
}

export function renderFlow(f: Flow): string {
  return `cookie=0x${f.cookie.toString(16)},table=${f.table},priority=${f.priority}${f.match ? `,${f.match}` : ''},actions=${f.actions}`;
}

/** Splits on commas outside parentheses/brackets. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

/** The match with its fields in a fixed order, so two spellings of one match compare equal. */
export function normalMatch(match: string): string {
  return splitTop(match).sort().join(',');
}

/** A flow's identity in its table (OpenFlow: table + priority + match). */
export const flowKey = (f: Flow): string => `${f.table}/${f.priority}/${normalMatch(f.match)}`;

/** `ovs-ofctl dump-flows` output → flows. */
export function parseFlowDump(text: string): Flow[] {
  const flows: Flow[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('cookie=')) continue;
    const at = line.indexOf(' actions=');
    const head = line.slice(0, at);
    const actions = line.slice(at + ' actions='.length);
    // "cookie=0x1, duration=1.2s, table=0, n_packets=0, n_bytes=0, priority=1,in_port=1"
    const parts = head.split(', ');
    const f: Flow = { cookie: 0n, table: 0, priority: 32768, match: '', actions };
    const rest: string[] = [];
    for (const p of parts) {
      const [k, v] = [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)];
      if (k === 'cookie') f.cookie = BigInt(v);
      else if (k === 'duration') f.durationSec = Number.parseFloat(v);
      else if (k === 'table') f.table = Number(v);
      else if (k === 'n_packets') f.packets = Number(v);
      else if (k === 'n_bytes' || k === 'idle_age' || k === 'hard_age' || k === 'reset_counts') continue;
      else rest.push(p);
    }
    const match: string[] = [];
    for (const item of splitTop(rest.join(','))) {
      if (item.startsWith('priority=')) f.priority = Number(item.slice('priority='.length));
      else match.push(item);
    }
    f.match = match.join(',');
    flows.push(f);
  }
  return flows;
}

/** Whether the table already is `wanted` (same flows, cookies and actions): then nothing is sent. */
export function flowsEqual(have: Flow[], wanted: Flow[]): boolean {
  if (have.length !== wanted.length) return false;
  const h = new Map(have.map((f) => [flowKey(f), f]));
  return wanted.every((w) => {
    const x = h.get(flowKey(w));
    return x !== undefined && x.cookie === w.cookie && x.actions === w.actions;
  });
}

// ---------------------------------------------------------------- ovsdb-client monitor

export interface InterfaceRow {
  name: string;
  ofport: number | null;
  externalIds: Record<string, string>;
}

export interface InterfaceEvent {
  action: 'initial' | 'insert' | 'delete' | 'new' | 'old';
  row: InterfaceRow;
}

/** One line of `ovsdb-client monitor … Interface name,ofport,external_ids --format=json`. */
export function parseInterfaceMonitorLine(line: string): InterfaceEvent[] {
  const t = line.trim();
  if (!t.startsWith('{')) return [];
  const table = JSON.parse(t) as { headings: string[]; data: unknown[][] };
  return ovsdbRows(table).map((r) => ({
    action: r.action as InterfaceEvent['action'],
    row: { name: r.name as string, ofport: typeof r.ofport === 'number' ? r.ofport : null, externalIds: (r.external_ids as Record<string, string>) ?? {} },
  }));
}

/**
 * Interfaces as OVSDB has them, pushed by one long-lived `ovsdb-client monitor` (the database
 * sends every change; nothing is polled). The first message is the whole table. If the child
 * dies it is started again, and the new initial table is diffed against what was known.
 */
export class InterfaceMonitor {
  private child: ChildProcess | null = null;
  private closed = false;
  private buffered = '';
  private rows = new Map<string, InterfaceRow>();
  private fresh: Map<string, InterfaceRow> | null = null;
  private listener: ((added: InterfaceRow[], removed: InterfaceRow[]) => void) | null = null;
  private ready: (() => void) | null = null;

  constructor(
    private readonly ovs: Ovs,
    private readonly log: Logger,
  ) {}

  /** Resolves once the initial table has arrived. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.ready = resolve;
      this.spawnMonitor();
    });
  }

  onChange(fn: (added: InterfaceRow[], removed: InterfaceRow[]) => void): void {
    this.listener = fn;
  }

  current(): InterfaceRow[] {
    return [...this.rows.values()];
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawnMonitor(): void {
    const child = spawn('ovsdb-client', ['--format=json', 'monitor', this.ovs.db, 'Open_vSwitch', 'Interface', 'name,ofport,external_ids'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.fresh = new Map();
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.buffered += d;
      let nl = this.buffered.indexOf('\n');
      while (nl >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.handle(line);
        nl = this.buffered.indexOf('\n');
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d).slice(-2000));
    child.once('exit', (code) => {
      if (this.closed) return;
      this.log.warn({ event: 'ovs.monitor_exited', code, stderr: stderr.trim().slice(-500) }, 'ovsdb-client monitor exited; starting it again');
      setTimeout(() => {
        if (!this.closed) this.spawnMonitor();
      }, 500).unref();
    });
  }

  private handle(line: string): void {
    let events: InterfaceEvent[];
    try {
      events = parseInterfaceMonitorLine(line);
    } catch (e) {
      this.log.error({ event: 'ovs.monitor_unparsed', line: line.slice(0, 200), err: (e as Error).message }, 'unparseable ovsdb-client line');
      return;
    }
    if (!events.length && !line.trim().startsWith('{')) return;
    const added: InterfaceRow[] = [];
    const removed: InterfaceRow[] = [];
    if (this.fresh) {
      // the initial table (of a first start or a restart): a diff against what was known
      for (const e of events) this.fresh.set(e.row.name, e.row);
      for (const [name, r] of this.rows) if (!this.fresh.has(name)) removed.push(r);
      for (const [name, r] of this.fresh) if (!this.rows.has(name)) added.push(r);
      this.rows = this.fresh;
      this.fresh = null;
      this.ready?.();
      this.ready = null;
    } else {
      for (const e of events) {
        if (e.action === 'insert') {
          this.rows.set(e.row.name, e.row);
          added.push(e.row);
        } else if (e.action === 'delete') {
          this.rows.delete(e.row.name);
          removed.push(e.row);
        } else if (e.action === 'new') {
          // a change (ofport assigned, external_ids set): the new row replaces the old
          const old = this.rows.get(e.row.name);
          const merged = { name: e.row.name, ofport: e.row.ofport ?? old?.ofport ?? null, externalIds: e.row.externalIds ?? old?.externalIds ?? {} };
          this.rows.set(e.row.name, merged);
          added.push(merged);
        }
      }
    }
    if (added.length || removed.length) this.listener?.(added, removed);
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.child;
    this.child = null;
    if (c && c.exitCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
    }
  }
}

// ---------------------------------------------------------------- the OVS daemons

export interface OvsDaemonsOptions {
  /** run directory: conf.db, db.sock, <bridge>.mgmt, pid and log files all live here */
  dir: string;
  /** the network namespace ovs-vswitchd (and so its datapath and ports) lives in; null: this one */
  netns: string | null;
  /** other_config:userspace-tso-enable (the netdev datapath needs it for TCP over veths) */
  userspaceTso?: boolean;
}

const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

/** The daemons of one run directory, if they run (pid file + /proc cmdline naming the dir). */
function daemonPid(dir: string, name: 'ovsdb-server' | 'ovs-vswitchd'): number | null {
  const pid = readPidFile(join(dir, `${name}.pid`));
  if (pid === null) return null;
  const argv = processArgv(pid);
  return argv && (argv[0] ?? '').endsWith(name) && argv.some((a) => a.includes(dir)) ? pid : null;
}

/**
 * ovsdb-server and ovs-vswitchd for one host, without systemd: their own database, sockets,
 * pid and log files under dir (both daemonize; they outlive the caller and are stopped by
 * pid with stopOvsDaemons). Idempotent: daemons already running for dir are kept.
 */
export async function startOvsDaemons(o: OvsDaemonsOptions): Promise<Ovs> {
  const dir = o.dir;
  mkdirSync(dir, { recursive: true });
  const db = join(dir, 'conf.db');
  const ovs = new Ovs(`unix:${join(dir, 'db.sock')}`, dir);
  const env = ['env', `OVS_RUNDIR=${dir}`, `OVS_LOGDIR=${dir}`, `OVS_DBDIR=${dir}`, `OVS_SYSCONFDIR=${dir}`];
  if (!existsSync(db)) await run('ovsdb-tool', ['create', db, SCHEMA]);
  if (daemonPid(dir, 'ovsdb-server') === null) {
    await run(
      env[0],
      [
        ...env.slice(1),
        'ovsdb-server',
        db,
        `--remote=punix:${join(dir, 'db.sock')}`,
        `--pidfile=${join(dir, 'ovsdb-server.pid')}`,
        `--unixctl=${join(dir, 'ovsdb-server.ctl')}`,
        `--log-file=${join(dir, 'ovsdb-server.log')}`,
        '--detach',
      ],
      { netns: o.netns },
    );
    await ovs.vsctl([['init']], { noWait: true });
  }
  if (o.userspaceTso) await ovs.vsctl([['set', 'Open_vSwitch', '.', 'other_config:userspace-tso-enable=true']], { noWait: true });
  if (daemonPid(dir, 'ovs-vswitchd') === null) {
    await run(
      env[0],
      [...env.slice(1), 'ovs-vswitchd', ovs.db, `--pidfile=${join(dir, 'ovs-vswitchd.pid')}`, `--unixctl=${join(dir, 'ovs-vswitchd.ctl')}`, `--log-file=${join(dir, 'ovs-vswitchd.log')}`, '--detach'],
      { netns: o.netns },
    );
  }
  return ovs;
}

/** Stops the daemons of dir by pid (only processes whose command line names dir); removes dir when asked. */
export async function stopOvsDaemons(dir: string, opts: { remove?: boolean } = {}): Promise<void> {
  for (const name of ['ovs-vswitchd', 'ovsdb-server'] as const) {
    const pid = daemonPid(dir, name);
    if (pid === null) continue;
    signalProcess(pid, 'SIGTERM');
    const end = Date.now() + 5000;
    while (processArgv(pid) && Date.now() < end) await sleep(20);
    if (processArgv(pid)) signalProcess(pid, 'SIGKILL');
  }
  if (opts.remove) rmSync(dir, { recursive: true, force: true });
}

/**
 * Which datapath this kernel offers: `system` when the Open vSwitch kernel module is there
 * (loaded, or loadable from /lib/modules), else `netdev` (the userspace datapath).
 */
export function detectDatapathType(): { type: 'system' | 'netdev'; reason: string } {
  if (existsSync('/sys/module/openvswitch')) return { type: 'system', reason: 'the openvswitch kernel module is loaded' };
  const release = osRelease();
  const modDir = `/lib/modules/${release}/kernel/net/openvswitch`;
  if (release && existsSync(modDir)) return { type: 'system', reason: `the openvswitch kernel module is in ${modDir}` };
  return { type: 'netdev', reason: 'this kernel has no openvswitch module (not loaded, not in /lib/modules): the userspace datapath is used' };
}
