// Every attribute of every resource, given values of every wrong shape, on create and update:
// the answer is a NeutronError 4xx (or a success), never a 5xx, and a refused create leaves nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { networkDef } from '../../src/api/resources/network.js';
import { portDef as corePortDef } from '../../src/api/resources/port.js';
import { Config } from '../../src/config/config.js';
import { ExtensionManager } from '../../src/plugins/ml2/extensions/extension-manager.js';
import type { Services } from '../../src/plugins/services.js';

import { securityGroupRuleDef } from '../../src/api/resources/security-group-rule.js';
import { securityGroupDef } from '../../src/api/resources/security-group.js';
import { subnetDef } from '../../src/api/resources/subnet.js';
import { addressScopeDef } from '../../src/api/resources/address-scope.js';
import { subnetPoolDef, subnetWithPoolsDef } from '../../src/api/resources/subnetpool.js';
import type { ResourceDef } from '../../src/api/resource.js';
import { startTestServer, type DbKind, type TestServer } from '../helpers/server.js';

// the port as the default server serves it: with its extension drivers' attributes
const portDef = { ...corePortDef, attributes: [...corePortDef.attributes, ...new ExtensionManager({ config: Config.load() } as Services, ['port_security']).attributes] };

const BAD: unknown[] = [
  null,
  0,
  -1,
  1.5,
  70000,
  'x',
  '',
  ' ',
  'x'.repeat(300),
  [],
  [1],
  [null],
  [{}],
  [{ ip_address: 'nope' }],
  {},
  { a: 1 },
  true,
  '10.0.0.1/33',
  '10.0.0.0/8',
  '::',
  '0.0.0.0/0',
  'fa:16:3e:zz:00:00',
  '00000000-0000-0000-0000-000000000000',
  [{ subnet_id: 'x' }],
  [{ start: '10.0.0.5', end: '10.0.0.1' }],
  [{ destination: 'x', nexthop: 'y' }],
  '\u0000',
  { $gt: '' },
];

export function badInputSuite(kind: DbKind): void {
  describe(`bad input sweep on ${kind}`, () => {
    let s: TestServer;
    const ids: Record<string, string> = {};
    before(async () => {
      s = await startTestServer(kind);
      const net = (await s.req('POST', '/v2.0/networks', { network: { name: 'sweep' } })).body.network;
      ids.network = net.id;
      ids.subnet = (await s.req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.0.0.0/24', ip_version: 4 } })).body.subnet.id;
      ids.port = (await s.req('POST', '/v2.0/ports', { port: { network_id: net.id } })).body.port.id;
      ids.security_group = (await s.req('POST', '/v2.0/security-groups', { security_group: { name: 'sweep' } })).body.security_group.id;
      ids.subnetpool = (await s.req('POST', '/v2.0/subnetpools', { subnetpool: { name: 'sweep', prefixes: ['10.240.0.0/16'], default_prefixlen: 24 } })).body.subnetpool.id;
      ids.address_scope = (await s.req('POST', '/v2.0/address-scopes', { address_scope: { name: 'sweep', ip_version: 4 } })).body.address_scope.id;
    });
    after(async () => {
      await s?.close();
    });

    const bases: [ResourceDef, () => Record<string, unknown>, string | null][] = [
      [networkDef, () => ({}), 'network'],
      [subnetDef, () => ({ network_id: ids.network, cidr: '10.1.0.0/24', ip_version: 4 }), 'subnet'],
      [portDef, () => ({ network_id: ids.network }), 'port'],
      [securityGroupDef, () => ({ name: 'g' }), 'security_group'],
      [securityGroupRuleDef, () => ({ security_group_id: ids.security_group, direction: 'ingress' }), null],
      // subnet_allocation's attributes on subnets, from a pool; the pools and scopes themselves
      [subnetWithPoolsDef, () => ({ network_id: ids.network, subnetpool_id: ids.subnetpool, ip_version: 4 }), null],
      [subnetPoolDef, () => ({ name: 'p', prefixes: ['10.241.0.0/16'] }), 'subnetpool'],
      [addressScopeDef, () => ({ name: 's', ip_version: 4 }), 'address_scope'],
    ];

    for (const [def, base, idKey] of bases) {
      it(`${def.collection}: never a 5xx, always a NeutronError`, async () => {
        const countBefore = (await s.req('GET', `/v2.0/${def.path}`)).body[def.collection].length;
        let tried = 0;
        for (const attr of def.attributes) {
          for (const value of BAD) {
            if (attr.post) {
              const r = await s.req('POST', `/v2.0/${def.path}`, { [def.member]: { ...base(), [attr.name]: value } });
              tried++;
              assert.ok(r.status < 500, `POST ${def.path} ${attr.name}=${JSON.stringify(value)} → ${r.status} ${JSON.stringify(r.body)}`);
              if (r.status >= 400) {
                assert.equal(typeof r.body?.NeutronError?.type, 'string', `POST ${attr.name}=${JSON.stringify(value)}: ${JSON.stringify(r.body)}`);
              } else {
                // accepted: remove it again so the count check below stays exact
                const created = r.body[def.member];
                assert.ok(created?.id, JSON.stringify(r.body));
                assert.equal((await s.req('DELETE', `/v2.0/${def.path}/${created.id}`)).status, 204);
              }
            }
            if (attr.put && idKey) {
              const r = await s.req('PUT', `/v2.0/${def.path}/${ids[idKey]}`, { [def.member]: { [attr.name]: value } });
              tried++;
              assert.ok(r.status < 500, `PUT ${def.path} ${attr.name}=${JSON.stringify(value)} → ${r.status} ${JSON.stringify(r.body)}`);
              if (r.status >= 400) assert.equal(typeof r.body?.NeutronError?.type, 'string');
            }
          }
        }
        assert.ok(tried > 50, `only ${tried} requests`);
        const countAfter = (await s.req('GET', `/v2.0/${def.path}`)).body[def.collection].length;
        assert.equal(countAfter, countBefore, 'refused creates left nothing behind');
      });
    }

    it('list queries with odd parameters never 5xx', async () => {
      const odd = [
        'limit=-1',
        'limit=99999999999999999999',
        'marker=',
        'marker=x',
        'sort_key=',
        'sort_dir=up&sort_key=id',
        'fields=',
        'fields=nope',
        'tags=',
        'tags=%00',
        'id=%27%3B--',
        'admin_state_up=',
        'mtu=abc',
        'revision_number=x',
        'page_reverse=maybe',
        'name=a&name=b&name=c',
      ];
      for (const def of [networkDef, subnetDef, portDef, securityGroupDef, securityGroupRuleDef, subnetPoolDef, addressScopeDef]) {
        for (const q of odd) {
          const r = await s.req('GET', `/v2.0/${def.path}?${q}`);
          assert.ok(r.status < 500, `GET ${def.path}?${q} → ${r.status} ${JSON.stringify(r.body)}`);
        }
      }
    });
  });
}
