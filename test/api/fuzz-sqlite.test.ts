// Bad input at volume: 10,000 malformed requests across every resource the server declares —
// deep nesting, bodies that are not objects, duplicate keys, huge strings and numbers, wrong
// types for every attribute, bad UUIDs, unicode, absurd limit/marker/sort_key/fields. No answer
// is a 5xx, every refusal is a NeutronError, a refused write leaves the database as it was, and
// the server works afterwards. Seeded, so a failure can be replayed (NEUTRINO_FUZZ_SEED).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { ResourceDef } from '../../src/api/resource.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SEED = Number(process.env.NEUTRINO_FUZZ_SEED ?? 20261204);
const COUNT = Number(process.env.NEUTRINO_FUZZ_COUNT ?? 10_000);

/** mulberry32: small, seeded, good enough to pick cases */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TABLES = [
  'networks',
  'subnets',
  'ports',
  'ipallocations',
  'securitygroups',
  'securitygrouprules',
  'securitygroupportbindings',
  'routers',
  'routerports',
  'floatingips',
  'networkrbacs',
  'quotas',
  'tags',
  'ml2_port_bindings',
  'networksegments',
];

describe('fuzz: 10,000 malformed requests', () => {
  let s: TestServer;
  let defs: ResourceDef[];
  const ids: Record<string, string> = {};
  before(async () => {
    s = await startTestServer('sqlite');
    defs = s.api.plugins.flatMap((p) => p.resources.map((r) => r.def));
    const net = (await s.req('POST', '/v2.0/networks', { network: { name: 'fuzz' } })).body.network;
    ids.networks = net.id;
    ids.subnets = (await s.req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.77.0.0/24', ip_version: 4 } })).body.subnet.id;
    ids.ports = (await s.req('POST', '/v2.0/ports', { port: { network_id: net.id } })).body.port.id;
    ids['security-groups'] = (await s.req('POST', '/v2.0/security-groups', { security_group: { name: 'fuzz' } })).body.security_group.id;
    ids.routers = (await s.req('POST', '/v2.0/routers', { router: { name: 'fuzz' } })).body.router.id;
  });
  after(async () => {
    await s?.close();
  });

  /** What a refused write must not have changed: row counts and revision sums of every table. */
  async function fingerprint(): Promise<string> {
    const parts: string[] = [];
    for (const t of TABLES) {
      const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(s.db.kysely);
      parts.push(`${t}:${r.rows[0].n}`);
    }
    for (const t of ['networks', 'subnets', 'ports', 'securitygroups', 'routers']) {
      const r = await sql<{ n: number | null }>`select sum(revision_number) as n from ${sql.table(t)}`.execute(s.db.kysely);
      parts.push(`${t}.rev:${r.rows[0].n ?? 0}`);
    }
    return parts.join(' ');
  }

  it('never answers 5xx, refuses with NeutronError, and a refusal changes nothing', async (t) => {
    const rnd = prng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const deep = (n: number): unknown => {
      let v: unknown = 1;
      for (let k = 0; k < n; k++) v = rnd() < 0.5 ? { a: v } : [v];
      return v;
    };
    const values: (() => unknown)[] = [
      () => null,
      () => true,
      () => 0,
      () => -1,
      () => 1e308,
      () => -1e308,
      () => 2 ** 53 + 1,
      () => 1.5,
      () => 'x',
      () => '',
      () => ' ',
      () => 'x'.repeat(pick([256, 4096, 70_000])),
      () => '\u0000',
      () => '💥🚀',
      () => 'ﬀ\u202e\ud800',
      () => '%00',
      () => [],
      () => [null],
      () => [{}],
      () => {},
      () => ({ '': 1 }),
      () => ({ __proto__: { polluted: 1 } }),
      () => deep(pick([5, 50, 200])),
      () => 'not-a-uuid',
      () => '00000000-0000-0000-0000-000000000000',
      () => `${ids.networks.slice(0, 35)}Z`,
      () => '10.0.0.0/33',
      () => '::/200',
      () => '999.1.1.1',
      () => 'fa:16:3e:zz:00:00',
      () => [{ ip_address: 'nope' }],
      () => [{ subnet_id: 'x', ip_address: '1.1.1.1' }],
      () => [{ start: '10.77.0.9', end: '10.77.0.2' }],
      () => ({ network_id: 123 }),
      () => [[[]]],
    ];
    const queries = [
      'limit=-1',
      'limit=abc',
      'limit=99999999999999999999999',
      'marker=x',
      'marker=00000000-0000-0000-0000-000000000000',
      'sort_key=nope',
      'sort_key=id&sort_dir=sideways',
      'sort_key=id',
      'fields=',
      'fields=%00',
      'fields=a,,b',
      `fields=${'f'.repeat(3000)}`,
      'page_reverse=maybe',
      'id=%27%3B--',
      'name=%F0%9F%92%A5',
      'tags=,,,',
      'not-tags-any=%00',
      'admin_state_up=perhaps',
      'mtu=1e9',
      'revision_number=-',
      'fixed_ips=bogus',
      'fixed_ips=ip_address=zz',
      'shared=maybe',
      `name=${'n'.repeat(5000)}`,
      'tenant_id=a&project_id=b',
    ];
    let tried = 0;
    let accepted = 0;
    let before = await fingerprint();
    for (let i = 0; i < COUNT; i++) {
      const def = pick(defs);
      const kind = rnd();
      const id = pick([ids[def.path] ?? 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'not-a-uuid', '..%2f..%2fetc', '%00', 'x'.repeat(300)]);
      let method: string;
      let path: string;
      let body: unknown;
      if (kind < 0.2) {
        method = 'GET';
        path = `/v2.0/${def.path}?${pick(queries)}${rnd() < 0.3 ? `&${pick(queries)}` : ''}`;
      } else if (kind < 0.3) {
        method = pick(['GET', 'DELETE']);
        path = `/v2.0/${def.path}/${id}${rnd() < 0.2 ? '/tags/%00' : ''}`;
      } else {
        method = kind < 0.7 ? 'POST' : 'PUT';
        path = method === 'POST' ? `/v2.0/${def.path}` : `/v2.0/${def.path}/${id}`;
        const attr = pick(def.attributes).name;
        const shape = rnd();
        if (shape < 0.1) body = pick([`{"${def.member}": {"name": "a", "name": "b"}}`, '{', '[]', '"x"', '123', 'null', '{"a":', `{"${def.member}": ${'['.repeat(5000)}`]);
        else if (shape < 0.2) body = pick([[], 'x', 1, null, { [def.member]: pick([null, [], 'x', 1]) }, { [def.collection]: pick([{}, 'x', [1], [null]]) }]);
        else if (shape < 0.3) body = { [def.member]: { [pick(['', '💥', '__proto__', 'constructor', 'x'.repeat(300)])]: 1 } };
        else body = { [def.member]: { [attr]: pick(values)() } };
      }
      const r = await s.req(method, path, body as never);
      tried++;
      assert.ok(
        r.status < 500,
        `#${i} ${method} ${path} ${typeof body === 'string' ? body.slice(0, 200) : JSON.stringify(body)?.slice(0, 200)} → ${r.status} ${JSON.stringify(r.body)?.slice(0, 300)}`,
      );
      if (r.status >= 400 && r.status !== 404 && r.status !== 405) {
        assert.equal(typeof r.body?.NeutronError?.type, 'string', `#${i} ${method} ${path}: ${JSON.stringify(r.body)?.slice(0, 300)}`);
      }
      if (method === 'GET') continue;
      const now = await fingerprint();
      if (r.status >= 400) assert.equal(now, before, `#${i} ${method} ${path} was refused (${r.status}) but changed the database`);
      else accepted++;
      before = now;
    }
    t.diagnostic(`seed ${SEED}: ${tried} requests, ${accepted} writes accepted (valid by chance), the rest refused`);
    // alive and well afterwards (on a network of its own: the fuzz may have deleted its network by chance)
    const net = (await s.req('POST', '/v2.0/networks', { network: { name: 'after' } })).body.network;
    assert.equal((await s.req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.78.0.0/24', ip_version: 4 } })).status, 201);
    const port = await s.req('POST', '/v2.0/ports', { port: { network_id: net.id } });
    assert.equal(port.status, 201, JSON.stringify(port.body));
    assert.equal((await s.req('GET', `/v2.0/ports/${port.body.port.id}`)).status, 200);
  });
});
