// metering on SQLite (api tier) and PostgreSQL (integration tier): labels and rules (admin
// only, as Neutron), remote_ip_prefix or source/destination, what the L3 agents get for their
// routers (the project's labels and the shared ones), and the counters they report, read back
// at /v2.0/metering/metering-label-counters.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GET_METERING_LABELS, REPORT_METERING_COUNTERS, type RouterMeteringLabels } from '../../src/contract/metering.js';
import { PLUGIN } from '../../src/contract/topics.js';
import { asAdmin, asMember, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';

type Obj = Record<string, any>;
const ADMIN = asAdmin('meter-project');
const MEMBER = asMember('meter-project');

export function meteringSuite(kind: DbKind): void {
  describe(`metering (${kind})`, () => {
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
      s = await startTestServer(kind, { config: { DEFAULT: { service_plugins: 'router,metering' } } });
    });
    after(async () => {
      await s?.close();
    });

    it('lists metering and metering_source_and_destination_fields', async () => {
      const aliases = (await ok('GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      assert.ok(aliases.includes('metering'));
      assert.ok(aliases.includes('metering_source_and_destination_fields'));
    });

    it('labels and rules: admin only, checked, no update; deleting a label takes its rules', async () => {
      await fails(403, 'PolicyNotAuthorized', 'POST', '/v2.0/metering/metering-labels', { metering_label: { name: 'x' } }, MEMBER);
      const label = (await ok('POST', '/v2.0/metering/metering-labels', { metering_label: { name: 'web', description: 'd' } })).metering_label;
      assert.equal(label.shared, false);
      assert.equal(label.project_id, 'meter-project');
      await fails(405, 'HTTPMethodNotAllowed', 'PUT', `/v2.0/metering/metering-labels/${label.id}`, { metering_label: { name: 'y' } });
      const rule = (await ok('POST', '/v2.0/metering/metering-label-rules', { metering_label_rule: { metering_label_id: label.id, remote_ip_prefix: '10.0.0.0/8' } })).metering_label_rule;
      assert.equal(rule.direction, 'ingress');
      assert.equal(rule.excluded, false);
      assert.equal(rule.source_ip_prefix, null);
      const both = await fails(400, 'InvalidInput', 'POST', '/v2.0/metering/metering-label-rules', {
        metering_label_rule: { metering_label_id: label.id, remote_ip_prefix: '10.0.0.0/8', source_ip_prefix: '10.1.0.0/16' },
      });
      assert.match(both, /in conjunction/);
      await fails(400, 'InvalidInput', 'POST', '/v2.0/metering/metering-label-rules', { metering_label_rule: { metering_label_id: label.id } });
      await fails(400, 'HTTPBadRequest', 'POST', '/v2.0/metering/metering-label-rules', { metering_label_rule: { metering_label_id: label.id, direction: 'up', remote_ip_prefix: '10.0.0.0/8' } });
      await fails(404, 'MeteringLabelNotFound', 'POST', '/v2.0/metering/metering-label-rules', {
        metering_label_rule: { metering_label_id: '00000000-0000-4000-8000-000000000000', remote_ip_prefix: '10.0.0.0/8' },
      });
      const sd = (
        await ok('POST', '/v2.0/metering/metering-label-rules', {
          metering_label_rule: { metering_label_id: label.id, direction: 'egress', source_ip_prefix: '10.1.0.0/16', destination_ip_prefix: '0.0.0.0/0', excluded: true },
        })
      ).metering_label_rule;
      assert.equal(sd.destination_ip_prefix, '0.0.0.0/0');
      assert.equal((await ok('GET', `/v2.0/metering/metering-label-rules?metering_label_id=${label.id}`)).metering_label_rules.length, 2);
      await ok('DELETE', `/v2.0/metering/metering-label-rules/${sd.id}`);
      await fails(404, 'MeteringLabelRuleNotFound', 'GET', `/v2.0/metering/metering-label-rules/${sd.id}`);
      await ok('DELETE', `/v2.0/metering/metering-labels/${label.id}`);
      await fails(404, 'MeteringLabelNotFound', 'GET', `/v2.0/metering/metering-labels/${label.id}`);
      await fails(404, 'MeteringLabelRuleNotFound', 'GET', `/v2.0/metering/metering-label-rules/${rule.id}`);
    });

    it("the L3 agents get their routers' labels (the project's and shared ones) and report counters the operator reads", async () => {
      const router = (await ok('POST', '/v2.0/routers', { router: { name: 'metered' } })).router;
      const mine = (await ok('POST', '/v2.0/metering/metering-labels', { metering_label: { name: 'mine' } })).metering_label;
      const shared = (await ok('POST', '/v2.0/metering/metering-labels', { metering_label: { name: 'all', shared: true } }, asAdmin('meter-other'))).metering_label;
      const other = (await ok('POST', '/v2.0/metering/metering-labels', { metering_label: { name: 'theirs' } }, asAdmin('meter-other'))).metering_label;
      await ok('POST', '/v2.0/metering/metering-label-rules', { metering_label_rule: { metering_label_id: mine.id, direction: 'egress', remote_ip_prefix: '0.0.0.0/0' } });
      const got = (await s.bus.call(PLUGIN, GET_METERING_LABELS, { router_ids: [router.id] })) as RouterMeteringLabels[];
      assert.equal(got.length, 1);
      const ids = got[0].labels.map((l) => l.id).sort();
      assert.deepEqual(ids, [mine.id, shared.id].sort());
      assert.ok(!ids.includes(other.id));
      assert.deepEqual(
        got[0].labels.find((l) => l.id === mine.id)!.rules.map((r) => r.direction),
        ['egress'],
      );
      await s.bus.call(PLUGIN, REPORT_METERING_COUNTERS, { host: 'net1', counters: [{ label_id: mine.id, router_id: router.id, pkts: 10, bytes: 12000 }] });
      await s.bus.call(PLUGIN, REPORT_METERING_COUNTERS, { host: 'net1', counters: [{ label_id: mine.id, router_id: router.id, pkts: 20, bytes: 24000 }] });
      const c = (await ok('GET', `/v2.0/metering/metering-label-counters?metering_label_id=${mine.id}`)).metering_label_counters;
      assert.equal(c.length, 1);
      assert.equal(c[0].bytes, 24000);
      assert.equal(c[0].pkts, 20);
      assert.equal(c[0].host, 'net1');
      await fails(403, 'PolicyNotAuthorized', 'GET', '/v2.0/metering/metering-label-counters', undefined, MEMBER);
    });
  });
}
