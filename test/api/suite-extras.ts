// The extras API suite: security groups and their rules, quotas, tags, collection queries
// (fields, sorting, paging, filters), network-ip-availability and discovery, run on SQLite
// (api tier) and PostgreSQL (integration tier) against the real server and database.
//
// What a test expects is what Neutron does (neutron/db/securitygroups_db.py,
// neutron/extensions/{securitygroup,quotasv2,tagging}.py, neutron/api/api_common.py,
// neutron/pecan_wsgi/hooks/*.py); where a check goes beyond the plain happy path, the test
// name says which Neutron behaviour it pins down.
import { SEGMENT_EXTENSIONS } from '../../src/plugins/segments/policies.js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { EXTENSIONS } from '../../src/api/extensions.js';
import { SUBNETPOOL_EXTENSIONS } from '../../src/plugins/subnetpools/extensions.js';
import { asAdmin, asMember, asReader, startTestServer, type DbKind, type Reply, type TestServer } from '../helpers/server.js';

type Headers = Record<string, string>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ADMIN = asAdmin('admin-project');

const project = (label = 'p') => `${label}-${randomUUID()}`;
const ids = (list: Obj[]): string[] => list.map((x) => x.id as string);
const sorted = <T>(xs: T[]) => [...xs].sort();

/** One server per describe: registers before/after in the calling describe and returns request helpers. */
function useServer(kind: DbKind) {
  const box: { s?: TestServer } = {};
  before(async () => {
    box.s = await startTestServer(kind);
  });
  after(async () => {
    await box.s?.close();
  });
  const server = () => {
    assert.ok(box.s, 'test server not started');
    return box.s;
  };
  const req = (method: string, path: string, body?: unknown, headers?: Headers): Promise<Reply> => server().req(method, path, body, headers);
  const show = (r: Reply) => `${r.status} ${JSON.stringify(r.body)}`;
  /** a 2xx answer; returns the body */
  const ok = async (method: string, path: string, body?: unknown, headers?: Headers): Promise<Obj> => {
    const r = await req(method, path, body, headers);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} → ${show(r)}`);
    return r.body as Obj;
  };
  /** exactly this status; returns the reply */
  const status = async (expected: number, method: string, path: string, body?: unknown, headers?: Headers): Promise<Reply> => {
    const r = await req(method, path, body, headers);
    assert.equal(r.status, expected, `${method} ${path} → ${show(r)}`);
    return r;
  };
  /** a NeutronError of this status and type; returns its message */
  const fails = async (code: number, type: string, method: string, path: string, body?: unknown, headers?: Headers): Promise<string> => {
    const r = await req(method, path, body, headers);
    assert.equal(r.status, code, `${method} ${path} → ${show(r)}`);
    assert.equal(r.body?.NeutronError?.type, type, `${method} ${path} → ${show(r)}`);
    assert.equal(typeof r.body.NeutronError.message, 'string');
    return r.body.NeutronError.message as string;
  };

  const net = async (headers: Headers, body: Obj = {}) => (await ok('POST', '/v2.0/networks', { network: { name: `n-${randomUUID().slice(0, 6)}`, ...body } }, headers)).network as Obj;
  const subnet = async (headers: Headers, networkId: string, cidr: string, body: Obj = {}) =>
    (await ok('POST', '/v2.0/subnets', { subnet: { network_id: networkId, cidr, ip_version: cidr.includes(':') ? 6 : 4, ...body } }, headers)).subnet as Obj;
  const port = async (headers: Headers, networkId: string, body: Obj = {}) => (await ok('POST', '/v2.0/ports', { port: { network_id: networkId, ...body } }, headers)).port as Obj;
  const group = async (headers: Headers, body: Obj = {}) =>
    (await ok('POST', '/v2.0/security-groups', { security_group: { name: `sg-${randomUUID().slice(0, 6)}`, ...body } }, headers)).security_group as Obj;

  return { server, req, ok, status, fails, net, subnet, port, group };
}

/** path and query of a link, to request it in-process */
const local = (href: string) => {
  const u = new URL(href);
  return u.pathname + u.search;
};
const link = (body: Obj, collection: string, rel: 'next' | 'previous'): string | undefined =>
  (body[`${collection}_links`] as { rel: string; href: string }[] | undefined)?.find((l) => l.rel === rel)?.href;

export function extrasSuite(kind: DbKind): void {
  // ---------------------------------------------------------------------------------------
  describe(`security groups (${kind})`, () => {
    const h = useServer(kind);
    const defaultOf = async (p: string) => {
      const list = (await h.ok('GET', '/v2.0/security-groups?name=default', undefined, asMember(p))).security_groups as Obj[];
      assert.equal(list.length, 1, `one default group: ${JSON.stringify(list)}`);
      return list[0];
    };
    const ruleKey = (r: Obj) => [r.direction, r.ethertype, r.protocol, r.port_range_min, r.port_range_max, r.remote_ip_prefix, r.remote_group_id].map(String).join('|');

    it("creates the default group on first need with Neutron's four default rules", async () => {
      const P = project();
      const all = (await h.ok('GET', '/v2.0/security-groups', undefined, asMember(P))).security_groups as Obj[];
      assert.equal(all.length, 1);
      const d = all[0];
      assert.match(d.id, UUID_RE);
      assert.equal(d.name, 'default');
      assert.equal(d.project_id, P);
      assert.equal(d.tenant_id, P);
      assert.equal(d.stateful, true);
      assert.equal(d.security_group_rules.length, 4);
      assert.deepEqual(
        sorted(d.security_group_rules.map(ruleKey)),
        sorted(['egress|IPv4|null|null|null|null|null', 'egress|IPv6|null|null|null|null|null', `ingress|IPv4|null|null|null|null|${d.id}`, `ingress|IPv6|null|null|null|null|${d.id}`]),
      );
      for (const r of d.security_group_rules) {
        assert.equal(r.security_group_id, d.id);
        assert.equal(r.project_id, P);
        assert.equal(r.belongs_to_default_sg, true);
      }
      // asking again does not make a second one
      const again = await defaultOf(P);
      assert.equal(again.id, d.id);
      const rules = (await h.ok('GET', `/v2.0/security-group-rules?security_group_id=${d.id}`, undefined, asMember(P))).security_group_rules as Obj[];
      assert.deepEqual(sorted(ids(rules)), sorted(ids(d.security_group_rules)));
    });

    it('creates the default group when a project first creates another group', async () => {
      const P = project();
      const g = await h.group(asMember(P), { name: 'first' });
      const names = ((await h.ok('GET', '/v2.0/security-groups', undefined, asMember(P))).security_groups as Obj[]).map((x) => x.name);
      assert.deepEqual(sorted(names), ['default', 'first']);
      assert.equal(g.name, 'first');
    });

    it('gives a new group the two egress rules only', async () => {
      const P = project();
      const g = await h.group(asMember(P), { name: 'web', description: 'web tier' });
      assert.match(g.id, UUID_RE);
      assert.equal(g.name, 'web');
      assert.equal(g.description, 'web tier');
      assert.equal(g.project_id, P);
      assert.equal(g.stateful, true);
      assert.deepEqual(g.tags, []);
      assert.deepEqual(sorted(g.security_group_rules.map(ruleKey)), ['egress|IPv4|null|null|null|null|null', 'egress|IPv6|null|null|null|null|null']);
      for (const r of g.security_group_rules) {
        assert.equal(r.belongs_to_default_sg, false);
        assert.equal(r.security_group_id, g.id);
      }
      const shown = (await h.ok('GET', `/v2.0/security-groups/${g.id}`, undefined, asMember(P))).security_group;
      assert.deepEqual(shown, g);
    });

    it('refuses to create a group named "default" (409 SecurityGroupDefaultAlreadyExists)', async () => {
      const P = project();
      await h.fails(409, 'SecurityGroupDefaultAlreadyExists', 'POST', '/v2.0/security-groups', { security_group: { name: 'default' } }, asMember(P));
      const names = ((await h.ok('GET', '/v2.0/security-groups', undefined, asMember(P))).security_groups as Obj[]).map((x) => x.name);
      assert.deepEqual(names, ['default'], 'only the real default group');
    });

    it('refuses "Default" in any case, as Neutron\'s name_not_default validator compares lower-cased', async () => {
      const P = project();
      await h.fails(409, 'SecurityGroupDefaultAlreadyExists', 'POST', '/v2.0/security-groups', { security_group: { name: 'Default' } }, asMember(P));
      await h.fails(409, 'SecurityGroupDefaultAlreadyExists', 'POST', '/v2.0/security-groups', { security_group: { name: 'DEFAULT' } }, asMember(P));
      const names = ((await h.ok('GET', '/v2.0/security-groups', undefined, asMember(P))).security_groups as Obj[]).map((x) => x.name);
      assert.deepEqual(names, ['default']);
    });

    it('refuses renaming a group to "default" (409 SecurityGroupDefaultAlreadyExists), as the same validator does on update', async () => {
      const P = project();
      const g = await h.group(asMember(P), { name: 'plain' });
      await h.fails(409, 'SecurityGroupDefaultAlreadyExists', 'PUT', `/v2.0/security-groups/${g.id}`, { security_group: { name: 'default' } }, asMember(P));
      const names = ((await h.ok('GET', '/v2.0/security-groups', undefined, asMember(P))).security_groups as Obj[]).map((x) => x.name);
      assert.deepEqual(sorted(names), ['default', 'plain']);
    });

    it('protects the default group: no rename (409), description editable, no non-admin delete (409), admin delete', async () => {
      const P = project();
      const d = await defaultOf(P);
      await h.fails(409, 'SecurityGroupCannotUpdateDefault', 'PUT', `/v2.0/security-groups/${d.id}`, { security_group: { name: 'renamed' } }, asMember(P));
      assert.equal((await defaultOf(P)).id, d.id, 'still named default');
      const u = (await h.ok('PUT', `/v2.0/security-groups/${d.id}`, { security_group: { description: 'ours' } }, asMember(P))).security_group;
      assert.equal(u.description, 'ours');
      assert.equal(u.name, 'default');
      await h.fails(409, 'SecurityGroupCannotRemoveDefault', 'DELETE', `/v2.0/security-groups/${d.id}`, undefined, asMember(P));
      await h.status(200, 'GET', `/v2.0/security-groups/${d.id}`, undefined, asMember(P));
      // an admin may remove it; the next need makes a new one
      await h.status(204, 'DELETE', `/v2.0/security-groups/${d.id}`, undefined, ADMIN);
      await h.fails(404, 'SecurityGroupNotFound', 'GET', `/v2.0/security-groups/${d.id}`, undefined, ADMIN);
      const fresh = await defaultOf(P);
      assert.notEqual(fresh.id, d.id);
      assert.equal(fresh.security_group_rules.length, 4);
    });

    it('refuses to delete a group a port uses (409 SecurityGroupInUse), and deletes it once free', async () => {
      const P = project();
      const n = await h.net(asMember(P));
      await h.subnet(asMember(P), n.id, '10.60.0.0/24');
      const g = await h.group(asMember(P));
      const p = await h.port(asMember(P), n.id, { security_groups: [g.id] });
      assert.deepEqual(p.security_groups, [g.id]);
      const msg = await h.fails(409, 'SecurityGroupInUse', 'DELETE', `/v2.0/security-groups/${g.id}`, undefined, asMember(P));
      assert.match(msg, new RegExp(g.id));
      await h.status(200, 'GET', `/v2.0/security-groups/${g.id}`, undefined, asMember(P));
      await h.ok('PUT', `/v2.0/ports/${p.id}`, { port: { security_groups: [] } }, asMember(P));
      await h.status(204, 'DELETE', `/v2.0/security-groups/${g.id}`, undefined, asMember(P));
      await h.fails(404, 'SecurityGroupNotFound', 'GET', `/v2.0/security-groups/${g.id}`, undefined, asMember(P));
      const left = (await h.ok('GET', `/v2.0/security-group-rules?security_group_id=${g.id}`, undefined, asMember(P))).security_group_rules;
      assert.deepEqual(left, [], 'its rules went with it');
    });

    it('updates name and description, bumps revision_number and honours If-Match (412)', async () => {
      const P = project();
      const g = await h.group(asMember(P), { name: 'a', description: 'x' });
      const r0 = g.revision_number as number;
      const u = (await h.ok('PUT', `/v2.0/security-groups/${g.id}`, { security_group: { name: 'b', description: 'y' } }, asMember(P))).security_group;
      assert.equal(u.name, 'b');
      assert.equal(u.description, 'y');
      assert.ok(u.revision_number > r0, `revision ${u.revision_number} > ${r0}`);
      const shown = (await h.ok('GET', `/v2.0/security-groups/${g.id}`, undefined, asMember(P))).security_group;
      assert.equal(shown.name, 'b');
      assert.equal(shown.description, 'y');
      await h.fails(412, 'RevisionNumberConstraintFailed', 'PUT', `/v2.0/security-groups/${g.id}`, { security_group: { name: 'c' } }, { ...asMember(P), 'if-match': `revision_number=${r0}` });
      assert.equal((await h.ok('GET', `/v2.0/security-groups/${g.id}`, undefined, asMember(P))).security_group.name, 'b', 'a refused update changes nothing');
      const v = (await h.ok('PUT', `/v2.0/security-groups/${g.id}`, { security_group: { name: 'c' } }, { ...asMember(P), 'if-match': `revision_number=${u.revision_number}` })).security_group;
      assert.equal(v.name, 'c');
      await h.fails(412, 'RevisionNumberConstraintFailed', 'DELETE', `/v2.0/security-groups/${g.id}`, undefined, { ...asMember(P), 'if-match': `revision_number=${u.revision_number}` });
      await h.status(204, 'DELETE', `/v2.0/security-groups/${g.id}`, undefined, { ...asMember(P), 'if-match': `revision_number=${v.revision_number}` });
    });

    it('keeps other projects out (404) and lets readers only read', async () => {
      const P = project();
      const Q = project();
      const g = await h.group(asMember(P));
      await h.fails(404, 'SecurityGroupNotFound', 'GET', `/v2.0/security-groups/${g.id}`, undefined, asMember(Q));
      await h.fails(404, 'SecurityGroupNotFound', 'PUT', `/v2.0/security-groups/${g.id}`, { security_group: { name: 'mine' } }, asMember(Q));
      await h.fails(404, 'SecurityGroupNotFound', 'DELETE', `/v2.0/security-groups/${g.id}`, undefined, asMember(Q));
      const seen = ids((await h.ok('GET', '/v2.0/security-groups', undefined, asMember(Q))).security_groups);
      assert.ok(!seen.includes(g.id));
      await h.fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/security-groups', { security_group: { name: 'r' } }, asReader(P));
      await h.status(200, 'GET', `/v2.0/security-groups/${g.id}`, undefined, asReader(P));
      assert.ok(ids((await h.ok('GET', '/v2.0/security-groups', undefined, ADMIN)).security_groups).includes(g.id), 'admin sees all');
    });
  });

  // ---------------------------------------------------------------------------------------
  describe(`security group rules (${kind})`, () => {
    const h = useServer(kind);
    const rule = (headers: Headers, sgId: string, body: Obj) =>
      h.req('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: sgId, direction: 'ingress', ...body } }, headers);
    const okRule = async (headers: Headers, sgId: string, body: Obj) => {
      const r = await rule(headers, sgId, body);
      assert.equal(r.status, 201, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.security_group_rule as Obj;
    };
    const badRule = async (code: number, type: string | null, headers: Headers, sgId: string, body: Obj) => {
      const r = await rule(headers, sgId, body);
      assert.equal(r.status, code, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(typeof r.body?.NeutronError?.type, 'string', JSON.stringify(r.body));
      if (type !== null) assert.equal(r.body.NeutronError.type, type, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      return r.body.NeutronError.message as string;
    };
    const rulesOf = async (headers: Headers, sgId: string) => (await h.ok('GET', `/v2.0/security-groups/${sgId}`, undefined, headers)).security_group.security_group_rules as Obj[];

    it('takes protocols by name (tcp, udp, icmp, icmpv6) and by number', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      const tcp = await okRule(asMember(P), g.id, { protocol: 'tcp', port_range_min: 22, port_range_max: 22 });
      assert.match(tcp.id, UUID_RE);
      assert.equal(tcp.protocol, 'tcp');
      assert.equal(tcp.port_range_min, 22);
      assert.equal(tcp.port_range_max, 22);
      assert.equal(tcp.direction, 'ingress');
      assert.equal(tcp.ethertype, 'IPv4', 'IPv4 by default');
      assert.equal(tcp.remote_ip_prefix, null);
      assert.equal(tcp.remote_group_id, null);
      assert.equal(tcp.normalized_cidr, null);
      assert.equal(tcp.security_group_id, g.id);
      assert.equal(tcp.project_id, P);
      assert.equal(tcp.belongs_to_default_sg, false);
      const udp = await okRule(asMember(P), g.id, { protocol: 'udp', port_range_min: 53, port_range_max: 53 });
      assert.equal(udp.protocol, 'udp');
      const icmp = await okRule(asMember(P), g.id, { protocol: 'icmp', port_range_min: 8, port_range_max: 0 });
      assert.equal(icmp.protocol, 'icmp');
      assert.equal(icmp.port_range_min, 8);
      assert.equal(icmp.port_range_max, 0);
      const icmp6 = await okRule(asMember(P), g.id, { protocol: 'icmpv6', ethertype: 'IPv6', port_range_min: 128 });
      assert.equal(icmp6.ethertype, 'IPv6');
      assert.equal(icmp6.port_range_min, 128);
      const six = await okRule(asMember(P), g.id, { protocol: '6', port_range_min: 80, port_range_max: 81 });
      assert.equal(six.protocol, '6');
      assert.equal(six.port_range_max, 81);
      const udpNum = await okRule(asMember(P), g.id, { protocol: 17, port_range_min: 5000, port_range_max: 5001 });
      assert.equal(udpNum.protocol, '17', 'a protocol number is kept as a string');
      const gre = await okRule(asMember(P), g.id, { protocol: 'gre' });
      assert.equal(gre.protocol, 'gre');
      assert.equal(gre.port_range_min, null);
      const lower = await okRule(asMember(P), g.id, { protocol: 'SCTP', ethertype: 'ipv6' });
      assert.equal(lower.protocol, 'sctp', 'names are lower-cased');
      assert.equal(lower.ethertype, 'IPv6', 'ethertype is case-insensitive');
      const all = ids(await rulesOf(asMember(P), g.id));
      for (const r of [tcp, udp, icmp, icmp6, six, udpNum, gre, lower]) assert.ok(all.includes(r.id), `group lists rule ${r.protocol}`);
      assert.equal(all.length, 2 + 8);
    });

    it('canonicalises legacy IPv6 ICMP names to ipv6-icmp, as Neutron does', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      const a = await okRule(asMember(P), g.id, { protocol: 'icmpv6', ethertype: 'IPv6', port_range_min: 135 });
      assert.equal(a.protocol, 'ipv6-icmp');
      const b = await okRule(asMember(P), g.id, { protocol: 'icmp', ethertype: 'IPv6', port_range_min: 136 });
      assert.equal(b.protocol, 'ipv6-icmp');
    });

    it('refuses unknown protocols with 400 SecurityGroupRuleInvalidProtocol', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      for (const protocol of ['bogus', '256', '-1', 300]) {
        await badRule(400, 'SecurityGroupRuleInvalidProtocol', asMember(P), g.id, { protocol });
      }
      assert.equal((await rulesOf(asMember(P), g.id)).length, 2, 'nothing was added');
    });

    it('validates port ranges', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      await badRule(400, 'SecurityGroupInvalidPortRange', asMember(P), g.id, { protocol: 'tcp', port_range_min: 100, port_range_max: 50 });
      await badRule(400, 'SecurityGroupInvalidPortValue', asMember(P), g.id, { protocol: 'tcp', port_range_min: 0, port_range_max: 10 });
      await badRule(400, 'SecurityGroupInvalidPortValue', asMember(P), g.id, { protocol: 'tcp', port_range_min: 70000, port_range_max: 70000 });
      await badRule(400, 'SecurityGroupInvalidPortValue', asMember(P), g.id, { protocol: 'udp', port_range_min: 10, port_range_max: 70000 });
      await badRule(400, 'SecurityGroupProtocolRequiredWithPorts', asMember(P), g.id, { protocol: null, port_range_min: 80, port_range_max: 80 });
      await badRule(400, null, asMember(P), g.id, { protocol: 'gre', port_range_min: 80, port_range_max: 80 });
      await badRule(400, 'SecurityGroupMissingIcmpType', asMember(P), g.id, { protocol: 'icmp', port_range_max: 0 });
      await badRule(400, 'SecurityGroupInvalidIcmpValue', asMember(P), g.id, { protocol: 'icmp', port_range_min: 300 });
      await badRule(400, 'SecurityGroupInvalidIcmpValue', asMember(P), g.id, { protocol: 'icmp', port_range_min: 8, port_range_max: 256 });
      assert.equal((await rulesOf(asMember(P), g.id)).length, 2, 'nothing was added');
    });

    it('refuses a TCP port_range_min without port_range_max (Neutron: SecurityGroupInvalidPortRange)', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      await badRule(400, 'SecurityGroupInvalidPortRange', asMember(P), g.id, { protocol: 'tcp', port_range_min: 22 });
      await badRule(400, 'SecurityGroupInvalidPortRange', asMember(P), g.id, { protocol: 'tcp', port_range_max: 22 });
    });

    it('stores the whole range 1-65535 as no range, as Neutron does', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      const r = await okRule(asMember(P), g.id, { protocol: 'tcp', port_range_min: 1, port_range_max: 65535 });
      assert.equal(r.port_range_min, null);
      assert.equal(r.port_range_max, null);
    });

    it('checks remote and ethertype consistency', async () => {
      const P = project();
      const Q = project();
      const g = await h.group(asMember(P));
      const other = await h.group(asMember(P));
      const foreign = await h.group(asMember(Q));
      await badRule(400, 'SecurityGroupRuleParameterConflict', asMember(P), g.id, { ethertype: 'IPv4', remote_ip_prefix: '::/0' });
      await badRule(400, 'SecurityGroupRuleParameterConflict', asMember(P), g.id, { ethertype: 'IPv6', remote_ip_prefix: '10.0.0.0/8' });
      await badRule(400, null, asMember(P), g.id, { remote_ip_prefix: '10.0.0.0/8', remote_group_id: other.id });
      await badRule(400, 'SecurityGroupEthertypeConflictWithProtocol', asMember(P), g.id, { protocol: 'icmpv6', ethertype: 'IPv4' });
      await badRule(400, 'SecurityGroupRuleInvalidEtherType', asMember(P), g.id, { ethertype: 'IPv5' });
      await badRule(404, 'SecurityGroupNotFound', asMember(P), g.id, { remote_group_id: randomUUID() });
      await badRule(404, 'SecurityGroupNotFound', asMember(P), g.id, { remote_group_id: foreign.id });
      await badRule(404, 'SecurityGroupNotFound', asMember(P), randomUUID(), { protocol: 'tcp', port_range_min: 1, port_range_max: 2 });
      assert.equal((await rulesOf(asMember(P), g.id)).length, 2, 'nothing was added');
      const byGroup = await okRule(asMember(P), g.id, { remote_group_id: other.id, protocol: 'tcp', port_range_min: 5432, port_range_max: 5432 });
      assert.equal(byGroup.remote_group_id, other.id);
      assert.equal(byGroup.remote_ip_prefix, null);
    });

    it("answers with Neutron's exact texts: port range, remote group (any string, UUID or not, that names no visible group is 404), ethertype of the prefix, duplicates", async () => {
      const P = project();
      const g = await h.group(asMember(P));
      const range = 'For TCP/UDP protocols, port_range_min must be <= port_range_max';
      assert.equal(await badRule(400, 'SecurityGroupInvalidPortRange', asMember(P), g.id, { protocol: 'tcp', port_range_min: 100, port_range_max: 50 }), range);
      assert.equal(await badRule(400, 'SecurityGroupInvalidPortRange', asMember(P), g.id, { protocol: 'udp', port_range_min: 22 }), range);
      assert.equal(await badRule(404, 'SecurityGroupNotFound', asMember(P), g.id, { remote_group_id: 'not-a-uuid' }), 'Security group not-a-uuid does not exist');
      const missing = randomUUID();
      assert.equal(await badRule(404, 'SecurityGroupNotFound', asMember(P), g.id, { remote_group_id: missing }), `Security group ${missing} does not exist`);
      assert.equal(
        await badRule(400, 'SecurityGroupRuleParameterConflict', asMember(P), g.id, { ethertype: 'IPv6', remote_ip_prefix: '10.0.0.0/8' }),
        'Conflicting value ethertype IPv6 for CIDR 10.0.0.0/8',
      );
      assert.equal(
        await badRule(400, 'SecurityGroupMultipleRemoteEntites', asMember(P), g.id, { remote_ip_prefix: '10.0.0.0/8', remote_group_id: g.id }),
        'Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.',
      );
      assert.equal(
        await badRule(400, 'SecurityGroupInvalidProtocolForPort', asMember(P), g.id, { protocol: 'gre', port_range_min: 1, port_range_max: 2 }),
        'Ports cannot be specified for protocol 47. Ports are only supported for DCCP, SCTP, TCP, UDP, UDPLITE.',
      );
      assert.equal(await badRule(400, 'SecurityGroupProtocolRequiredWithPorts', asMember(P), g.id, { port_range_min: 1, port_range_max: 2 }), 'Must also specify protocol if port range is given.');
      assert.equal(
        await badRule(400, 'SecurityGroupRuleInvalidEtherType', asMember(P), g.id, { ethertype: 'IPv5' }),
        "Security group rule for ethertype 'IPv5' not supported. Allowed values are ['IPv4', 'IPv6'].",
      );
      const r = await h.req(
        'POST',
        '/v2.0/security-group-rules',
        { security_group_rules: [0, 1].map(() => ({ security_group_id: g.id, direction: 'ingress', protocol: 'tcp', port_range_min: 7, port_range_max: 7 })) },
        asMember(P),
      );
      assert.equal(r.status, 409);
      assert.equal(r.body.NeutronError.message, 'Duplicate Security Group Rule in POST.');
      assert.equal((await rulesOf(asMember(P), g.id)).length, 2, 'nothing was added');
    });

    it('the same security group twice on a port is 400, as Neutron', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      const n = await h.net(asMember(P));
      const r = await h.req('POST', '/v2.0/ports', { port: { network_id: n.id, security_groups: [g.id, g.id] } }, asMember(P));
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.NeutronError.message, `Invalid input for security_groups. Reason: Duplicate items in the list: '${g.id}'.`);
      const p = await h.port(asMember(P), n.id, { security_groups: [g.id] });
      const u = await h.req('PUT', `/v2.0/ports/${p.id}`, { port: { security_groups: [g.id, g.id] } }, asMember(P));
      assert.equal(u.status, 400, JSON.stringify(u.body));
    });

    it("refuses a rule in another project's group with 403 PolicyNotAuthorized, as Neutron's sg_owner policy does", async () => {
      const P = project();
      const Q = project();
      const g = await h.group(asMember(P));
      await badRule(403, 'PolicyNotAuthorized', asMember(Q), g.id, { protocol: 'tcp', port_range_min: 1, port_range_max: 2 });
      assert.equal((await rulesOf(asMember(P), g.id)).length, 2, 'nothing was added');
    });

    it('refuses every IPv6-only protocol with IPv4, by name or number (Neutron: SecurityGroupEthertypeConflictWithProtocol)', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      for (const protocol of ['ipv6-icmp', '58', 'ipv6-route', 'ipv6-frag', 'ipv6-opts', 'ipv6-nonxt', '43']) {
        await badRule(400, 'SecurityGroupEthertypeConflictWithProtocol', asMember(P), g.id, { protocol, ethertype: 'IPv4' });
      }
    });

    it('names a port range on a portless protocol SecurityGroupInvalidProtocolForPort, as Neutron does', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      await badRule(400, 'SecurityGroupInvalidProtocolForPort', asMember(P), g.id, { protocol: 'gre', port_range_min: 80, port_range_max: 80 });
    });

    it('names two remotes SecurityGroupMultipleRemoteEntites, as Neutron does', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      const other = await h.group(asMember(P));
      await badRule(400, 'SecurityGroupMultipleRemoteEntites', asMember(P), g.id, { remote_ip_prefix: '10.0.0.0/8', remote_group_id: other.id });
    });

    it("names a malformed remote_ip_prefix InvalidCIDR, as Neutron's convert_ip_prefix_to_cidr does", async () => {
      const P = project();
      const g = await h.group(asMember(P));
      await badRule(400, 'InvalidCIDR', asMember(P), g.id, { remote_ip_prefix: '10.0.0.300/8' });
    });

    it('refuses two equal rules in one bulk request with 409 DuplicateSecurityGroupRuleInPost, creating neither', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      const one = { security_group_id: g.id, direction: 'ingress', protocol: 'tcp', port_range_min: 7, port_range_max: 7 };
      const r = await h.req('POST', '/v2.0/security-group-rules', { security_group_rules: [one, one] }, asMember(P));
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.equal((await rulesOf(asMember(P), g.id)).length, 2, 'neither was created');
      assert.equal(r.body.NeutronError.type, 'DuplicateSecurityGroupRuleInPost');
    });

    it('refuses duplicates with 409 SecurityGroupRuleExists, tcp and "6" being the same protocol', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      const first = await okRule(asMember(P), g.id, { protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.0.0.0/8' });
      const msg = await badRule(409, 'SecurityGroupRuleExists', asMember(P), g.id, { protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.0.0.0/8' });
      assert.match(msg, new RegExp(first.id), 'names the existing rule');
      await badRule(409, 'SecurityGroupRuleExists', asMember(P), g.id, { protocol: '6', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.0.0.0/8' });
      await badRule(409, 'SecurityGroupRuleExists', asMember(P), g.id, { protocol: 6, port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.0.0.0/8' });
      await badRule(409, 'SecurityGroupRuleExists', asMember(P), g.id, { protocol: 'TCP', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.0.0.0/8' });
      // the automatic egress rule: "any address" equals no prefix
      const egress = (await rulesOf(asMember(P), g.id)).find((r) => r.direction === 'egress' && r.ethertype === 'IPv4')!;
      const m2 = await badRule(409, 'SecurityGroupRuleExists', asMember(P), g.id, { direction: 'egress' });
      assert.match(m2, new RegExp(egress.id));
      await badRule(409, 'SecurityGroupRuleExists', asMember(P), g.id, { direction: 'egress', remote_ip_prefix: '0.0.0.0/0' });
      // differing in any field is a different rule
      await okRule(asMember(P), g.id, { protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.0.0.0/8', direction: 'egress' });
      await okRule(asMember(P), g.id, { protocol: 'udp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.0.0.0/8' });
      await okRule(asMember(P), g.id, { protocol: 'tcp', port_range_min: 443, port_range_max: 444, remote_ip_prefix: '10.0.0.0/8' });
      assert.equal((await rulesOf(asMember(P), g.id)).length, 2 + 4);
    });

    it('refuses a bad or missing direction with 400 naming direction', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      assert.match(await badRule(400, 'HTTPBadRequest', asMember(P), g.id, { direction: 'sideways' }), /direction/);
      const r = await h.req('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: g.id } }, asMember(P));
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.NeutronError.message, /direction/);
    });

    it('keeps host bits in remote_ip_prefix and shows normalized_cidr', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      const r = await okRule(asMember(P), g.id, { protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: '10.1.2.3/24' });
      assert.equal(r.remote_ip_prefix, '10.1.2.3/24');
      assert.equal(r.normalized_cidr, '10.1.2.0/24');
      const r6 = await okRule(asMember(P), g.id, { ethertype: 'IPv6', protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: '2001:db8::1/64' });
      assert.equal(r6.normalized_cidr, '2001:db8::/64');
      const shown = (await h.ok('GET', `/v2.0/security-group-rules/${r.id}`, undefined, asMember(P))).security_group_rule;
      assert.deepEqual(shown, r);
      // security-groups-normalized-cidr: normalized_cidr is a filter too
      const aliases = (await h.ok('GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      assert.ok(aliases.includes('security-groups-normalized-cidr'));
      const byCidr = async (v: string) =>
        (await h.ok('GET', `/v2.0/security-group-rules?security_group_id=${g.id}&normalized_cidr=${encodeURIComponent(v)}`, undefined, asMember(P))).security_group_rules.map((x: Obj) => x.id);
      assert.deepEqual(await byCidr('10.1.2.0/24'), [r.id]);
      assert.deepEqual(await byCidr('2001:db8::/64'), [r6.id]);
      assert.deepEqual(await byCidr('10.9.9.0/24'), []);
    });

    it('adds the host mask to a bare address in remote_ip_prefix, as Neutron does', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      const r = await okRule(asMember(P), g.id, { protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '10.0.0.5' });
      assert.equal(r.remote_ip_prefix, '10.0.0.5/32');
      assert.equal(r.normalized_cidr, '10.0.0.5/32');
      const r6 = await okRule(asMember(P), g.id, { ethertype: 'IPv6', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '2001:db8::5' });
      assert.equal(r6.remote_ip_prefix, '2001:db8::5/128');
    });

    it('deletes a rule (204, then 404), bumping the group revision', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      const r = await okRule(asMember(P), g.id, { protocol: 'tcp', port_range_min: 8080, port_range_max: 8080 });
      const rev = (await h.ok('GET', `/v2.0/security-groups/${g.id}`, undefined, asMember(P))).security_group.revision_number as number;
      await h.status(204, 'DELETE', `/v2.0/security-group-rules/${r.id}`, undefined, asMember(P));
      await h.fails(404, 'SecurityGroupRuleNotFound', 'GET', `/v2.0/security-group-rules/${r.id}`, undefined, asMember(P));
      await h.fails(404, 'SecurityGroupRuleNotFound', 'DELETE', `/v2.0/security-group-rules/${r.id}`, undefined, asMember(P));
      const after = (await h.ok('GET', `/v2.0/security-groups/${g.id}`, undefined, asMember(P))).security_group;
      assert.ok(!ids(after.security_group_rules).includes(r.id));
      assert.ok(after.revision_number > rev, `group revision ${after.revision_number} > ${rev}`);
    });

    it('does not update rules: PUT → 405', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      const r = await okRule(asMember(P), g.id, { protocol: 'udp', port_range_min: 123, port_range_max: 123 });
      await h.fails(405, 'HTTPMethodNotAllowed', 'PUT', `/v2.0/security-group-rules/${r.id}`, { security_group_rule: { description: 'x' } }, asMember(P));
      await h.fails(405, 'HTTPMethodNotAllowed', 'PUT', `/v2.0/security-group-rules/${r.id}`, { security_group_rule: { port_range_max: 124 } }, ADMIN);
      const shown = (await h.ok('GET', `/v2.0/security-group-rules/${r.id}`, undefined, asMember(P))).security_group_rule;
      assert.equal(shown.port_range_max, 123);
      assert.equal(shown.description, '');
    });

    it('filters rules by security_group_id, direction and protocol', async () => {
      const P = project();
      const g = await h.group(asMember(P));
      const g2 = await h.group(asMember(P));
      const inTcp = await okRule(asMember(P), g.id, { protocol: 'tcp', port_range_min: 1000, port_range_max: 1000 });
      const inTcp2 = await okRule(asMember(P), g.id, { protocol: 'tcp', port_range_min: 1001, port_range_max: 1001 });
      const inUdp = await okRule(asMember(P), g.id, { protocol: 'udp', port_range_min: 1000, port_range_max: 1000 });
      const outTcp = await okRule(asMember(P), g.id, { direction: 'egress', protocol: 'tcp', port_range_min: 1000, port_range_max: 1000 });
      const elsewhere = await okRule(asMember(P), g2.id, { protocol: 'tcp', port_range_min: 1000, port_range_max: 1000 });
      const list = async (q: string) => sorted(ids((await h.ok('GET', `/v2.0/security-group-rules?${q}`, undefined, asMember(P))).security_group_rules));
      const inG = await list(`security_group_id=${g.id}`);
      assert.equal(inG.length, 2 + 4);
      assert.ok(!inG.includes(elsewhere.id));
      assert.deepEqual(await list(`security_group_id=${g.id}&direction=ingress`), sorted([inTcp.id, inTcp2.id, inUdp.id]));
      assert.deepEqual(await list(`security_group_id=${g.id}&direction=ingress&protocol=tcp`), sorted([inTcp.id, inTcp2.id]));
      assert.deepEqual(await list(`security_group_id=${g.id}&protocol=tcp`), sorted([inTcp.id, inTcp2.id, outTcp.id]));
      assert.deepEqual(await list(`security_group_id=${g.id}&security_group_id=${g2.id}&protocol=tcp&port_range_min=1000`), sorted([inTcp.id, outTcp.id, elsewhere.id]));
      assert.deepEqual(await list(`security_group_id=${g.id}&direction=ingress&protocol=icmp`), []);
      await h.fails(400, 'HTTPBadRequest', 'GET', '/v2.0/security-group-rules?colour=red', undefined, asMember(P));
    });

    it("does not show or let another project touch a project's rules", async () => {
      const P = project();
      const Q = project();
      const g = await h.group(asMember(P));
      const r = await okRule(asMember(P), g.id, { protocol: 'tcp', port_range_min: 3306, port_range_max: 3306 });
      const theirs = (await h.ok('GET', '/v2.0/security-group-rules', undefined, asMember(Q))).security_group_rules as Obj[];
      assert.ok(theirs.length > 0, 'Q sees its own default rules');
      assert.ok(
        theirs.every((x) => x.project_id === Q),
        `only Q's rules: ${JSON.stringify(theirs.map((x) => x.project_id))}`,
      );
      assert.ok(!ids(theirs).includes(r.id));
      const filtered = (await h.ok('GET', `/v2.0/security-group-rules?security_group_id=${g.id}`, undefined, asMember(Q))).security_group_rules;
      assert.deepEqual(filtered, []);
      // Neutron finds the rule with an admin context and then hides it: 404 (its body type is HTTPNotFound)
      await h.status(404, 'GET', `/v2.0/security-group-rules/${r.id}`, undefined, asMember(Q));
      await h.status(404, 'DELETE', `/v2.0/security-group-rules/${r.id}`, undefined, asMember(Q));
      await h.status(200, 'GET', `/v2.0/security-group-rules/${r.id}`, undefined, asMember(P));
      assert.ok(ids((await h.ok('GET', `/v2.0/security-group-rules?security_group_id=${g.id}`, undefined, ADMIN)).security_group_rules).includes(r.id), 'admin sees it');
    });
  });

  // ---------------------------------------------------------------------------------------
  describe(`quotas (${kind})`, () => {
    const h = useServer(kind);
    const DEFAULTS = { network: 100, subnet: 100, port: 500, router: 10, floatingip: 50, security_group: 10, security_group_rule: 100 };
    const expectDefaults = (q: Obj) => {
      for (const [k, v] of Object.entries(DEFAULTS)) assert.equal(q[k], v, `${k}: ${JSON.stringify(q)}`);
    };
    const networksOf = async (p: string) => ((await h.ok('GET', '/v2.0/networks', undefined, asMember(p))).networks as Obj[]).filter((n) => n.project_id === p);

    it("shows Neutron's defaults for a project without overrides, to admins and to the project", async () => {
      const P = project();
      expectDefaults((await h.ok('GET', `/v2.0/quotas/${P}`, undefined, ADMIN)).quota);
      expectDefaults((await h.ok('GET', `/v2.0/quotas/${P}`, undefined, asMember(P))).quota);
      expectDefaults((await h.ok('GET', `/v2.0/quotas/${P}`, undefined, asReader(P))).quota);
    });

    it('answers /default with the defaults even when the project has its own limits', async () => {
      const P = project();
      const set = (await h.ok('PUT', `/v2.0/quotas/${P}`, { quota: { network: 5, port: 7 } }, ADMIN)).quota;
      assert.equal(set.network, 5);
      assert.equal(set.port, 7);
      assert.equal(set.subnet, 100);
      expectDefaults((await h.ok('GET', `/v2.0/quotas/${P}/default`, undefined, ADMIN)).quota);
      expectDefaults((await h.ok('GET', `/v2.0/quotas/${P}/default`, undefined, asMember(P))).quota);
      const own = (await h.ok('GET', `/v2.0/quotas/${P}`, undefined, asMember(P))).quota;
      assert.equal(own.network, 5);
      assert.equal(own.port, 7);
    });

    it('details.json gives limit, used and reserved, used counting real resources', async () => {
      const P = project();
      const n1 = await h.net(asMember(P));
      await h.net(asMember(P));
      await h.subnet(asMember(P), n1.id, '10.70.0.0/24');
      await h.port(asMember(P), n1.id); // brings the default security group and its 4 rules
      await h.group(asMember(P)); // 2 more rules
      const d = (await h.ok('GET', `/v2.0/quotas/${P}/details.json`, undefined, asMember(P))).quota;
      assert.deepEqual(d.network, { limit: 100, used: 2, reserved: 0 });
      assert.deepEqual(d.subnet, { limit: 100, used: 1, reserved: 0 });
      assert.deepEqual(d.port, { limit: 500, used: 1, reserved: 0 });
      assert.deepEqual(d.security_group, { limit: 10, used: 2, reserved: 0 });
      assert.deepEqual(d.security_group_rule, { limit: 100, used: 6, reserved: 0 });
      assert.deepEqual(d.router, { limit: 10, used: 0, reserved: 0 });
      assert.deepEqual(d.floatingip, { limit: 50, used: 0, reserved: 0 });
      const asAdminToo = (await h.ok('GET', `/v2.0/quotas/${P}/details`, undefined, ADMIN)).quota;
      assert.deepEqual(asAdminToo, d);
    });

    it('counts the default security group that creating a network brings (Neutron ensures it on network create)', async () => {
      const P = project();
      await h.net(asMember(P));
      const d = (await h.ok('GET', `/v2.0/quotas/${P}/details`, undefined, ADMIN)).quota;
      assert.equal(d.network.used, 1);
      assert.equal(d.security_group.used, 1);
      assert.equal(d.security_group_rule.used, 4);
    });

    it('enforces a limit an admin sets: 409 OverQuota, and a bulk create over quota creates nothing', async () => {
      const P = project();
      await h.net(asMember(P));
      const q = (await h.ok('PUT', `/v2.0/quotas/${P}`, { quota: { network: 1 } }, ADMIN)).quota;
      assert.equal(q.network, 1);
      assert.match(await h.fails(409, 'OverQuota', 'POST', '/v2.0/networks', { network: { name: 'second' } }, asMember(P)), /network/);
      assert.equal((await networksOf(P)).length, 1);
      await h.ok('PUT', `/v2.0/quotas/${P}`, { quota: { network: 3 } }, ADMIN);
      await h.fails(409, 'OverQuota', 'POST', '/v2.0/networks', { networks: [{ name: 'b1' }, { name: 'b2' }, { name: 'b3' }] }, asMember(P));
      assert.equal((await networksOf(P)).length, 1, 'a refused bulk create leaves nothing');
      const made = (await h.ok('POST', '/v2.0/networks', { networks: [{ name: 'b1' }, { name: 'b2' }] }, asMember(P))).networks;
      assert.equal(made.length, 2);
      assert.equal((await networksOf(P)).length, 3);
      await h.fails(409, 'OverQuota', 'POST', '/v2.0/networks', { network: { name: 'fourth' } }, asMember(P));
      // -1 is unlimited
      await h.ok('PUT', `/v2.0/quotas/${P}`, { quota: { network: -1 } }, ADMIN);
      await h.net(asMember(P));
      assert.equal((await networksOf(P)).length, 4);
      // other resources too
      await h.ok('PUT', `/v2.0/quotas/${P}`, { quota: { security_group: 2 } }, ADMIN);
      await h.group(asMember(P)); // default + this one = 2
      await h.fails(409, 'OverQuota', 'POST', '/v2.0/security-groups', { security_group: { name: 'third' } }, asMember(P));
    });

    it("refuses a limit below current usage unless forced (400), as Neutron's quota update does", async () => {
      const P = project();
      await h.net(asMember(P));
      await h.net(asMember(P));
      await h.fails(400, 'HTTPBadRequest', 'PUT', `/v2.0/quotas/${P}`, { quota: { network: 1 } }, ADMIN);
      assert.equal((await h.ok('GET', `/v2.0/quotas/${P}`, undefined, ADMIN)).quota.network, 100);
      const forced = (await h.ok('PUT', `/v2.0/quotas/${P}`, { quota: { network: 1, force: true } }, ADMIN)).quota;
      assert.equal(forced.network, 1);
    });

    it("quota-check-limit: check_limit is accepted and checking is the default, as Neutron since 2025.1; -1 is never checked; the text is Neutron's", async () => {
      const P = project();
      await h.net(asMember(P));
      await h.net(asMember(P));
      const aliases = (await h.ok('GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      assert.ok(aliases.includes('quota-check-limit'));
      const m = await h.fails(400, 'HTTPBadRequest', 'PUT', `/v2.0/quotas/${P}`, { quota: { network: 1, check_limit: true } }, ADMIN);
      assert.equal(m, 'Quota limit 1 for network must be greater than or equal to already used 2');
      assert.equal((await h.ok('PUT', `/v2.0/quotas/${P}`, { quota: { network: 2, check_limit: true } }, ADMIN)).quota.network, 2);
      assert.equal((await h.ok('PUT', `/v2.0/quotas/${P}`, { quota: { network: -1, check_limit: false } }, ADMIN)).quota.network, -1);
    });

    it('validates update bodies: unknown resources and non-integers are 400, and nothing changes', async () => {
      const P = project();
      assert.match(await h.fails(400, 'HTTPBadRequest', 'PUT', `/v2.0/quotas/${P}`, { quota: { widgets: 5 } }, ADMIN), /widgets/);
      const r = await h.status(400, 'PUT', `/v2.0/quotas/${P}`, { quota: { network: 'abc' } }, ADMIN);
      assert.match(r.body.NeutronError.message, /abc/);
      await h.status(400, 'PUT', `/v2.0/quotas/${P}`, { quota: { network: -5 } }, ADMIN);
      await h.status(400, 'PUT', `/v2.0/quotas/${P}`, { quota: { network: 10, widgets: 5 } }, ADMIN);
      await h.status(400, 'PUT', `/v2.0/quotas/${P}`, { network: 10 }, ADMIN);
      expectDefaults((await h.ok('GET', `/v2.0/quotas/${P}`, undefined, ADMIN)).quota);
      const listed = ((await h.ok('GET', '/v2.0/quotas', undefined, ADMIN)).quotas as Obj[]).map((q) => q.project_id);
      assert.ok(!listed.includes(P), 'no override was stored');
    });

    it("names a non-integer limit InvalidInput, as neutron-lib's convert_to_int does", async () => {
      const P = project();
      await h.fails(400, 'InvalidInput', 'PUT', `/v2.0/quotas/${P}`, { quota: { network: 'abc' } }, ADMIN);
    });

    it('lets only admins change quotas, and members read only their own (403)', async () => {
      const P = project();
      const Q = project();
      await h.fails(403, 'PolicyNotAuthorized', 'PUT', `/v2.0/quotas/${P}`, { quota: { network: 1000 } }, asMember(P));
      await h.fails(403, 'PolicyNotAuthorized', 'DELETE', `/v2.0/quotas/${P}`, undefined, asMember(P));
      await h.status(403, 'GET', `/v2.0/quotas/${Q}`, undefined, asMember(P));
      await h.status(403, 'GET', `/v2.0/quotas/${Q}/default`, undefined, asMember(P));
      await h.status(403, 'GET', `/v2.0/quotas/${Q}/details`, undefined, asMember(P));
      expectDefaults((await h.ok('GET', `/v2.0/quotas/${P}`, undefined, asMember(P))).quota);
      expectDefaults((await h.ok('GET', `/v2.0/quotas/${P}`, undefined, ADMIN)).quota);
    });

    it("refuses the quota list to a non-admin (403), as Neutron's get_quota policy does", async () => {
      const P = project();
      await h.status(403, 'GET', '/v2.0/quotas', undefined, asMember(P));
    });

    it('resets with DELETE (204) and lists only projects with their own limits', async () => {
      const P = project();
      const Q = project();
      await h.net(asMember(Q)); // Q exists but keeps the defaults
      await h.ok('PUT', `/v2.0/quotas/${P}`, { quota: { network: 7, subnet: 8 } }, ADMIN);
      const listed = (await h.ok('GET', '/v2.0/quotas', undefined, ADMIN)).quotas as Obj[];
      const mine = listed.filter((q) => q.project_id === P);
      assert.equal(mine.length, 1);
      assert.equal(mine[0].network, 7);
      assert.equal(mine[0].subnet, 8);
      assert.equal(mine[0].port, 500, 'the rest are the defaults');
      assert.ok(!listed.some((q) => q.project_id === Q));
      await h.status(204, 'DELETE', `/v2.0/quotas/${P}`, undefined, ADMIN);
      expectDefaults((await h.ok('GET', `/v2.0/quotas/${P}`, undefined, ADMIN)).quota);
      const after = (await h.ok('GET', '/v2.0/quotas', undefined, ADMIN)).quotas as Obj[];
      assert.ok(!after.some((q) => q.project_id === P));
    });

    it('answers DELETE for a project that never had limits with 404 TenantQuotaNotFound, as Neutron does', async () => {
      const P = project();
      await h.fails(404, 'TenantQuotaNotFound', 'DELETE', `/v2.0/quotas/${P}`, undefined, ADMIN);
    });
  });

  // ---------------------------------------------------------------------------------------
  describe(`tags (${kind})`, () => {
    const h = useServer(kind);
    const P = project();
    const Q = project();
    let netId = '';
    before(async () => {
      const n = await h.net(asMember(P));
      await h.subnet(asMember(P), n.id, '10.80.0.0/24');
      netId = n.id;
    });
    const makers: Record<string, { member: string; make: () => Promise<Obj> }> = {
      networks: { member: 'network', make: () => h.net(asMember(P)) },
      subnets: {
        member: 'subnet',
        make: async () => h.subnet(asMember(P), (await h.net(asMember(P))).id, `10.81.${Math.floor(Math.random() * 250)}.0/24`),
      },
      ports: { member: 'port', make: () => h.port(asMember(P), netId) },
      'security-groups': { member: 'security_group', make: () => h.group(asMember(P)) },
    };
    const collectionKey = (path: string) => path.replace('-', '_');

    for (const [path, { member, make }] of Object.entries(makers)) {
      it(`${path}: replaces, adds, checks, removes and clears tags, each change bumping revision_number`, async () => {
        const r = await make();
        assert.deepEqual(r.tags, []);
        const base = `/v2.0/${path}/${r.id}`;
        const rev = async () => (await h.ok('GET', base, undefined, asMember(P)))[member].revision_number as number;
        let last = await rev();
        const bumped = async (what: string) => {
          const now = await rev();
          assert.ok(now > last, `${what} bumps revision_number (${now} > ${last})`);
          last = now;
        };

        const put = await h.ok('PUT', `${base}/tags`, { tags: ['red', 'blue'] }, asMember(P));
        assert.deepEqual(sorted(put.tags), ['blue', 'red']);
        assert.deepEqual(sorted((await h.ok('GET', base, undefined, asMember(P)))[member].tags), ['blue', 'red']);
        await bumped('PUT /tags');

        const added = await h.status(201, 'PUT', `${base}/tags/green`, undefined, asMember(P));
        assert.ok(added.body === null || typeof added.body === 'object');
        await bumped('PUT /tags/green');
        assert.deepEqual(sorted((await h.ok('GET', `${base}/tags`, undefined, asMember(P))).tags), ['blue', 'green', 'red']);

        await h.status(204, 'GET', `${base}/tags/green`, undefined, asMember(P));
        await h.fails(404, 'TagNotFound', 'GET', `${base}/tags/purple`, undefined, asMember(P));

        // filters see the tags
        const col = collectionKey(path);
        const listed = async (q: string) => ids((await h.ok('GET', `/v2.0/${path}?${q}`, undefined, asMember(P)))[col]);
        assert.ok((await listed('tags=red,green')).includes(r.id));
        assert.ok(!(await listed('tags=red,purple')).includes(r.id));
        assert.ok((await listed('tags-any=purple,blue')).includes(r.id));
        assert.ok(!(await listed('not-tags=red')).includes(r.id));
        assert.ok((await listed('not-tags=red,purple')).includes(r.id));
        assert.ok(!(await listed('not-tags-any=purple,blue')).includes(r.id));

        await h.status(204, 'DELETE', `${base}/tags/red`, undefined, asMember(P));
        await bumped('DELETE /tags/red');
        await h.fails(404, 'TagNotFound', 'DELETE', `${base}/tags/red`, undefined, asMember(P));
        assert.deepEqual(sorted((await h.ok('GET', `${base}/tags`, undefined, asMember(P))).tags), ['blue', 'green']);

        const replaced = await h.ok('PUT', `${base}/tags`, { tags: ['only'] }, asMember(P));
        assert.deepEqual(replaced.tags, ['only']);
        assert.deepEqual((await h.ok('GET', `${base}/tags`, undefined, asMember(P))).tags, ['only']);
        await bumped('PUT /tags (replace)');

        await h.status(204, 'DELETE', `${base}/tags`, undefined, asMember(P));
        await bumped('DELETE /tags');
        assert.deepEqual((await h.ok('GET', `${base}/tags`, undefined, asMember(P))).tags, []);
        assert.deepEqual((await h.ok('GET', base, undefined, asMember(P)))[member].tags, []);
      });
    }

    it("leaves revision_number alone when PUT /tags/{tag} adds a tag already there, as Neutron's update_tag does", async () => {
      const n = await h.net(asMember(P));
      await h.status(201, 'PUT', `/v2.0/networks/${n.id}/tags/same`, undefined, asMember(P));
      const rev = (await h.ok('GET', `/v2.0/networks/${n.id}`, undefined, asMember(P))).network.revision_number;
      await h.status(201, 'PUT', `/v2.0/networks/${n.id}/tags/same`, undefined, asMember(P));
      const after = (await h.ok('GET', `/v2.0/networks/${n.id}`, undefined, asMember(P))).network;
      assert.deepEqual(after.tags, ['same']);
      assert.equal(after.revision_number, rev);
    });

    it('filters lists with tags (all), tags-any, not-tags and not-tags-any', async () => {
      const name = `tagged-${randomUUID().slice(0, 6)}`;
      const mk = async (tags: string[]) => {
        const n = await h.net(asMember(P), { name });
        if (tags.length) await h.ok('PUT', `/v2.0/networks/${n.id}/tags`, { tags }, asMember(P));
        return n.id as string;
      };
      const ab = await mk(['a', 'b']);
      const a = await mk(['a']);
      const bc = await mk(['b', 'c']);
      const none = await mk([]);
      const q = async (filter: string) => sorted(ids((await h.ok('GET', `/v2.0/networks?name=${name}&${filter}`, undefined, asMember(P))).networks));
      assert.deepEqual(await q('tags=a,b'), [ab]);
      assert.deepEqual(await q('tags=a&tags=b'), [ab]);
      assert.deepEqual(await q('tags=a'), sorted([ab, a]));
      assert.deepEqual(await q('tags-any=a,c'), sorted([ab, a, bc]));
      assert.deepEqual(await q('tags-any=c&tags-any=zzz'), [bc]);
      assert.deepEqual(await q('not-tags=a,b'), sorted([a, bc, none]));
      assert.deepEqual(await q('not-tags-any=a,b'), [none]);
      assert.deepEqual(await q('not-tags-any=c'), sorted([ab, a, none]));
      assert.deepEqual(await q('tags=zzz'), []);
      assert.deepEqual(await q('tags=a&not-tags=b'), [a]);
      assert.deepEqual(await q('tags-any=b&not-tags-any=c'), [ab]);
    });

    it('validates tags: too long, not a list, not strings → 400, and a refused request changes nothing', async () => {
      const n = await h.net(asMember(P));
      await h.ok('PUT', `/v2.0/networks/${n.id}/tags`, { tags: ['keep'] }, asMember(P));
      const long = 'x'.repeat(256);
      await h.status(400, 'PUT', `/v2.0/networks/${n.id}/tags`, { tags: ['ok', long] }, asMember(P));
      await h.status(400, 'PUT', `/v2.0/networks/${n.id}/tags`, { tags: 'keep' }, asMember(P));
      await h.status(400, 'PUT', `/v2.0/networks/${n.id}/tags`, { tags: [5] }, asMember(P));
      await h.status(400, 'PUT', `/v2.0/networks/${n.id}/tags`, {}, asMember(P));
      assert.deepEqual((await h.ok('GET', `/v2.0/networks/${n.id}/tags`, undefined, asMember(P))).tags, ['keep']);
      const r = await h.req('PUT', `/v2.0/networks/${n.id}/tags/${long}`, undefined, asMember(P));
      assert.equal(r.status, 400, `PUT /tags/<256 chars> → ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(typeof r.body?.NeutronError?.type, 'string', 'a NeutronError body');
      assert.deepEqual((await h.ok('GET', `/v2.0/networks/${n.id}/tags`, undefined, asMember(P))).tags, ['keep']);
    });

    it('takes a 255-character tag in the URL (PUT/GET/DELETE /tags/{tag})', async () => {
      const n = await h.net(asMember(P));
      const t = 'y'.repeat(255);
      await h.status(201, 'PUT', `/v2.0/networks/${n.id}/tags/${t}`, undefined, asMember(P));
      await h.status(204, 'GET', `/v2.0/networks/${n.id}/tags/${t}`, undefined, asMember(P));
      assert.deepEqual((await h.ok('GET', `/v2.0/networks/${n.id}/tags`, undefined, asMember(P))).tags, [t]);
      await h.status(204, 'DELETE', `/v2.0/networks/${n.id}/tags/${t}`, undefined, asMember(P));
    });

    it('names an invalid tag InvalidInput, as neutron/extensions/tagging.py does', async () => {
      const n = await h.net(asMember(P));
      await h.fails(400, 'InvalidInput', 'PUT', `/v2.0/networks/${n.id}/tags`, { tags: ['ok', 'x'.repeat(256)] }, asMember(P));
      await h.fails(400, 'InvalidInput', 'PUT', `/v2.0/networks/${n.id}/tags/${'x'.repeat(256)}`, undefined, asMember(P));
    });

    it('refuses a tag list with a tag twice (400), as validate_list_of_unique_strings does', async () => {
      const n = await h.net(asMember(P));
      await h.status(400, 'PUT', `/v2.0/networks/${n.id}/tags`, { tags: ['dup', 'dup'] }, asMember(P));
      assert.deepEqual((await h.ok('GET', `/v2.0/networks/${n.id}/tags`, undefined, asMember(P))).tags, []);
    });

    it("allows at most 50 tags on a resource (400 BadRequest), as Neutron's MAX_TAGS_COUNT does", async () => {
      const n = await h.net(asMember(P));
      await h.fails(400, 'BadRequest', 'PUT', `/v2.0/networks/${n.id}/tags`, { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, asMember(P));
      assert.deepEqual((await h.ok('GET', `/v2.0/networks/${n.id}/tags`, undefined, asMember(P))).tags, []);
      const fifty = Array.from({ length: 50 }, (_, i) => `t${i}`);
      await h.ok('PUT', `/v2.0/networks/${n.id}/tags`, { tags: fifty }, asMember(P));
      await h.fails(400, 'BadRequest', 'PUT', `/v2.0/networks/${n.id}/tags/t50`, undefined, asMember(P));
      assert.equal((await h.ok('GET', `/v2.0/networks/${n.id}/tags`, undefined, asMember(P))).tags.length, 50);
    });

    it('accepts a tag containing a comma, as Neutron does (validate_tag checks only string and length)', async () => {
      const n = await h.net(asMember(P));
      await h.status(201, 'PUT', `/v2.0/networks/${n.id}/tags/${encodeURIComponent('a,b')}`, undefined, asMember(P));
      await h.ok('PUT', `/v2.0/networks/${n.id}/tags`, { tags: ['c,d', 'e'] }, asMember(P));
      assert.deepEqual(sorted((await h.ok('GET', `/v2.0/networks/${n.id}/tags`, undefined, asMember(P))).tags), ['c,d', 'e']);
    });

    it('does not let another project see or change tags; an admin may', async () => {
      const n = await h.net(asMember(P));
      const g = await h.group(asMember(P));
      for (const base of [`/v2.0/networks/${n.id}`, `/v2.0/security-groups/${g.id}`]) {
        await h.ok('PUT', `${base}/tags`, { tags: ['secret'] }, asMember(P));
        const denied = async (method: string, path: string, body?: unknown) => {
          const r = await h.req(method, path, body, asMember(Q));
          assert.ok(r.status === 404 || r.status === 403, `${method} ${path} as another project → ${r.status} ${JSON.stringify(r.body)}`);
          assert.equal(typeof r.body?.NeutronError?.type, 'string');
          assert.ok(!JSON.stringify(r.body).includes('"tags"'), 'no tags leak');
        };
        await denied('GET', `${base}/tags`);
        await denied('GET', `${base}/tags/secret`);
        await denied('PUT', `${base}/tags`, { tags: ['theirs'] });
        await denied('PUT', `${base}/tags/theirs`);
        await denied('DELETE', `${base}/tags/secret`);
        await denied('DELETE', `${base}/tags`);
        await h.fails(403, 'PolicyNotAuthorized', 'PUT', `${base}/tags/read-only`, undefined, asReader(P));
        assert.deepEqual((await h.ok('GET', `${base}/tags`, undefined, asMember(P))).tags, ['secret'], 'unchanged');
        await h.status(201, 'PUT', `${base}/tags/by-admin`, undefined, ADMIN);
        assert.deepEqual(sorted((await h.ok('GET', `${base}/tags`, undefined, asMember(P))).tags), ['by-admin', 'secret']);
      }
      // and another project's filters never reveal them
      assert.deepEqual((await h.ok('GET', '/v2.0/networks?tags=secret', undefined, asMember(Q))).networks, []);
    });

    it('answers a tag request for an unknown resource with 404', async () => {
      await h.status(404, 'GET', `/v2.0/networks/${randomUUID()}/tags`, undefined, asMember(P));
      await h.status(404, 'PUT', `/v2.0/ports/${randomUUID()}/tags/x`, undefined, asMember(P));
    });
  });

  // ---------------------------------------------------------------------------------------
  describe(`collections: fields, sorting, paging, filters (${kind})`, () => {
    const h = useServer(kind);
    const P = project();
    const name = `page-${randomUUID().slice(0, 6)}`;
    let seven: string[] = []; // the 7 network ids in id order
    before(async () => {
      const made: string[] = [];
      for (let i = 0; i < 7; i++) made.push((await h.net(asMember(P), { name, admin_state_up: i % 2 === 0 })).id);
      seven = sorted(made);
    });
    const page = async (path: string) => {
      const body = await h.ok('GET', path, undefined, asMember(P));
      return { body, ids: ids(body.networks) };
    };

    it('returns only the asked fields, repeated or comma-separated', async () => {
      const one = (await h.ok('GET', `/v2.0/networks/${seven[0]}?fields=id&fields=name`, undefined, asMember(P))).network;
      assert.deepEqual(sorted(Object.keys(one)), ['id', 'name']);
      assert.equal(one.id, seven[0]);
      assert.equal(one.name, name);
      const list = (await h.ok('GET', `/v2.0/networks?name=${name}&fields=id&fields=admin_state_up`, undefined, asMember(P))).networks as Obj[];
      assert.equal(list.length, 7);
      for (const n of list) assert.deepEqual(sorted(Object.keys(n)), ['admin_state_up', 'id']);
      const comma = (await h.ok('GET', `/v2.0/networks?name=${name}&fields=id,name`, undefined, asMember(P))).networks as Obj[];
      assert.equal(comma.length, 7);
      for (const n of comma) assert.deepEqual(sorted(Object.keys(n)), ['id', 'name']);
      const sg = (await h.ok('GET', '/v2.0/security-groups?fields=name', undefined, asMember(P))).security_groups as Obj[];
      assert.deepEqual(sg, [{ name: 'default' }]);
    });

    it('empty-string-filtering: an empty value filters on the empty string, as Neutron with the extension', async () => {
      const Q = project();
      const blank = await h.net(asMember(Q), { name: '' });
      const named = await h.net(asMember(Q), { name: 'x', description: 'd' });
      const aliases = (await h.ok('GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      assert.ok(aliases.includes('empty-string-filtering'));
      assert.deepEqual(ids((await h.ok('GET', '/v2.0/networks?name=', undefined, asMember(Q))).networks), [blank.id]);
      assert.deepEqual(ids((await h.ok('GET', '/v2.0/networks?description=', undefined, asMember(Q))).networks), [blank.id]);
      assert.deepEqual(sorted(ids((await h.ok('GET', '/v2.0/networks?name=&name=x', undefined, asMember(Q))).networks)), sorted([blank.id, named.id]));
    });

    it('sorts by one or more keys in either direction', async () => {
      const tag = randomUUID().slice(0, 6);
      const a = await h.net(asMember(P), { name: `s-${tag}-a` });
      const b = await h.net(asMember(P), { name: `s-${tag}-b`, admin_state_up: false });
      const c = await h.net(asMember(P), { name: `s-${tag}-c` });
      const filter = `name=s-${tag}-a&name=s-${tag}-b&name=s-${tag}-c`;
      const order = async (q: string) => ids((await h.ok('GET', `/v2.0/networks?${filter}&${q}`, undefined, asMember(P))).networks);
      assert.deepEqual(await order('sort_key=name&sort_dir=asc'), [a.id, b.id, c.id]);
      assert.deepEqual(await order('sort_key=name&sort_dir=desc'), [c.id, b.id, a.id]);
      assert.deepEqual(await order('sort_key=admin_state_up&sort_dir=asc&sort_key=name&sort_dir=desc'), [b.id, c.id, a.id]);
      assert.deepEqual(await order('sort_key=admin_state_up&sort_dir=desc&sort_key=name&sort_dir=asc'), [a.id, c.id, b.id]);
      assert.deepEqual(await order('sort_key=id&sort_dir=desc'), sorted([a.id, b.id, c.id]).reverse());
    });

    it('refuses bad sorting with 400', async () => {
      await h.fails(400, 'HTTPBadRequest', 'GET', '/v2.0/networks?sort_key=bogus&sort_dir=asc', undefined, asMember(P));
      await h.fails(400, 'HTTPBadRequest', 'GET', '/v2.0/networks?sort_key=subnets&sort_dir=asc', undefined, asMember(P));
      await h.fails(400, 'HTTPBadRequest', 'GET', '/v2.0/networks?sort_key=name&sort_key=id&sort_dir=asc', undefined, asMember(P));
      await h.fails(400, 'HTTPBadRequest', 'GET', '/v2.0/networks?sort_dir=asc', undefined, asMember(P));
      await h.fails(400, 'HTTPBadRequest', 'GET', '/v2.0/networks?sort_key=name&sort_dir=up', undefined, asMember(P));
    });

    it("refuses a sort_key without its sort_dir, as Neutron's get_sorts does (400)", async () => {
      await h.fails(400, 'HTTPBadRequest', 'GET', '/v2.0/networks?sort_key=name', undefined, asMember(P));
    });

    it('pages 7 networks by 3 with next links to the end, and back with previous links', async () => {
      const base = `/v2.0/networks?name=${name}&limit=3`;
      const p1 = await page(base);
      assert.deepEqual(p1.ids, seven.slice(0, 3));
      const next1 = link(p1.body, 'networks', 'next');
      assert.ok(next1, 'page 1 has a next link');
      assert.equal(new URL(next1).searchParams.get('marker'), seven[2]);
      assert.equal(new URL(next1).searchParams.get('name'), name, 'filters carry over');
      assert.equal(new URL(next1).searchParams.get('limit'), '3');

      const p2 = await page(local(next1));
      assert.deepEqual(p2.ids, seven.slice(3, 6));
      const next2 = link(p2.body, 'networks', 'next');
      const prev2 = link(p2.body, 'networks', 'previous');
      assert.ok(next2 && prev2, 'page 2 has next and previous links');
      assert.equal(new URL(next2).searchParams.get('marker'), seven[5]);
      assert.equal(new URL(prev2).searchParams.get('marker'), seven[3]);
      assert.match(new URL(prev2).searchParams.get('page_reverse') ?? '', /^true$/i);

      const p3 = await page(local(next2));
      assert.deepEqual(p3.ids, seven.slice(6));
      assert.equal(link(p3.body, 'networks', 'next'), undefined, 'a short page is the last');
      const prev3 = link(p3.body, 'networks', 'previous');
      assert.ok(prev3, 'page 3 has a previous link');
      assert.equal(new URL(prev3).searchParams.get('marker'), seven[6]);

      const back2 = await page(local(prev3));
      assert.deepEqual(back2.ids, seven.slice(3, 6), 'previous pages come in ascending order');
      const prevBack2 = link(back2.body, 'networks', 'previous');
      assert.ok(prevBack2);
      const back1 = await page(local(prevBack2));
      assert.deepEqual(back1.ids, seven.slice(0, 3));

      // page_reverse by hand
      assert.deepEqual((await page(`${base}&marker=${seven[6]}&page_reverse=True`)).ids, seven.slice(3, 6));
      assert.deepEqual((await page(`${base}&marker=${seven[2]}&page_reverse=True`)).ids, seven.slice(0, 2));
      assert.deepEqual((await page(`${base}&page_reverse=True`)).ids, seven.slice(4), 'reverse without marker: the last page');
      // with an explicit sort
      const bySortDesc = await page(`${base}&sort_key=id&sort_dir=desc`);
      assert.deepEqual(bySortDesc.ids, [...seven].reverse().slice(0, 3));
      const nextDesc = link(bySortDesc.body, 'networks', 'next');
      assert.ok(nextDesc);
      assert.deepEqual((await page(local(nextDesc))).ids, [...seven].reverse().slice(3, 6));
      // limit=0 means no limit
      const all = await page(`/v2.0/networks?name=${name}&limit=0`);
      assert.deepEqual(all.ids, seven);
      assert.equal(all.body.networks_links, undefined);
    });

    it("gives the first page a previous link too, as Neutron's get_pagination_links does", async () => {
      const p1 = await page(`/v2.0/networks?name=${name}&limit=3`);
      const prev = link(p1.body, 'networks', 'previous');
      assert.ok(prev, `first page links: ${JSON.stringify(p1.body.networks_links)}`);
      assert.equal(new URL(prev).searchParams.get('marker'), seven[0]);
    });

    it('links an empty page as Neutron does: forward, previous without a marker (the last page); reversed, next keeping the marker', async () => {
      const end = await page(`/v2.0/networks?name=${name}&limit=7`);
      const after = await page(local(link(end.body, 'networks', 'next')!));
      assert.deepEqual(after.ids, []);
      assert.equal(link(after.body, 'networks', 'next'), undefined);
      const prev = link(after.body, 'networks', 'previous');
      assert.ok(prev, JSON.stringify(after.body));
      assert.equal(new URL(prev).searchParams.get('marker'), null);
      assert.deepEqual((await page(local(prev))).ids, seven, 'back from the end: the last page');
      const before = await page(`/v2.0/networks?name=${name}&limit=3&marker=${seven[0]}&page_reverse=True`);
      assert.deepEqual(before.ids, []);
      assert.equal(link(before.body, 'networks', 'previous'), undefined);
      assert.equal(new URL(link(before.body, 'networks', 'next')!).searchParams.get('marker'), seven[0]);
    });

    it('keeps paging with fields that leave out id (Neutron adds the primary key for the links)', async () => {
      const p1 = await h.ok('GET', `/v2.0/networks?name=${name}&limit=3&fields=name`, undefined, asMember(P));
      assert.equal(p1.networks.length, 3);
      for (const n of p1.networks) assert.deepEqual(Object.keys(n), ['name']);
      const next = link(p1, 'networks', 'next');
      assert.ok(next, `links: ${JSON.stringify(p1.networks_links)}`);
      assert.equal(new URL(next).searchParams.get('marker'), seven[2]);
    });

    it('refuses bad markers and limits', async () => {
      const unknown = await h.req('GET', `/v2.0/networks?limit=3&marker=${randomUUID()}`, undefined, asMember(P));
      assert.ok(unknown.status === 404 || unknown.status === 400, `unknown marker → ${unknown.status}`);
      assert.equal(typeof unknown.body?.NeutronError?.type, 'string');
      const garbage = await h.req('GET', '/v2.0/networks?limit=3&marker=abc', undefined, asMember(P));
      assert.ok(garbage.status === 404 || garbage.status === 400, `garbage marker → ${garbage.status}`);
      const other = await h.net(asMember(project()));
      const foreign = await h.req('GET', `/v2.0/networks?limit=3&marker=${other.id}`, undefined, asMember(P));
      assert.ok(foreign.status === 404 || foreign.status === 400, `another project's network as marker → ${foreign.status}`);
      assert.match((await h.status(400, 'GET', '/v2.0/networks?limit=abc', undefined, asMember(P))).body.NeutronError.message, /abc/);
      await h.status(400, 'GET', '/v2.0/networks?limit=-1', undefined, asMember(P));
    });

    it('names a bad limit BadRequest, as neutron/api/api_common.py does', async () => {
      await h.fails(400, 'BadRequest', 'GET', '/v2.0/networks?limit=abc', undefined, asMember(P));
    });

    it('filters with repeated values (OR), booleans, and refuses unknown filters', async () => {
      const [x, y, z] = seven;
      assert.deepEqual(sorted((await page(`/v2.0/networks?id=${x}&id=${y}`)).ids), sorted([x, y]));
      assert.deepEqual(sorted((await page(`/v2.0/networks?id=${x}&id=${y}&id=${z}&name=${name}`)).ids), sorted([x, y, z]));
      assert.deepEqual((await page(`/v2.0/networks?id=${x}&name=nope-${name}`)).ids, []);
      const down = (await h.ok('GET', `/v2.0/networks?name=${name}&admin_state_up=false`, undefined, asMember(P))).networks as Obj[];
      assert.equal(down.length, 3);
      assert.ok(down.every((n) => n.admin_state_up === false));
      const up = (await h.ok('GET', `/v2.0/networks?name=${name}&admin_state_up=True`, undefined, asMember(P))).networks as Obj[];
      assert.equal(up.length, 4);
      assert.ok(up.every((n) => n.admin_state_up === true));
      // shared: another project's shared network shows up for P with shared=true, P's own do not
      const shared = await h.net(asAdmin(project()), { shared: true, name: `shared-${name}` });
      const sharedIds = (await page(`/v2.0/networks?shared=true`)).ids;
      assert.ok(sharedIds.includes(shared.id));
      assert.ok(seven.every((id) => !sharedIds.includes(id)));
      const unshared = (await page(`/v2.0/networks?name=${name}&shared=false`)).ids;
      assert.deepEqual(sorted(unshared), seven);
      assert.match(await h.fails(400, 'HTTPBadRequest', 'GET', '/v2.0/networks?colour=blue', undefined, asMember(P)), /colour/);
      await h.fails(400, 'HTTPBadRequest', 'GET', '/v2.0/networks?admin_state_up=perhaps', undefined, asMember(P));
      await h.fails(400, 'HTTPBadRequest', 'GET', '/v2.0/subnets?colour=blue', undefined, asMember(P));
      await h.fails(400, 'HTTPBadRequest', 'GET', '/v2.0/ports?colour=blue', undefined, asMember(P));
      await h.fails(400, 'HTTPBadRequest', 'GET', '/v2.0/security-groups?colour=blue', undefined, asMember(P));
    });
  });

  // ---------------------------------------------------------------------------------------
  describe(`network-ip-availability (${kind})`, () => {
    const h = useServer(kind);
    const P = project();
    let n1: Obj;
    let n2: Obj;
    let v4: Obj;
    let v6: Obj;
    before(async () => {
      n1 = await h.net(asMember(P), { name: 'avail-1' });
      n2 = await h.net(asMember(P), { name: 'avail-2' }); // no subnets
      v4 = await h.subnet(asMember(P), n1.id, '10.90.0.0/24', {
        name: 'v4',
        allocation_pools: [
          { start: '10.90.0.10', end: '10.90.0.19' },
          { start: '10.90.0.100', end: '10.90.0.104' },
        ],
      });
      v6 = await h.subnet(asMember(P), n1.id, '2001:db8:90::/64', {
        name: 'v6',
        allocation_pools: [{ start: '2001:db8:90::10', end: '2001:db8:90::1f' }],
      });
      await h.port(asMember(P), n1.id, { fixed_ips: [{ subnet_id: v4.id }] });
      await h.port(asMember(P), n1.id, { fixed_ips: [{ subnet_id: v4.id }] });
      await h.port(asMember(P), n1.id, { fixed_ips: [{ subnet_id: v6.id }] });
      await h.port(asMember(P), n1.id, { fixed_ips: [] });
    });
    const subnetOf = (a: Obj, id: string) => (a.subnet_ip_availability as Obj[]).find((s) => s.subnet_id === id);

    it('shows totals from the pools and used addresses from the ports', async () => {
      const a = (await h.ok('GET', `/v2.0/network-ip-availabilities/${n1.id}`, undefined, ADMIN)).network_ip_availability;
      assert.equal(a.network_id, n1.id);
      assert.equal(a.network_name, 'avail-1');
      assert.equal(a.project_id, P);
      assert.equal(a.total_ips, 15 + 16);
      assert.equal(a.used_ips, 3);
      assert.equal(a.subnet_ip_availability.length, 2);
      assert.deepEqual(subnetOf(a, v4.id), { subnet_id: v4.id, subnet_name: 'v4', cidr: '10.90.0.0/24', ip_version: 4, total_ips: 15, used_ips: 2 });
      assert.deepEqual(subnetOf(a, v6.id), { subnet_id: v6.id, subnet_name: 'v6', cidr: '2001:db8:90::/64', ip_version: 6, total_ips: 16, used_ips: 1 });
      // a new port uses one more address; deleting it gives it back
      const p = await h.port(asMember(P), n1.id, { fixed_ips: [{ subnet_id: v4.id }] });
      assert.equal((await h.ok('GET', `/v2.0/network-ip-availabilities/${n1.id}`, undefined, ADMIN)).network_ip_availability.used_ips, 4);
      await h.status(204, 'DELETE', `/v2.0/ports/${p.id}`, undefined, asMember(P));
      assert.equal((await h.ok('GET', `/v2.0/network-ip-availabilities/${n1.id}`, undefined, ADMIN)).network_ip_availability.used_ips, 3);
    });

    it('lists every network for an admin, with filters network_id and ip_version', async () => {
      const all = (await h.ok('GET', '/v2.0/network-ip-availabilities', undefined, ADMIN)).network_ip_availabilities as Obj[];
      const byId = new Map(all.map((a) => [a.network_id, a]));
      assert.equal(byId.get(n1.id)?.total_ips, 31);
      const empty = byId.get(n2.id);
      assert.ok(empty, 'a network without subnets is listed too');
      assert.equal(empty.network_name, 'avail-2');
      assert.equal(empty.project_id, P);
      assert.equal(empty.total_ips, 0);
      assert.equal(empty.used_ips, 0);
      assert.deepEqual(empty.subnet_ip_availability, []);
      const one = (await h.ok('GET', `/v2.0/network-ip-availabilities?network_id=${n1.id}`, undefined, ADMIN)).network_ip_availabilities as Obj[];
      assert.deepEqual(
        one.map((a) => a.network_id),
        [n1.id],
      );
      const two = (await h.ok('GET', `/v2.0/network-ip-availabilities?network_id=${n1.id}&network_id=${n2.id}`, undefined, ADMIN)).network_ip_availabilities as Obj[];
      assert.deepEqual(sorted(two.map((a) => a.network_id)), sorted([n1.id, n2.id]));
      const six = (await h.ok('GET', '/v2.0/network-ip-availabilities?ip_version=6', undefined, ADMIN)).network_ip_availabilities as Obj[];
      const n1six = six.find((a) => a.network_id === n1.id);
      assert.ok(n1six, 'n1 has an IPv6 subnet');
      assert.deepEqual(
        n1six.subnet_ip_availability.map((s: Obj) => s.subnet_id),
        [v6.id],
      );
      assert.equal(n1six.total_ips, 16);
      assert.equal(n1six.used_ips, 1);
      assert.ok(!six.some((a) => a.network_id === n2.id), 'a network without IPv6 subnets is left out');
      const four = (await h.ok('GET', `/v2.0/network-ip-availabilities?ip_version=4&network_id=${n1.id}`, undefined, ADMIN)).network_ip_availabilities as Obj[];
      assert.equal(four.length, 1);
      assert.deepEqual(
        four[0].subnet_ip_availability.map((s: Obj) => s.subnet_id),
        [v4.id],
      );
      assert.equal(four[0].used_ips, 2);
      const byProject = (await h.ok('GET', `/v2.0/network-ip-availabilities?project_id=${P}`, undefined, ADMIN)).network_ip_availabilities as Obj[];
      assert.deepEqual(sorted(byProject.map((a) => a.network_id)), sorted([n1.id, n2.id]));
    });

    it('answers an unknown network with 404 NetworkNotFound', async () => {
      await h.fails(404, 'NetworkNotFound', 'GET', `/v2.0/network-ip-availabilities/${randomUUID()}`, undefined, ADMIN);
    });

    it("gives a non-admin nothing: an empty list and 404 on show, as Neutron's policy hook does", async () => {
      const list = await h.status(200, 'GET', '/v2.0/network-ip-availabilities', undefined, asMember(P));
      assert.deepEqual(list.body, { network_ip_availabilities: [] });
      await h.status(404, 'GET', `/v2.0/network-ip-availabilities/${n1.id}`, undefined, asMember(P));
    });

    it('never gives a non-admin the availability of a network', async () => {
      for (const path of ['/v2.0/network-ip-availabilities', `/v2.0/network-ip-availabilities/${n1.id}`]) {
        const r = await h.req('GET', path, undefined, asMember(P));
        const text = JSON.stringify(r.body);
        assert.ok(!text.includes('total_ips') && !text.includes('used_ips'), `${path} → ${r.status} ${text}`);
        assert.ok([200, 403, 404].includes(r.status), `${path} → ${r.status}`);
      }
    });

    it("counts big IPv6 pools exactly, as Neutron's integers do", async () => {
      const n = await h.net(asMember(P));
      // 2^64 - 16 addresses: beyond what a JSON double holds exactly
      await h.subnet(asMember(P), n.id, '2001:db8:91::/64', { allocation_pools: [{ start: '2001:db8:91::10', end: '2001:db8:91:0:ffff:ffff:ffff:ffff' }] });
      const raw = await h.server().rawReq('GET', `/v2.0/network-ip-availabilities/${n.id}`, ADMIN);
      assert.equal(raw.status, 200, raw.body);
      assert.match(raw.body, /"total_ips":\s*18446744073709551600[,}]/, raw.body);
    });
  });

  // ---------------------------------------------------------------------------------------
  describe(`discovery and .json (${kind})`, () => {
    const h = useServer(kind);

    it('GET / lists v2.0 as CURRENT with a self link', async () => {
      const body = await h.ok('GET', '/');
      assert.ok(Array.isArray(body.versions));
      const v = (body.versions as Obj[]).find((x) => x.id === 'v2.0');
      assert.ok(v, JSON.stringify(body));
      assert.equal(v.status, 'CURRENT');
      const self = (v.links as Obj[]).find((l) => l.rel === 'self');
      assert.ok(self, JSON.stringify(v));
      assert.match(self.href, /^https?:\/\/[^/]+\/v2\.0\/?$/);
    });

    it('GET /v2.0 lists the core resources with self links', async () => {
      const body = await h.ok('GET', '/v2.0');
      const res = body.resources as Obj[];
      const names = res.map((r) => r.name);
      for (const n of ['network', 'subnet', 'port']) assert.ok(names.includes(n), `${n} in ${names}`);
      const netRes = res.find((r) => r.name === 'network')!;
      assert.equal(netRes.collection, 'networks');
      assert.match(netRes.links.find((l: Obj) => l.rel === 'self').href, /\/v2\.0\/networks$/);
    });

    it('GET /v2.0/extensions lists exactly the built extensions', async () => {
      const body = await h.ok('GET', '/v2.0/extensions');
      const aliases = (body.extensions as Obj[]).map((e) => e.alias);
      // tag-ports-during-bulk-creation and dns-integration come with their extension drivers, not in the default [ml2] extension_drivers
      const byDefault = [...EXTENSIONS, ...SUBNETPOOL_EXTENSIONS, ...SEGMENT_EXTENSIONS].map((e) => e.alias).filter((a) => a !== 'tag-ports-during-bulk-creation' && a !== 'dns-integration');
      assert.deepEqual(sorted(aliases), sorted(byDefault));
      assert.equal(new Set(aliases).size, aliases.length, 'no alias twice');
      for (const a of ['security-group', 'quotas', 'quota_details', 'standard-attr-tag', 'network-ip-availability', 'pagination', 'sorting', 'filter-validation']) {
        assert.ok(aliases.includes(a), `${a} is listed`);
      }
      for (const e of body.extensions as Obj[]) {
        assert.equal(typeof e.name, 'string');
        assert.equal(typeof e.description, 'string');
        assert.equal(typeof e.updated, 'string');
        assert.deepEqual(e.links, []);
      }
    });

    it('GET /v2.0/extensions/{alias} shows one, 404 for an unknown alias', async () => {
      const e = (await h.ok('GET', '/v2.0/extensions/security-group')).extension;
      assert.equal(e.alias, 'security-group');
      assert.equal(typeof e.name, 'string');
      await h.fails(404, 'HTTPNotFound', 'GET', '/v2.0/extensions/nope');
    });

    it('accepts the .json suffix on collections, members and discovery', async () => {
      const P = project();
      const created = (await h.ok('POST', '/v2.0/networks.json', { network: { name: 'json' } }, asMember(P))).network;
      assert.equal(created.name, 'json');
      const list = (await h.ok('GET', '/v2.0/networks.json', undefined, asMember(P))).networks as Obj[];
      assert.deepEqual(ids(list), [created.id]);
      const filtered = (await h.ok('GET', '/v2.0/networks.json?name=json&fields=id', undefined, asMember(P))).networks;
      assert.deepEqual(filtered, [{ id: created.id }]);
      assert.equal((await h.ok('GET', `/v2.0/networks/${created.id}.json`, undefined, asMember(P))).network.id, created.id);
      const u = (await h.ok('PUT', `/v2.0/networks/${created.id}.json`, { network: { name: 'json2' } }, asMember(P))).network;
      assert.equal(u.name, 'json2');
      assert.ok(Array.isArray((await h.ok('GET', '/v2.0/extensions.json')).extensions));
      assert.ok(Array.isArray((await h.ok('GET', '/v2.0/security-groups.json', undefined, asMember(P))).security_groups));
      await h.status(204, 'DELETE', `/v2.0/networks/${created.id}.json`, undefined, asMember(P));
      await h.fails(404, 'NetworkNotFound', 'GET', `/v2.0/networks/${created.id}.json`, undefined, asMember(P));
    });
  });
}
