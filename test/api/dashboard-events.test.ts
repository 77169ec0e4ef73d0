// The dashboard's event stream on the API tier: a snapshot then changes, each read again as
// the caller, so a member hears of its own project's objects and nothing of another's; a
// deleted object is reported only to those that had it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { readEvents, type EventReader } from '../helpers/event-stream.js';
import { asAdmin, asMember, startTestServer, type TestServer } from '../helpers/server.js';

describe('dashboard event stream (SQLite)', () => {
  let s: TestServer;
  const A = `dash-a-${randomUUID().slice(0, 8)}`;
  const B = `dash-b-${randomUUID().slice(0, 8)}`;
  const readers: EventReader[] = [];
  const ok = async (method: string, path: string, body: unknown, headers: Record<string, string>) => {
    const r = await s.req(method, path, body, headers);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const open = async (headers: Record<string, string>) => {
    const r = await readEvents(s.url!, headers);
    readers.push(r);
    await r.waitFor('the snapshot', (e) => e.event === 'snapshot');
    return r;
  };

  before(async () => {
    // agents die fast here, so that the test sees one die
    s = await startTestServer('sqlite', { listen: true, config: { DEFAULT: { agent_down_time: '5' } } });
  });
  after(async () => {
    for (const r of readers) r.close();
    await s.close();
  });

  it('the snapshot holds what the caller may list: a member gets no agents, another project gets nothing of A', async () => {
    const net = (await ok('POST', '/v2.0/networks', { network: { name: 'snap-a' } }, asMember(A))).network;
    const a = await open(asMember(A));
    const b = await open(asMember(B));
    const snapA = a.events[0].data;
    assert.ok(snapA.networks.some((n: { id: string }) => n.id === net.id));
    assert.deepEqual(snapA.agents, [], 'agents are admin-only: a member lists none, as GET /v2.0/agents');
    assert.ok(!b.ids().has(net.id));
    const admin = await open(asAdmin(A));
    assert.ok(
      admin.events[0].data.networks.some((n: { id: string }) => n.id === net.id),
      'an admin sees every project',
    );
  });

  it("a member hears of its own project's changes and of none of another project's, in create, update and delete", async () => {
    const a = await open(asMember(A));
    const b = await open(asMember(B));
    const mine = (await ok('POST', '/v2.0/networks', { network: { name: 'live-a' } }, asMember(A))).network;
    const theirs = (await ok('POST', '/v2.0/networks', { network: { name: 'live-b' } }, asMember(B))).network;
    await a.waitFor('A hears of its network', (e) => e.event === 'change' && e.data.id === mine.id);
    await b.waitFor('B hears of its network', (e) => e.event === 'change' && e.data.id === theirs.id);
    const sub = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: theirs.id, cidr: '10.9.0.0/24', ip_version: 4 } }, asMember(B))).subnet;
    const port = (await ok('POST', '/v2.0/ports', { port: { network_id: theirs.id, name: 'p-b' } }, asMember(B))).port;
    await ok('PUT', `/v2.0/ports/${port.id}`, { port: { name: 'p-b2' } }, asMember(B));
    await b.waitFor('B hears the port renamed', (e) => e.event === 'change' && e.data.object?.name === 'p-b2');
    await ok('DELETE', `/v2.0/ports/${port.id}`, undefined, asMember(B));
    await b.waitFor('B hears the port deleted', (e) => e.event === 'change' && e.data.id === port.id && e.data.deleted === true);
    // A's reader has seen everything B's has by now (one fanout delivers to both)
    await ok('PUT', `/v2.0/networks/${mine.id}`, { network: { name: 'live-a2' } }, asMember(A));
    await a.waitFor('A hears its rename', (e) => e.event === 'change' && e.data.object?.name === 'live-a2');
    for (const id of [theirs.id, sub.id, port.id]) assert.ok(!a.ids().has(id), `A was told of B's ${id}`);
    assert.ok(!JSON.stringify(a.events).includes(B), "B's project id never appears in A's stream");
  });

  it('routers and floating IPs: created, interfaces added and deleted appear in the stream', async () => {
    const a = await open(asAdmin(A));
    const ext = (await ok('POST', '/v2.0/networks', { network: { name: 'ext', 'router:external': true } }, asAdmin(A))).network;
    await ok('POST', '/v2.0/subnets', { subnet: { network_id: ext.id, cidr: '203.0.113.0/24', ip_version: 4 } }, asAdmin(A));
    const net = (await ok('POST', '/v2.0/networks', { network: { name: 'inner' } }, asAdmin(A))).network;
    const sub = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.8.0.0/24', ip_version: 4 } }, asAdmin(A))).subnet;
    const router = (await ok('POST', '/v2.0/routers', { router: { name: 'r', external_gateway_info: { network_id: ext.id } } }, asAdmin(A))).router;
    await a.waitFor('the router', (e) => e.event === 'change' && e.data.id === router.id);
    const iface = await ok('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id }, asAdmin(A));
    await a.waitFor('the interface port', (e) => e.event === 'change' && e.data.id === iface.port_id);
    const fip = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.id } }, asAdmin(A))).floatingip;
    await a.waitFor('the floating IP', (e) => e.event === 'change' && e.data.id === fip.id);
    await ok('DELETE', `/v2.0/floatingips/${fip.id}`, undefined, asAdmin(A));
    await a.waitFor('the floating IP deleted', (e) => e.event === 'change' && e.data.id === fip.id && e.data.deleted);
  });

  it('an agent that registers shows to admins, and so does its death (liveness is read while a stream is open)', async () => {
    const a = await open(asAdmin(A));
    const m = await open(asMember(A));
    await s.bus.call('q-reports-plugin', 'report_state', {
      agent_state: { agent_state: { agent_type: 'Linux bridge agent', binary: 'neutrino-linuxbridge-agent', host: 'dash-host-1', topic: 'N/A', configurations: {}, start_flag: true } },
      time: new Date().toISOString(),
    });
    const e = await a.waitFor('the agent', (x) => x.event === 'change' && x.data.resource === 'agent' && x.data.object?.host === 'dash-host-1', 5000);
    assert.equal(e.data.object.alive, true);
    // no more heartbeats: dead after agent_down_time, reported without any API call
    const dead = await a.waitFor('the agent dead', (x) => x.event === 'change' && x.data.id === e.data.id && x.data.object?.alive === false, 15000);
    assert.equal(dead.data.object.host, 'dash-host-1');
    assert.ok(!m.events.some((x) => x.event === 'change' && x.data.resource === 'agent'), 'members are not told of agents');
  });

  it('a paged API ([DEFAULT] pagination_max_limit) still gives the whole snapshot and every change', async () => {
    const paged = await startTestServer('sqlite', { listen: true, config: { DEFAULT: { pagination_max_limit: '2' } } });
    try {
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.push((await paged.req('POST', '/v2.0/networks', { network: { name: `pg${i}` } })).body.network.id);
      assert.equal((await paged.req('GET', '/v2.0/networks')).body.networks.length, 2, 'the API pages');
      const r = await readEvents(paged.url!, {});
      readers.push(r);
      const snap = await r.waitFor('the snapshot', (e) => e.event === 'snapshot');
      assert.deepEqual(snap.data.networks.map((n: { id: string }) => n.id).sort(), [...made].sort());
      // a burst read back in one request per batch is paged too: every object comes back, none is taken for gone
      await Promise.all(made.map((id, i) => paged.req('PUT', `/v2.0/networks/${id}`, { network: { name: `renamed${i}` } })));
      await r.waitFor('every rename', () => made.every((id, i) => r.events.some((e) => e.event === 'change' && e.data.id === id && e.data.object?.name === `renamed${i}`)));
      assert.ok(!r.events.some((e) => e.data.deleted), 'nothing reported deleted');
    } finally {
      for (const r of readers.splice(0)) r.close();
      await paged.close();
    }
  });

  it('the settings say the auth strategy; login is refused under noauth', async () => {
    const r = await fetch(`${s.url}/dashboard/settings`);
    assert.deepEqual(await r.json(), { auth_strategy: 'noauth' });
    const login = await fetch(`${s.url}/dashboard/login`, { method: 'POST', body: '{}' });
    assert.equal(login.status, 400);
  });
});
