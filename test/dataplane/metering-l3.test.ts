// Metering in a router namespace, real kernel and real iperf3: the L3 agent's metering
// extension against an in-process server, a "qrouter" namespace forwarding between a client
// and a server namespace through its qg- device. An egress label's counter grows with the
// traffic and matches iperf3's byte count within 5%; an excluded prefix is not counted; the
// report reaches /v2.0/metering/metering-label-counters; deleting the label removes it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { MeteringExtension } from '../../src/agents/l3/extensions/metering/metering-extension.js';
import { ROUTER_GATEWAY_PREFIX, servicePortDevice } from '../../src/contract/device-names.js';
import type { SyncRouter } from '../../src/contract/l3.js';
import { run } from '../../src/linux/exec.js';
import { asAdmin, startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

// biome-ignore lint/suspicious/noExplicitAny: API bodies
type Obj = Record<string, any>;
const log = pino({ level: process.env.NEUTRINO_TEST_LOG ?? 'silent' });
const ADMIN = asAdmin('meter-dp');
const P = `m${process.pid % 10000}x`;
const [C, R, S] = [`${P}c`, `${P}r`, `${P}s`];
const GW_PORT = '7e57ab1e-0000-4000-8000-000000000001';
const QG = servicePortDevice(ROUTER_GATEWAY_PREFIX, GW_PORT);

const batch = (netns: string, lines: string[]) => run('ip', ['-batch', '-'], { netns, input: `${lines.join('\n')}\n` });

/** UDP at a rate the veths carry without loss: every datagram iperf3 sends crosses the router
 *  (with TCP, iperf3 ends while bytes it counts as sent are still in its socket buffer, and the
 *  closing reset drops them) */
async function iperfBytes(port: number, seconds: string): Promise<number> {
  const server = run('iperf3', ['-s', '-1', '-B', '10.73.2.2', '-p', String(port)], { netns: S, allowFailure: true, timeoutMs: 60_000 });
  await new Promise((r) => setTimeout(r, 300));
  const r = await run('iperf3', ['-c', '10.73.2.2', '-p', String(port), '-u', '-b', '40M', '-l', '1400', '-t', seconds, '-J'], { netns: C, timeoutMs: 60_000 });
  await server;
  const end = JSON.parse(r.stdout).end;
  assert.equal(end.sum.lost_packets, 0, 'no datagram lost');
  return end.sum.bytes as number;
}

describe('metering in a router namespace (nftables counters)', () => {
  let s: TestServer;
  let ext: MeteringExtension;
  let router: SyncRouter;
  let label: Obj;
  const consumers: { stop(): Promise<void> }[] = [];
  const req = async (method: string, path: string, body?: unknown): Promise<Obj> => {
    const r = await s.req(method, path, body, ADMIN);
    assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const cleanupKernel = async () => {
    for (const ns of [C, R, S]) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
  };

  before(async () => {
    await cleanupKernel();
    s = await startTestServer('sqlite', { config: { DEFAULT: { service_plugins: 'router,metering' } } });
    for (const ns of [C, R, S]) await run('ip', ['netns', 'add', ns]);
    await batch(R, [
      'link set lo up',
      `link add ${P}qr type veth peer name eth0 netns ${C}`,
      `link add ${QG} type veth peer name eth0 netns ${S}`,
      `addr add 10.73.1.1/24 dev ${P}qr`,
      `addr add 10.73.2.1/24 dev ${QG}`,
      `link set ${P}qr up`,
      `link set ${QG} up`,
    ]);
    await run('sysctl', ['-w', 'net.ipv4.ip_forward=1'], { netns: R });
    await batch(C, ['link set lo up', 'addr add 10.73.1.2/24 dev eth0', 'link set eth0 up', 'route add default via 10.73.1.1']);
    await batch(S, ['link set lo up', 'addr add 10.73.2.2/24 dev eth0', 'addr add 10.73.2.3/24 dev eth0', 'link set eth0 up', 'route add default via 10.73.2.1']);
    const r = (await req('POST', '/v2.0/routers', { router: { name: 'metered' } })).router;
    router = {
      id: r.id,
      name: r.name,
      project_id: r.project_id,
      admin_state_up: true,
      status: 'ACTIVE',
      routes: [],
      enable_snat: false,
      gw_port: { id: GW_PORT } as SyncRouter['gw_port'],
      _interfaces: [],
      _floatingips: [],
      ha: false,
      distributed: false,
    };
    ext = new MeteringExtension({ bus: s.bus, log, host: `${P}-net` }, 0);
    // what the L3 agent's core does with an extension's topics
    for (const [topic, endpoints] of Object.entries(ext.listen)) consumers.push(await s.bus.consume(topic, endpoints, { host: `${P}-net`, fanout: true, shared: false }));
  });

  after(async () => {
    for (const c of consumers) await c.stop();
    await ext?.stop();
    await s?.close().catch(() => undefined);
    await cleanupKernel();
  });

  it('an egress label counts what leaves by the gateway, within 5% of what iperf3 sent; an excluded prefix is not counted', async () => {
    label = (await req('POST', '/v2.0/metering/metering-labels', { metering_label: { name: 'out' } })).metering_label;
    await req('POST', '/v2.0/metering/metering-label-rules', { metering_label_rule: { metering_label_id: label.id, direction: 'egress', remote_ip_prefix: '0.0.0.0/0' } });
    await req('POST', '/v2.0/metering/metering-label-rules', { metering_label_rule: { metering_label_id: label.id, direction: 'egress', remote_ip_prefix: '10.73.2.3/32', excluded: true } });
    await ext.routerUpdated({ router, namespace: R });
    const before = (await ext.report()).find((c) => c.label_id === label.id);
    assert.equal(before?.bytes, 0);
    const sent = await iperfBytes(5311, '3');
    // the sender's last bytes may still be in its socket buffer when iperf3 ends: wait until the count settles
    let after1 = (await ext.report()).find((c) => c.label_id === label.id)!;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const now = (await ext.report()).find((c) => c.label_id === label.id)!;
      if (now.bytes === after1.bytes) break;
      after1 = now;
    }
    const ratio = after1.bytes / sent;
    assert.ok(ratio > 0.95 && ratio < 1.05, `counted ${after1.bytes} bytes for ${sent} sent (${ratio.toFixed(3)})`);
    // the excluded address: pings to it are not counted
    const r = await run('ping', ['-c', '3', '-i', '0.2', '-s', '1000', '10.73.2.3'], { netns: C, allowFailure: true });
    assert.equal(r.code, 0);
    const after2 = (await ext.report()).find((c) => c.label_id === label.id)!;
    assert.ok(after2.bytes - after1.bytes < 1000, `excluded traffic counted: ${after2.bytes - after1.bytes}`);
    // what the operator reads
    const shown = (await req('GET', `/v2.0/metering/metering-label-counters?metering_label_id=${label.id}`)).metering_label_counters;
    assert.equal(shown[0].bytes, after2.bytes);
    assert.equal(shown[0].router_id, router.id);
  });

  it('a new rule keeps the counted bytes; deleting the label removes its counter from the namespace', async () => {
    const had = (await ext.report()).find((c) => c.label_id === label.id)!.bytes;
    await req('POST', '/v2.0/metering/metering-label-rules', { metering_label_rule: { metering_label_id: label.id, direction: 'ingress', remote_ip_prefix: '0.0.0.0/0' } });
    await until('the new rule in the namespace', async () => (await run('nft', ['list', 'table', 'inet', 'neutrino-metering'], { netns: R })).stdout.includes(`iifname "${QG}"`), 5000);
    assert.equal((await ext.report()).find((c) => c.label_id === label.id)!.bytes, had);
    await req('DELETE', `/v2.0/metering/metering-labels/${label.id}`);
    await until('the counter gone', async () => !(await run('nft', ['list', 'table', 'inet', 'neutrino-metering'], { netns: R })).stdout.includes(label.id), 5000);
  });
});
