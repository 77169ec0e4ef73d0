// FWaaS v2 (fwaas_v2): firewall rules, policies (insert_rule / remove_rule, audited), groups
// (ports, statuses, the default group), sharing and neutron-fwaas's errors and policies, and the
// L3 agents' RPC, run on SQLite (api tier) and PostgreSQL (integration tier) against the real
// server and database. Expectations are neutron-fwaas's (firewall_db_v2, neutron-lib's
// definitions and exceptions, neutron_fwaas/policies).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Config } from '../../src/config/config.js';
import { FIREWALL_PLUGIN, type FwaasRouterGroups } from '../../src/contract/fwaas.js';
import { asAdmin, asMember, startTestServer, type DbKind, type Reply, type TestServer } from '../helpers/server.js';

type Headers = Record<string, string>;
type Obj = Record<string, any>;

const FW = '/v2.0/fwaas';
const project = (label: string) => `${label}-${randomUUID()}`;
const ADMIN = asAdmin('admin-project');

export function fwaasSuite(kind: DbKind): void {
  describe(`FWaaS v2 (${kind})`, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(kind, { config: { DEFAULT: { service_plugins: 'router,firewall_v2' } } });
    });
    after(async () => {
      await s?.close();
    });

    const show = (r: Reply) => `${r.status} ${JSON.stringify(r.body)}`;
    const ok = async (method: string, path: string, body?: unknown, headers: Headers = ADMIN): Promise<Obj> => {
      const r = await s.req(method, path, body, headers);
      assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} ${JSON.stringify(body)} → ${show(r)}`);
      return r.body as Obj;
    };
    const fails = async (code: number, type: string, method: string, path: string, body?: unknown, headers: Headers = ADMIN): Promise<string> => {
      const r = await s.req(method, path, body, headers);
      assert.equal(r.status, code, `${method} ${path} ${JSON.stringify(body)} → ${show(r)}`);
      assert.equal(r.body?.NeutronError?.type, type, `${method} ${path} → ${show(r)}`);
      return r.body.NeutronError.message as string;
    };
    const fwRule = async (body: Obj, h: Headers = ADMIN): Promise<Obj> => (await ok('POST', `${FW}/firewall_rules`, { firewall_rule: body }, h)).firewall_rule;
    const fwPolicy = async (body: Obj, h: Headers = ADMIN): Promise<Obj> =>
      (await ok('POST', `${FW}/firewall_policies`, { firewall_policy: { name: `p-${randomUUID().slice(0, 6)}`, ...body } }, h)).firewall_policy;
    const fwGroup = async (body: Obj, h: Headers = ADMIN): Promise<Obj> =>
      (await ok('POST', `${FW}/firewall_groups`, { firewall_group: { name: `g-${randomUUID().slice(0, 6)}`, ...body } }, h)).firewall_group;
    const policyOf = async (id: string, h: Headers = ADMIN): Promise<Obj> => (await ok('GET', `${FW}/firewall_policies/${id}`, undefined, h)).firewall_policy;

    /** A router with an interface on a new subnet of the project's: the interface port's id. */
    const routerPort = async (h: Headers, cidr = `10.${Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.0/24`): Promise<{ routerId: string; portId: string; networkId: string }> => {
      const net = (await ok('POST', '/v2.0/networks', { network: { name: 'fw-net' } }, h)).network;
      const sub = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr } }, h)).subnet;
      const router = (await ok('POST', '/v2.0/routers', { router: { name: 'fw-router' } }, h)).router;
      const iface = await ok('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id }, h);
      return { routerId: router.id, portId: iface.port_id, networkId: net.id };
    };

    it('lists fwaas_v2 at /v2.0/extensions, and not without the plugin', async () => {
      const aliases = (await ok('GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      assert.ok(aliases.includes('fwaas_v2'), aliases.join(','));
      const bare = await startTestServer(kind, { config: { DEFAULT: { service_plugins: 'router' } } });
      try {
        const r = await bare.req('GET', '/v2.0/extensions', undefined, ADMIN);
        assert.ok(!r.body.extensions.some((e: Obj) => e.alias === 'fwaas_v2'));
        assert.equal((await bare.req('GET', `${FW}/firewall_groups`, undefined, ADMIN)).status, 404);
      } finally {
        await bare.close();
      }
    });

    it('refuses [fwaas] auto_associate_default_firewall_group = true at start, naming why', () => {
      assert.throws(
        () => Config.load([], { fwaas: { auto_associate_default_firewall_group: 'true' } }).validate(),
        /auto_associate_default_firewall_group = true: instance ports would need the L2 agent's fwaas_v2 extension/,
      );
      assert.equal(Config.load([], { fwaas: { auto_associate_default_firewall_group: 'false' } }).bool('fwaas', 'auto_associate_default_firewall_group'), false);
    });

    it('rules: defaults, normalised values, validation errors as neutron-fwaas', async () => {
      const A = asMember(project('a'));
      const r = await fwRule({}, A);
      assert.deepEqual(
        { action: r.action, enabled: r.enabled, ip_version: r.ip_version, protocol: r.protocol, shared: r.shared, name: r.name, firewall_policy_id: r.firewall_policy_id, source_port: r.source_port },
        { action: 'deny', enabled: true, ip_version: 4, protocol: null, shared: false, name: '', firewall_policy_id: null, source_port: null },
      );
      const t = await fwRule({ protocol: 'TCP', destination_port: '22:22', action: 'ALLOW', source_ip_address: '192.0.2.0/24' }, A);
      assert.equal(t.protocol, 'tcp');
      assert.equal(t.destination_port, '22');
      assert.equal(t.action, 'allow');
      assert.equal((await fwRule({ protocol: 'udp', destination_port: 5000 }, A)).destination_port, '5000');
      assert.equal((await fwRule({ protocol: 6 }, A)).protocol, '6');
      await fails(400, 'FirewallRuleWithPortWithoutProtocolInvalid', 'POST', `${FW}/firewall_rules`, { firewall_rule: { destination_port: '80' } }, A);
      await fails(400, 'FirewallRuleInvalidICMPParameter', 'POST', `${FW}/firewall_rules`, { firewall_rule: { protocol: 'icmp', destination_port: '80' } }, A);
      await fails(400, 'FirewallIpAddressConflict', 'POST', `${FW}/firewall_rules`, { firewall_rule: { ip_version: 6, source_ip_address: '10.0.0.1' } }, A);
      await fails(400, 'FirewallRuleInvalidPortValue', 'POST', `${FW}/firewall_rules`, { firewall_rule: { protocol: 'tcp', destination_port: '90:80' } }, A);
      const bad = await fails(400, 'HTTPBadRequest', 'POST', `${FW}/firewall_rules`, { firewall_rule: { protocol: 'gre' } }, A);
      assert.match(bad, /protocol/);
      assert.match(await fails(400, 'HTTPBadRequest', 'POST', `${FW}/firewall_rules`, { firewall_rule: { action: 'drop' } }, A), /action/);
      assert.match(await fails(400, 'HTTPBadRequest', 'POST', `${FW}/firewall_rules`, { firewall_rule: { destination_port: '1:2:3', protocol: 'tcp' } }, A), /destination_port/);
      assert.match(await fails(400, 'InvalidInput', 'POST', `${FW}/firewall_rules`, { firewall_rule: { source_firewall_group_id: randomUUID() } }, A), /source_firewall_group_id is not supported/);
      // an update is checked on the rule as it will be
      await fails(400, 'FirewallRuleWithPortWithoutProtocolInvalid', 'PUT', `${FW}/firewall_rules/${t.id}`, { firewall_rule: { protocol: null } }, A);
      assert.equal((await ok('PUT', `${FW}/firewall_rules/${t.id}`, { firewall_rule: { destination_port: '2222' } }, A)).firewall_rule.destination_port, '2222');
      // another project sees none of them
      await fails(404, 'FirewallRuleNotFound', 'GET', `${FW}/firewall_rules/${t.id}`, undefined, asMember(project('b')));
      assert.ok((await ok('GET', `${FW}/firewall_rules?protocol=tcp`, undefined, A)).firewall_rules.every((x: Obj) => x.protocol === 'tcp'));
    });

    it('policies: ordered rules, insert_rule (top, before, after) and remove_rule, audited cleared by changes', async () => {
      const h = asMember(project('p'));
      const [r1, r2, r3, r4] = [await fwRule({ name: 'r1' }, h), await fwRule({ name: 'r2' }, h), await fwRule({ name: 'r3' }, h), await fwRule({ name: 'r4' }, h)];
      const p = await fwPolicy({ firewall_rules: [r1.id, r2.id], audited: true }, h);
      assert.deepEqual(p.firewall_rules, [r1.id, r2.id]);
      assert.equal(p.audited, true);
      assert.deepEqual((await ok('GET', `${FW}/firewall_rules/${r1.id}`, undefined, h)).firewall_rule.firewall_policy_id, [p.id]);
      // insert at the top (no reference), before r2, after r2
      let got = await ok('PUT', `${FW}/firewall_policies/${p.id}/insert_rule`, { firewall_rule_id: r3.id }, h);
      assert.deepEqual(got.firewall_rules, [r3.id, r1.id, r2.id]);
      assert.equal(got.audited, false);
      got = await ok('PUT', `${FW}/firewall_policies/${p.id}/insert_rule`, { firewall_rule_id: r4.id, insert_after: r1.id }, h);
      assert.deepEqual(got.firewall_rules, [r3.id, r1.id, r4.id, r2.id]);
      await fails(409, 'FirewallRuleAlreadyAssociated', 'PUT', `${FW}/firewall_policies/${p.id}/insert_rule`, { firewall_rule_id: r4.id }, h);
      got = await ok('PUT', `${FW}/firewall_policies/${p.id}/remove_rule`, { firewall_rule_id: r4.id }, h);
      assert.deepEqual(got.firewall_rules, [r3.id, r1.id, r2.id]);
      got = await ok('PUT', `${FW}/firewall_policies/${p.id}/insert_rule`, { firewall_rule_id: r4.id, insert_before: r2.id, insert_after: r3.id }, h);
      assert.deepEqual(got.firewall_rules, [r3.id, r1.id, r4.id, r2.id], 'insert_before wins over insert_after');
      await fails(400, 'FirewallRuleNotAssociatedWithPolicy', 'PUT', `${FW}/firewall_policies/${p.id}/remove_rule`, { firewall_rule_id: (await fwRule({}, h)).id }, h);
      await fails(400, 'FirewallRuleInfoMissing', 'PUT', `${FW}/firewall_policies/${p.id}/insert_rule`, {}, h);
      await fails(404, 'FirewallRuleNotFound', 'PUT', `${FW}/firewall_policies/${p.id}/insert_rule`, { firewall_rule_id: randomUUID() }, h);
      // audited: set alone it sticks; any other change clears it; a rule change clears its policies'
      assert.equal((await ok('PUT', `${FW}/firewall_policies/${p.id}`, { firewall_policy: { audited: true } }, h)).firewall_policy.audited, true);
      assert.equal((await ok('PUT', `${FW}/firewall_policies/${p.id}`, { firewall_policy: { description: 'x' } }, h)).firewall_policy.audited, false);
      await ok('PUT', `${FW}/firewall_policies/${p.id}`, { firewall_policy: { audited: true } }, h);
      await ok('PUT', `${FW}/firewall_rules/${r1.id}`, { firewall_rule: { name: 'r1b' } }, h);
      assert.equal((await policyOf(p.id, h)).audited, false);
      // a rule in a policy stays; the policy filter finds its holders
      await fails(409, 'FirewallRuleInUse', 'DELETE', `${FW}/firewall_rules/${r1.id}`, undefined, h);
      assert.deepEqual(
        (await ok('GET', `${FW}/firewall_policies?firewall_rules=${r4.id}`, undefined, h)).firewall_policies.map((x: Obj) => x.id),
        [p.id],
      );
      // replacing the list
      assert.deepEqual((await ok('PUT', `${FW}/firewall_policies/${p.id}`, { firewall_policy: { firewall_rules: [r2.id] } }, h)).firewall_policy.firewall_rules, [r2.id]);
      await ok('DELETE', `${FW}/firewall_rules/${r1.id}`, undefined, h);
      await fails(409, 'FirewallDefaultParameterExists', 'POST', `${FW}/firewall_policies`, { firewall_policy: { name: 'default ingress' } }, h);
    });

    it('sharing: only an admin shares; a shared policy holds shared rules; other projects use it, never change it', async () => {
      const owner = asMember(project('owner'));
      const other = asMember(project('other'));
      const r = await fwRule({ name: 'ssh', protocol: 'tcp', destination_port: '22', action: 'allow' }, owner);
      await fails(403, 'PolicyNotAuthorized', 'POST', `${FW}/firewall_rules`, { firewall_rule: { shared: true } }, owner);
      await fails(403, 'PolicyNotAuthorized', 'POST', `${FW}/firewall_policies`, { firewall_policy: { name: 'x', shared: true } }, owner);
      const p = await fwPolicy({ firewall_rules: [r.id] }, owner);
      // sharing the policy before its rule
      await fails(409, 'FirewallPolicySharingConflict', 'PUT', `${FW}/firewall_policies/${p.id}`, { firewall_policy: { shared: true } });
      await ok('PUT', `${FW}/firewall_rules/${r.id}`, { firewall_rule: { shared: true } });
      await ok('PUT', `${FW}/firewall_policies/${p.id}`, { firewall_policy: { shared: true } });
      const unshared = await fwRule({}, owner);
      await fails(404, 'FirewallRuleSharingConflict', 'PUT', `${FW}/firewall_policies/${p.id}/insert_rule`, { firewall_rule_id: unshared.id }, owner);
      // another project sees it and may use it
      assert.equal((await policyOf(p.id, other)).shared, true);
      const g = await fwGroup({ ingress_firewall_policy_id: p.id }, other);
      assert.equal(g.ingress_firewall_policy_id, p.id);
      // … but not change it, nor its rules
      await fails(403, 'PolicyNotAuthorized', 'PUT', `${FW}/firewall_policies/${p.id}`, { firewall_policy: { name: 'mine' } }, other);
      await fails(403, 'PolicyNotAuthorized', 'PUT', `${FW}/firewall_policies/${p.id}/remove_rule`, { firewall_rule_id: r.id }, other);
      await fails(403, 'PolicyNotAuthorized', 'DELETE', `${FW}/firewall_policies/${p.id}`, undefined, other);
      await fails(403, 'PolicyNotAuthorized', 'PUT', `${FW}/firewall_rules/${r.id}`, { firewall_rule: { action: 'deny' } }, other);
      // nor can it use another project's unshared policy
      const privateP = await fwPolicy({}, owner);
      await fails(404, 'FirewallPolicyNotFound', 'POST', `${FW}/firewall_groups`, { firewall_group: { ingress_firewall_policy_id: privateP.id } }, other);
      // the owner cannot delete it nor unshare it from under the other project's group
      await fails(409, 'FirewallPolicyInUse', 'DELETE', `${FW}/firewall_policies/${p.id}`, undefined, owner);
      await fails(409, 'FirewallPolicyInUse', 'PUT', `${FW}/firewall_policies/${p.id}`, { firewall_policy: { shared: false } });
    });

    it('groups: the default group per project, reserved names, ports that are router interfaces, statuses', async () => {
      const P = project('g');
      const h = asMember(P);
      const groups = (await ok('GET', `${FW}/firewall_groups`, undefined, h)).firewall_groups;
      const def = groups.find((g: Obj) => g.name === 'default');
      assert.ok(def, 'listing made the default group');
      assert.equal(groups.filter((g: Obj) => g.name === 'default').length, 1);
      assert.equal(def.status, 'INACTIVE');
      const ingress = await policyOf(def.ingress_firewall_policy_id, h);
      assert.equal(ingress.name, 'default ingress');
      const ingressRules = await Promise.all(ingress.firewall_rules.map(async (id: string) => (await ok('GET', `${FW}/firewall_rules/${id}`, undefined, h)).firewall_rule));
      assert.deepEqual(
        ingressRules.map((r: Obj) => [r.action, r.ip_version]),
        [
          ['deny', 4],
          ['deny', 6],
        ],
      );
      const egress = await policyOf(def.egress_firewall_policy_id, h);
      assert.equal(egress.name, 'default egress');
      // listing again makes no second one
      assert.equal((await ok('GET', `${FW}/firewall_groups`, undefined, h)).firewall_groups.filter((g: Obj) => g.name === 'default').length, 1);
      await fails(409, 'FirewallGroupCannotRemoveDefault', 'DELETE', `${FW}/firewall_groups/${def.id}`, undefined, h);
      await fails(409, 'FirewallDefaultObjectUpdateRestricted', 'PUT', `${FW}/firewall_groups/${def.id}`, { firewall_group: { ingress_firewall_policy_id: null } }, h);
      await fails(409, 'FirewallDefaultParameterExists', 'POST', `${FW}/firewall_groups`, { firewall_group: { name: 'default' } }, h);

      const { portId, networkId } = await routerPort(h);
      const g = await fwGroup({ ports: [portId], ingress_firewall_policy_id: def.ingress_firewall_policy_id }, h);
      assert.equal(g.status, 'PENDING_CREATE', 'no L3 agent has applied it yet');
      assert.deepEqual(g.ports, [portId]);
      assert.equal(g.admin_state_up, true);
      assert.deepEqual(
        (await ok('GET', `${FW}/firewall_groups?ports=${portId}`, undefined, h)).firewall_groups.map((x: Obj) => x.id),
        [g.id],
      );
      await fails(409, 'FirewallGroupPortInUse', 'POST', `${FW}/firewall_groups`, { firewall_group: { ports: [portId] } }, h);
      const vm = (await ok('POST', '/v2.0/ports', { port: { network_id: networkId } }, h)).port;
      await fails(409, 'FirewallGroupPortInvalid', 'POST', `${FW}/firewall_groups`, { firewall_group: { ports: [vm.id] } }, h);
      await fails(404, 'PortNotFound', 'POST', `${FW}/firewall_groups`, { firewall_group: { ports: [randomUUID()] } }, h);
      // another project's router port
      const foreign = await routerPort(asMember(project('f')));
      await fails(404, 'PortNotFound', 'PUT', `${FW}/firewall_groups/${g.id}`, { firewall_group: { ports: [foreign.portId] } }, h);
      // not even an admin binds a group to another project's port
      await fails(409, 'FirewallGroupPortInvalidProject', 'PUT', `${FW}/firewall_groups/${g.id}`, { firewall_group: { ports: [foreign.portId] } });
      // unbinding: INACTIVE
      const un = (await ok('PUT', `${FW}/firewall_groups/${g.id}`, { firewall_group: { ports: [] } }, h)).firewall_group;
      assert.equal(un.status, 'INACTIVE');
      assert.deepEqual(un.ports, []);
      await fails(403, 'PolicyNotAuthorized', 'POST', `${FW}/firewall_groups`, { firewall_group: { shared: true } }, h);
      await fails(404, 'FirewallGroupNotFound', 'GET', `${FW}/firewall_groups/${g.id}`, undefined, asMember(project('x')));
      await fails(404, 'FirewallGroupNotFound', 'PUT', `${FW}/firewall_groups/${g.id}`, { firewall_group: { name: 'y' } }, asMember(project('x')));
      await ok('DELETE', `${FW}/firewall_groups/${g.id}`, undefined, h);
      // the admin may remove the default group: its policies go with it
      await ok('DELETE', `${FW}/firewall_groups/${def.id}`);
      await fails(404, 'FirewallPolicyNotFound', 'GET', `${FW}/firewall_policies/${def.ingress_firewall_policy_id}`);
    });

    it('removing the router interface a group is bound to unbinds it: no ports, INACTIVE', async () => {
      const h = asMember(project('ri'));
      const { routerId, portId } = await routerPort(h, '10.251.0.0/24');
      const g = await fwGroup({ ports: [portId] }, h);
      await s.bus.call(FIREWALL_PLUGIN, 'set_firewall_group_status', { host: 'h1', statuses: { [g.id]: 'ACTIVE' } });
      assert.equal((await ok('GET', `${FW}/firewall_groups/${g.id}`, undefined, h)).firewall_group.status, 'ACTIVE');
      await ok('PUT', `/v2.0/routers/${routerId}/remove_router_interface`, { port_id: portId }, h);
      const after = (await ok('GET', `${FW}/firewall_groups/${g.id}`, undefined, h)).firewall_group;
      assert.deepEqual([after.ports, after.status], [[], 'INACTIVE']);
      await ok('DELETE', `${FW}/firewall_groups/${g.id}`, undefined, h);
    });

    it("agents' RPC: a router's groups with enabled rules in order; reported statuses; an ACTIVE bound group is in use", async () => {
      const h = asMember(project('rpc'));
      const { routerId, portId } = await routerPort(h);
      const ssh = await fwRule({ protocol: 'tcp', destination_port: '22', action: 'allow' }, h);
      const off = await fwRule({ protocol: 'udp', action: 'allow', enabled: false }, h);
      const v6 = await fwRule({ ip_version: 6, action: 'reject', source_ip_address: '2001:db8::/64' }, h);
      const p = await fwPolicy({ firewall_rules: [ssh.id, off.id, v6.id] }, h);
      const g = await fwGroup({ ports: [portId], ingress_firewall_policy_id: p.id }, h);
      const [answer] = await s.bus.call<FwaasRouterGroups[]>(FIREWALL_PLUGIN, 'get_firewall_groups_for_routers', { host: 'h1', router_ids: [routerId] });
      assert.equal(answer.router_id, routerId);
      assert.equal(answer.groups.length, 1);
      const got = answer.groups[0];
      assert.deepEqual(got.port_ids, [portId]);
      assert.equal(got.egress_rules, null);
      assert.deepEqual(
        got.ingress_rules!.map((r) => [r.id, r.protocol, r.destination_port, r.action, r.ip_version]),
        [
          [ssh.id, 'tcp', '22', 'allow', 4],
          [v6.id, null, null, 'reject', 6],
        ],
      );
      await s.bus.call(FIREWALL_PLUGIN, 'set_firewall_group_status', { host: 'h1', statuses: { [g.id]: 'ACTIVE' } });
      assert.equal((await ok('GET', `${FW}/firewall_groups/${g.id}`, undefined, h)).firewall_group.status, 'ACTIVE');
      // a rule change: PENDING_UPDATE until the agent says
      await ok('PUT', `${FW}/firewall_policies/${p.id}/remove_rule`, { firewall_rule_id: ssh.id }, h);
      assert.equal((await ok('GET', `${FW}/firewall_groups/${g.id}`, undefined, h)).firewall_group.status, 'PENDING_UPDATE');
      await s.bus.call(FIREWALL_PLUGIN, 'set_firewall_group_status', { host: 'h1', statuses: { [g.id]: 'ACTIVE' } });
      await fails(409, 'FirewallGroupInUse', 'DELETE', `${FW}/firewall_groups/${g.id}`, undefined, h);
      await ok('PUT', `${FW}/firewall_groups/${g.id}`, { firewall_group: { ports: [] } }, h);
      // a late report does not make an unbound group ACTIVE
      await s.bus.call(FIREWALL_PLUGIN, 'set_firewall_group_status', { host: 'h1', statuses: { [g.id]: 'ACTIVE' } });
      assert.equal((await ok('GET', `${FW}/firewall_groups/${g.id}`, undefined, h)).firewall_group.status, 'INACTIVE');
      await ok('DELETE', `${FW}/firewall_groups/${g.id}`, undefined, h);
      const empty = await s.bus.call<FwaasRouterGroups[]>(FIREWALL_PLUGIN, 'get_firewall_groups_for_routers', { host: 'h1', router_ids: [routerId] });
      assert.deepEqual(empty, [{ router_id: routerId, groups: [] }]);
    });
  });
}
