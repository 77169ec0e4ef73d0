// qos on SQLite (api tier) and PostgreSQL (integration tier): policies, the three rule kinds
// under a policy and by alias, the rule types of the loaded drivers (and their details), one
// default policy per project that new networks take, qos_policy_id on ports and networks,
// Neutron's errors and policy (members read, admins write), the policy in the device details.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asAdmin, asMember, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';

type Obj = Record<string, any>;
const ADMIN = asAdmin('qos-project');
const MEMBER = asMember('qos-project');
const OTHER = asMember('qos-other');

export function qosSuite(kind: DbKind): void {
  describe(`qos (${kind})`, () => {
    let s: TestServer;
    const ok = async (method: string, path: string, body?: unknown, as = ADMIN): Promise<Obj> => {
      const r = await s.req(method, path, body, as);
      assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const fails = async (status: number, type: string, method: string, path: string, body?: unknown, as = ADMIN) => {
      const r = await s.req(method, path, body, as);
      assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.NeutronError.type, type, JSON.stringify(r.body));
      return r.body.NeutronError.message as string;
    };

    before(async () => {
      s = await startTestServer(kind, { config: { DEFAULT: { service_plugins: 'router,qos' }, ml2: { extension_drivers: 'port_security,qos', mechanism_drivers: 'linuxbridge,openvswitch' } } });
    });
    after(async () => {
      await s?.close();
    });

    it('lists the qos aliases; qos-fip is not claimed', async () => {
      const aliases = (await ok('GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      for (const a of ['qos', 'qos-bw-limit-direction', 'qos-default', 'qos-rules-alias', 'qos-rule-type-details']) assert.ok(aliases.includes(a), a);
      assert.ok(!aliases.includes('qos-fip'));
    });

    it('rule types: what the linuxbridge agents enforce; openvswitch claims none; details name the parameters', async () => {
      const types = (await ok('GET', '/v2.0/qos/rule-types')).rule_types.map((t: Obj) => t.type);
      assert.deepEqual(types, ['bandwidth_limit', 'dscp_marking']);
      const bw = (await ok('GET', '/v2.0/qos/rule-types/bandwidth_limit')).rule_type;
      assert.deepEqual(
        bw.drivers.map((d: Obj) => d.name),
        ['linuxbridge'],
      );
      assert.deepEqual(
        bw.drivers[0].supported_parameters.map((p: Obj) => p.parameter_name),
        ['max_kbps', 'max_burst_kbps', 'direction'],
      );
      assert.equal((await s.req('GET', '/v2.0/qos/rule-types/minimum_bandwidth', undefined, ADMIN)).status, 404);
      await fails(403, 'PolicyNotAuthorized', 'GET', '/v2.0/qos/rule-types', undefined, MEMBER);
    });

    it('policies: admins make them, members of the project read them, others do not see them unless shared', async () => {
      await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/qos/policies', { policy: { name: 'p' } }, MEMBER);
      const p = (await ok('POST', '/v2.0/qos/policies', { policy: { name: 'gold', description: 'd' } })).policy;
      assert.equal(p.shared, false);
      assert.equal(p.is_default, false);
      assert.deepEqual(p.rules, []);
      assert.equal(p.project_id, 'qos-project');
      assert.equal((await ok('GET', `/v2.0/qos/policies/${p.id}`, undefined, MEMBER)).policy.name, 'gold');
      await fails(404, 'QosPolicyNotFound', 'GET', `/v2.0/qos/policies/${p.id}`, undefined, OTHER);
      await ok('PUT', `/v2.0/qos/policies/${p.id}`, { policy: { shared: true } });
      assert.equal((await ok('GET', `/v2.0/qos/policies/${p.id}`, undefined, OTHER)).policy.shared, true);
      await fails(403, 'PolicyNotAuthorized', 'PUT', `/v2.0/qos/policies/${p.id}`, { policy: { name: 'x' } }, OTHER);
      assert.ok((await ok('GET', '/v2.0/qos/policies?name=gold')).policies.some((x: Obj) => x.id === p.id));
      await ok('DELETE', `/v2.0/qos/policies/${p.id}`);
      await fails(404, 'QosPolicyNotFound', 'GET', `/v2.0/qos/policies/${p.id}`);
    });

    it('rules: bandwidth limits per direction, DSCP marks from the valid set, minimum bandwidth; shown in the policy', async () => {
      const p = (await ok('POST', '/v2.0/qos/policies', { policy: { name: 'rules' } })).policy;
      const base = `/v2.0/qos/policies/${p.id}`;
      const eg = (await ok('POST', `${base}/bandwidth_limit_rules`, { bandwidth_limit_rule: { max_kbps: 10000, max_burst_kbps: 1000 } })).bandwidth_limit_rule;
      assert.equal(eg.direction, 'egress');
      assert.equal(eg.max_kbps, 10000);
      await fails(409, 'NeutronDbObjectDuplicateEntry', 'POST', `${base}/bandwidth_limit_rules`, { bandwidth_limit_rule: { max_kbps: 5 } });
      const ing = (await ok('POST', `${base}/bandwidth_limit_rules`, { bandwidth_limit_rule: { max_kbps: 20000, direction: 'ingress' } })).bandwidth_limit_rule;
      assert.equal(ing.max_burst_kbps, 0);
      const msg = await fails(400, 'HTTPBadRequest', 'POST', `${base}/dscp_marking_rules`, { dscp_marking_rule: { dscp_mark: 9 } });
      assert.match(msg, /dscp_mark/);
      await fails(400, 'HTTPBadRequest', 'POST', `${base}/bandwidth_limit_rules`, { bandwidth_limit_rule: { max_kbps: 1, direction: 'sideways' } });
      const dscp = (await ok('POST', `${base}/dscp_marking_rules`, { dscp_marking_rule: { dscp_mark: 26 } })).dscp_marking_rule;
      const min = (await ok('POST', `${base}/minimum_bandwidth_rules`, { minimum_bandwidth_rule: { min_kbps: 1000 } })).minimum_bandwidth_rule;
      assert.equal(min.direction, 'egress');
      const shown = (await ok('GET', base)).policy;
      assert.equal(shown.rules.length, 4);
      assert.ok(shown.revision_number >= 4, 'each rule change is a change of the policy');
      assert.deepEqual(shown.rules.map((r: Obj) => r.type).sort(), ['bandwidth_limit', 'bandwidth_limit', 'dscp_marking', 'minimum_bandwidth']);
      assert.equal((await ok('GET', `${base}/bandwidth_limit_rules`)).bandwidth_limit_rules.length, 2);
      assert.equal((await ok('PUT', `${base}/bandwidth_limit_rules/${eg.id}`, { bandwidth_limit_rule: { max_kbps: 8000 } })).bandwidth_limit_rule.max_kbps, 8000);
      await fails(409, 'NeutronDbObjectDuplicateEntry', 'PUT', `${base}/bandwidth_limit_rules/${eg.id}`, { bandwidth_limit_rule: { direction: 'ingress' } });
      // qos-rules-alias
      assert.equal((await ok('GET', `/v2.0/qos/alias_dscp_marking_rules/${dscp.id}`)).dscp_marking_rule.dscp_mark, 26);
      await ok('PUT', `/v2.0/qos/alias_bandwidth_limit_rules/${ing.id}`, { bandwidth_limit_rule: { max_kbps: 30000 } });
      assert.equal((await ok('GET', `${base}/bandwidth_limit_rules/${ing.id}`)).bandwidth_limit_rule.max_kbps, 30000);
      await ok('DELETE', `/v2.0/qos/alias_minimum_bandwidth_rules/${min.id}`);
      await fails(404, 'QosRuleNotFound', 'GET', `${base}/minimum_bandwidth_rules/${min.id}`);
      await fails(404, 'QosRuleNotFound', 'GET', `/v2.0/qos/alias_minimum_bandwidth_rules/${min.id}`);
      await fails(403, 'PolicyNotAuthorized', 'POST', `${base}/dscp_marking_rules`, { dscp_marking_rule: { dscp_mark: 8 } }, MEMBER);
      assert.equal((await ok('GET', `${base}/dscp_marking_rules`, undefined, MEMBER)).dscp_marking_rules.length, 1);
    });

    it('qos_policy_id on ports and networks; a policy in use is not deleted; the default policy goes to new networks', async () => {
      const p = (await ok('POST', '/v2.0/qos/policies', { policy: { name: 'bound' } })).policy;
      const net = (await ok('POST', '/v2.0/networks', { network: { name: 'qos-net', qos_policy_id: p.id } })).network;
      assert.equal(net.qos_policy_id, p.id);
      await ok('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.71.0.0/24', ip_version: 4 } });
      const port = (await ok('POST', '/v2.0/ports', { port: { network_id: net.id, qos_policy_id: p.id } })).port;
      assert.equal(port.qos_policy_id, p.id);
      const plain = (await ok('POST', '/v2.0/ports', { port: { network_id: net.id } })).port;
      assert.equal(plain.qos_policy_id, null);
      assert.deepEqual(
        (await ok('GET', `/v2.0/ports?qos_policy_id=${p.id}`)).ports.map((x: Obj) => x.id),
        [port.id],
      );
      await fails(404, 'QosPolicyNotFound', 'PUT', `/v2.0/ports/${plain.id}`, { port: { qos_policy_id: '00000000-0000-4000-8000-000000000000' } });
      assert.match(await fails(409, 'QosPolicyInUse', 'DELETE', `/v2.0/qos/policies/${p.id}`), /is used by port/);
      await ok('PUT', `/v2.0/ports/${port.id}`, { port: { qos_policy_id: null } });
      assert.match(await fails(409, 'QosPolicyInUse', 'DELETE', `/v2.0/qos/policies/${p.id}`), /is used by network/);
      assert.equal((await ok('PUT', `/v2.0/networks/${net.id}`, { network: { qos_policy_id: null } })).network.qos_policy_id, null);
      await ok('DELETE', `/v2.0/qos/policies/${p.id}`);
      // qos-default
      const d = (await ok('POST', '/v2.0/qos/policies', { policy: { name: 'default', is_default: true } })).policy;
      await fails(409, 'QoSPolicyDefaultAlreadyExists', 'POST', '/v2.0/qos/policies', { policy: { name: 'second', is_default: true } });
      const n2 = (await ok('POST', '/v2.0/networks', { network: { name: 'takes-default' } })).network;
      assert.equal(n2.qos_policy_id, d.id);
      await ok('PUT', `/v2.0/qos/policies/${d.id}`, { policy: { is_default: false } });
      assert.equal((await ok('POST', '/v2.0/networks', { network: { name: 'no-default' } })).network.qos_policy_id, null);
      await ok('PUT', `/v2.0/networks/${n2.id}`, { network: { qos_policy_id: null } });
      await ok('DELETE', `/v2.0/qos/policies/${d.id}`);
    });

    it('a server without [ml2] extension_drivers qos refuses to load the qos plugin', async () => {
      await assert.rejects(startTestServer(kind, { config: { DEFAULT: { service_plugins: 'qos' }, ml2: { extension_drivers: 'port_security' } } }), /extension_drivers does not/);
    });
  });
}
