// Two stateless servers on one PostgreSQL database, as behind a load balancer: their IP
// caches race for the same addresses and the database's unique key must settle every race.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('two servers on one PostgreSQL database', () => {
  let a: TestServer;
  let b: TestServer;
  const agent = new Agent({ connections: 32 });
  before(async () => {
    a = await startTestServer('postgres', { listen: true, config: { quotas: { quota_port: '-1' } } });
    b = await startTestServer('postgres', { listen: true, shareDatabaseOf: a, config: { quotas: { quota_port: '-1' } } });
  });
  after(async () => {
    await agent.close();
    await b?.close();
    await a?.close();
  });

  const call = async (s: TestServer, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => {
    const r = await request(`${s.url}${path}`, { method, dispatcher: agent, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.body.text();
    return { status: r.statusCode, body: text ? JSON.parse(text) : null };
  };

  it('hands out 1,000 distinct addresses through both servers at once, and takes them all back', async () => {
    const net = (await call(a, 'POST', '/v2.0/networks', { network: { name: 'lb' } })).body.network;
    await call(b, 'POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.200.0.0/22', ip_version: 4 } });
    const statuses = new Map<number, number>();
    const made: { id: string; ip: string }[] = [];
    let n = 0;
    const worker = async (w: number) => {
      while (n < 1000) {
        n++;
        const r = await call(w % 2 ? a : b, 'POST', '/v2.0/ports', { port: { network_id: net.id } });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 201) made.push({ id: r.body.port.id, ip: r.body.port.fixed_ips[0].ip_address });
      }
    };
    await Promise.all(Array.from({ length: 32 }, (_, w) => worker(w)));
    assert.deepEqual([...statuses], [[201, 1000]], JSON.stringify([...statuses]));
    assert.equal(new Set(made.map((m) => m.ip)).size, 1000, 'no address given twice');
    const listed = (await call(b, 'GET', `/v2.0/ports?network_id=${net.id}&fields=id`)).body.ports;
    assert.equal(listed.length, 1000);

    let i = 0;
    const deleter = async (w: number) => {
      while (i < made.length) {
        const p = made[i++];
        assert.equal((await call(w % 2 ? b : a, 'DELETE', `/v2.0/ports/${p.id}`)).status, 204);
      }
    };
    await Promise.all(Array.from({ length: 32 }, (_, w) => deleter(w)));
    const avail = (await call(a, 'GET', `/v2.0/network-ip-availabilities/${net.id}`)).body.network_ip_availability;
    assert.equal(avail.used_ips, 0);
    // each server can hand out the addresses the other one freed
    const again = await Promise.all([call(a, 'POST', '/v2.0/ports', { port: { network_id: net.id } }), call(b, 'POST', '/v2.0/ports', { port: { network_id: net.id } })]);
    assert.deepEqual(
      again.map((r) => r.status),
      [201, 201],
    );
  });
});
