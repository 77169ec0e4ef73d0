// 64 concurrent HTTP clients create 2,000 ports on one /21, then delete them all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { startTestServer, type DbKind, type TestServer } from './server.js';

export async function portChurn(s: TestServer, opts: { clients: number; ports: number }): Promise<void> {
  const base = s.url!;
  const agent = new Agent({ connections: opts.clients, pipelining: 1 });
  const call = async (method: 'GET' | 'POST' | 'DELETE' | 'PUT', path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const r = await request(`${base}${path}`, {
      method,
      dispatcher: agent,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.body.text();
    return { status: r.statusCode, body: text ? JSON.parse(text) : null };
  };
  try {
    await call('PUT', '/v2.0/quotas/a6a5b8f4c2d94c6c9e9b5f0f2b1a0001', { quota: { port: -1 } });
    const net = (await call('POST', '/v2.0/networks', { network: { name: 'churn' } })).body.network;
    const sub = (await call('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.128.0.0/21', ip_version: 4 } })).body.subnet;
    const total = Number((await call('GET', `/v2.0/network-ip-availabilities/${net.id}`)).body.network_ip_availability.total_ips);
    assert.equal(total, 2045);

    const statuses = new Map<number, number>();
    const created: { id: string; ip: string }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < opts.ports) {
        next++;
        const r = await call('POST', '/v2.0/ports', { port: { network_id: net.id } });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 201) created.push({ id: r.body.port.id, ip: r.body.port.fixed_ips[0].ip_address });
      }
    };
    await Promise.all(Array.from({ length: opts.clients }, worker));
    assert.deepEqual([...statuses], [[201, opts.ports]], `statuses: ${JSON.stringify([...statuses])}`);
    assert.equal(new Set(created.map((c) => c.ip)).size, opts.ports, 'no duplicate IPs');

    const listed = (await call('GET', `/v2.0/ports?network_id=${net.id}&fields=id&fields=fixed_ips`)).body.ports;
    assert.equal(listed.length, opts.ports);
    assert.deepEqual(new Set(listed.map((p: { id: string }) => p.id)), new Set(created.map((c) => c.id)));
    const listedIps = listed.map((p: { fixed_ips: { ip_address: string }[] }) => p.fixed_ips[0].ip_address);
    assert.equal(new Set(listedIps).size, opts.ports);
    const avail = (await call('GET', `/v2.0/network-ip-availabilities/${net.id}`)).body.network_ip_availability;
    assert.equal(avail.used_ips, opts.ports);

    const delStatuses = new Map<number, number>();
    let i = 0;
    const deleter = async () => {
      while (i < created.length) {
        const p = created[i++];
        const r = await call('DELETE', `/v2.0/ports/${p.id}`);
        delStatuses.set(r.status, (delStatuses.get(r.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: opts.clients }, deleter));
    assert.deepEqual([...delStatuses], [[204, opts.ports]]);
    const after = (await call('GET', `/v2.0/network-ip-availabilities/${net.id}`)).body.network_ip_availability;
    assert.equal(after.used_ips, 0);
    assert.equal(after.total_ips, total);
    assert.equal((await call('GET', `/v2.0/ports?network_id=${net.id}`)).body.ports.length, 0);
    // and every address can be handed out again
    const again = (await call('POST', '/v2.0/ports', { port: { network_id: net.id } })).body.port;
    assert.equal(again.fixed_ips[0].subnet_id, sub.id);

    // a new project's first ports race to create its default security group: one wins, all succeed
    await call('PUT', `/v2.0/networks/${net.id}`, { network: { shared: true } });
    const fresh = { 'x-project-id': `burst-${Date.now()}`, 'x-roles': 'member,reader' };
    const burst = await Promise.all(Array.from({ length: 16 }, () => call('POST', '/v2.0/ports', { port: { network_id: net.id } }, fresh)));
    assert.deepEqual([...new Set(burst.map((r) => r.status))], [201], JSON.stringify(burst.find((r) => r.status !== 201)?.body));
    const groups = (await call('GET', '/v2.0/security-groups', undefined, fresh)).body.security_groups;
    assert.deepEqual(
      groups.map((g: { name: string }) => g.name),
      ['default'],
    );
    assert.deepEqual([...new Set(burst.map((r) => r.body.port.security_groups[0]))], [groups[0].id]);
  } finally {
    await agent.close();
  }
}

/** The concurrency check, as one suite per database. */
export function concurrencySuite(kind: DbKind): void {
  describe(`concurrency on ${kind}`, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(kind, { listen: true });
    });
    after(async () => {
      await s?.close();
    });
    it('64 clients create 2,000 ports on a /21 with no duplicate IP and no 5xx, then delete them all', async () => {
      await portChurn(s, { clients: 64, ports: 2000 });
    });
  });
}
