// Summarises a V8 .cpuprofile (as written by `node --cpu-prof`): self and inclusive time per
// function, and self time per origin (Neutrino's own code, each npm package, Node internals,
// GC), optionally only for the samples that fall inside a time window.
//
// Sample timestamps are V8 TimeTicks in microseconds; on Linux they come from CLOCK_MONOTONIC,
// the same clock as process.hrtime(), so windows measured in another process line up.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FnTime {
  key: string;
  origin: string;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  /** wall time covered by the samples taken into account */
  sampledMs: number;
  /** of which the process was idle (waiting on I/O) */
  idleMs: number;
  functions: FnTime[];
  origins: { origin: string; selfMs: number }[];
}

const SPECIAL = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** Where a function comes from: "neutrino src/…", "npm:<package>", "node:<internal>", "(gc)", … */
export function originOf(cf: CallFrame, root: string): string {
  if (SPECIAL.has(cf.functionName) && !cf.url) return cf.functionName;
  const url = cf.url;
  if (!url) return '(native/V8)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return `npm:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (path.startsWith(root)) return 'neutrino';
  return path;
}

function shortUrl(url: string, root: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + 1);
  if (path.startsWith(root)) return path.slice(root.length).replace(/^\//, '');
  return path;
}

function keyOf(cf: CallFrame, root: string): string {
  if (SPECIAL.has(cf.functionName) && !cf.url) return cf.functionName;
  const name = cf.functionName || '(anonymous)';
  if (!cf.url) return `${name} (native)`;
  return `${name} ${shortUrl(cf.url, root)}:${cf.lineNumber + 1}`;
}

/**
 * Self time of every sample is the time until the next sample (what Chrome DevTools does).
 * `window` (µs, same clock as the profile) keeps only samples whose timestamp falls inside.
 */
export function summarise(profile: CpuProfile, root: string, window?: { startUs: number; endUs: number }): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  let sampledUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const next = profile.timeDeltas[i + 1] ?? 0;
    if (window && (t < window.startUs || t > window.endUs)) continue;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + next);
    sampledUs += next;
    if (byId.get(id)?.callFrame.functionName === '(idle)') idleUs += next;
  }

  const self = new Map<string, FnTime>();
  const total = new Map<string, number>();
  const origins = new Map<string, number>();
  const keyCache = new Map<number, { key: string; origin: string }>();
  const info = (id: number) => {
    let k = keyCache.get(id);
    if (!k) {
      const cf = byId.get(id)!.callFrame;
      k = { key: keyOf(cf, root), origin: originOf(cf, root) };
      keyCache.set(id, k);
    }
    return k;
  };
  for (const [id, us] of selfUs) {
    if (us === 0) continue;
    const { key, origin } = info(id);
    const f = self.get(key) ?? { key, origin, selfMs: 0, totalMs: 0 };
    f.selfMs += us / 1000;
    self.set(key, f);
    origins.set(origin, (origins.get(origin) ?? 0) + us / 1000);
    // inclusive time: every distinct function on the stack (recursion counted once)
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = info(cur).key;
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + us / 1000);
    }
  }
  for (const [key, ms] of total) {
    const f = self.get(key);
    if (f) f.totalMs = ms;
    else {
      const node = [...keyCache.entries()].find(([, v]) => v.key === key);
      self.set(key, { key, origin: node ? node[1].origin : '?', selfMs: 0, totalMs: ms });
    }
  }
  return {
    sampledMs: sampledUs / 1000,
    idleMs: idleUs / 1000,
    functions: [...self.values()],
    origins: [...origins.entries()].map(([origin, selfMs]) => ({ origin, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');

/** Text report: busy share, origins, top self-time functions, top inclusive Neutrino functions. */
export function formatSummary(s: ProfileSummary, topN = 15): string {
  const busy = s.sampledMs - s.idleMs;
  const lines: string[] = [];
  lines.push(`    sampled ${s.sampledMs.toFixed(0)} ms, busy ${busy.toFixed(0)} ms (${pct(busy, s.sampledMs)} of wall; the rest idle, waiting on I/O/DB)`);
  lines.push('    self time by origin (share of busy time):');
  for (const o of s.origins.filter((x) => x.origin !== '(idle)').slice(0, 10)) {
    lines.push(`      ${pct(o.selfMs, busy).padStart(6)}  ${o.selfMs.toFixed(0).padStart(7)} ms  ${o.origin}`);
  }
  lines.push(`    top ${topN} functions by self time:`);
  const bySelf = s.functions
    .filter((f) => f.key !== '(idle)')
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, topN);
  for (const f of bySelf) lines.push(`      ${pct(f.selfMs, busy).padStart(6)}  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.key}`);
  lines.push(`    top ${topN} Neutrino functions by inclusive time:`);
  const byTotal = s.functions
    .filter((f) => f.origin === 'neutrino')
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, topN);
  for (const f of byTotal) lines.push(`      ${pct(f.totalMs, busy).padStart(6)}  ${f.totalMs.toFixed(0).padStart(7)} ms  ${f.key}`);
  return lines.join('\n');
}
