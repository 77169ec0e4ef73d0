// The dashboard in headless Chromium against a real `neutrino server` (a child process, SQLite,
// noauth on loopback):
//  - load: navigation start → topology drawn (snapshot received, graph laid out by fCoSE, list
//    rendered) for 100 networks (each with a /24 subnet) and 1,000 ports. Target ≤ 1.5 s.
//  - event: POST /v2.0/ports answered → the port in the page's list and graph. Target ≤ 1 s.
//
//   npm run bench:dashboard            (builds first)
//   node dist/bench/dashboard.js [--networks 100] [--ports 1000] [--loads 5] [--events 30]
//
// A benchmark, not a test: it prints figures (with the bundle's size) and asserts nothing.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BUNDLE_DIR } from '../src/dashboard/routes.js';
import { artifactPath, launchChromium } from '../test/helpers/browser.js';
import { startCli } from '../test/helpers/cli-process.js';
import { freePort } from '../test/helpers/free-port.js';
import { until } from '../test/helpers/until.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const NETWORKS = arg('--networks', 100);
const PORTS = arg('--ports', 1000);
const LOADS = arg('--loads', 5);
const EVENTS = arg('--events', 30);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(0)} ms, p95 ${pct(xs, 95).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (n=${xs.length})`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-bench-dash-'));
  const port = await freePort();
  const conf = join(dir, 'n.conf');
  writeFileSync(
    conf,
    `[DEFAULT]\nbind_port = ${port}\nstate_path = ${dir}\nlog_level = warn\n[database]\nconnection = sqlite:///${join(dir, 'n.sqlite')}\n[quotas]\nquota_port = -1\nquota_network = -1\nquota_subnet = -1\n`,
  );
  const { child, out } = startCli(['server', '--db-upgrade', '--config-file', conf]);
  const base = `http://127.0.0.1:${port}`;
  const browser = await launchChromium();
  try {
    await until('the server', async () => (await fetch(base).catch(() => null))?.ok === true, { timeoutMs: 30_000 }).catch((e) => {
      throw new Error(`${e.message}\n${out()}`);
    });
    const api = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
      return r.status === 204 ? null : ((await r.json()) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const nets = (await api('POST', '/v2.0/networks', { networks: Array.from({ length: NETWORKS }, (_, i) => ({ name: `bench-${i}` })) }))!.networks as { id: string }[];
    await api('POST', '/v2.0/subnets', { subnets: nets.map((n, i) => ({ network_id: n.id, cidr: `10.${Math.floor(i / 250)}.${i % 250}.0/24`, ip_version: 4, enable_dhcp: false })) });
    for (let i = 0; i < PORTS; i += 250) {
      await api('POST', '/v2.0/ports', { ports: Array.from({ length: Math.min(250, PORTS - i) }, (_, j) => ({ network_id: nets[(i + j) % nets.length].id, name: `p${i + j}` })) });
    }

    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const loads: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      await page.goto(`${base}/dashboard/`);
      await page.waitForSelector('body[data-state=drawn]', { timeout: 60_000 });
      const marks = await page.evaluate(() => ['snapshot-received', 'graph-drawn', 'list-drawn', 'topology-drawn'].map((m) => Math.round(performance.getEntriesByName(m)[0].startTime)));
      if (i === LOADS - 1) console.log(`  last load's marks (ms since navigation): snapshot received ${marks[0]}, graph laid out ${marks[1]}, list ${marks[2]}, drawn ${marks[3]}`);
      loads.push(marks[3]);
    }
    await page.screenshot({ path: artifactPath('dashboard-bench.png') });
    const nodes = await page.evaluate(() => (window as unknown as { neutrinoDashboard: { cy: { nodes(): { length: number } } } }).neutrinoDashboard.cy.nodes().length);

    const events: number[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const made = await api('POST', '/v2.0/ports', { port: { network_id: nets[i % nets.length].id, name: `ev${i}` } });
      const answered = Date.now();
      const key = `port:${made!.port.id}`;
      const seen = await page.waitForFunction(
        (k) => {
          const d = (window as unknown as { neutrinoDashboard: { cy: { getElementById(id: string): { length: number } } } }).neutrinoDashboard;
          return document.querySelector(`[data-key="${k}"]`) !== null && d.cy.getElementById(k).length > 0 ? Date.now() : 0;
        },
        key,
        { timeout: 10_000, polling: 'raf' },
      );
      events.push((await seen.jsonValue()) - answered);
    }

    const js = join(BUNDLE_DIR, 'assets', 'app.js');
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    console.log(`dashboard bench: ${NETWORKS} networks, ${NETWORKS} subnets, ${PORTS} ports (${nodes} graph nodes), headless Chromium, load average ${load}`);
    console.log(`  page load → topology drawn: ${fmt(loads)}   target ≤ 1500 ms: ${pct(loads, 50) <= 1500 ? 'met' : 'NOT met'} (p50)`);
    console.log(`  event → drawn (port create answered → in list and graph): ${fmt(events)}   target ≤ 1000 ms: ${pct(events, 95) <= 1000 ? 'met' : 'NOT met'} (p95)`);
    console.log(`  bundle: app.js ${(statSync(js).size / 1024).toFixed(1)} KiB, ${(gzipSync(readFileSync(js)).length / 1024).toFixed(1)} KiB gzip`);
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    await until('the server stopped', async () => child.exitCode !== null, { timeoutMs: 10_000 }).catch(() => child.kill('SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
