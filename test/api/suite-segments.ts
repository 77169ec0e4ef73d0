// segment + standard-attr-segment on SQLite (api tier) and PostgreSQL (integration tier): a
// network's segments as /v2.0/segments, segments added to and removed from a network through
// the type drivers, subnets on segments with Neutron's checks, admin-only policy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiAs } from '../helpers/api-as.js';
import { asAdmin, asMember, startTestServer, type DbKind, type TestServer } from '../helpers/server.js';

type Obj = Record<string, any>;
const ADMIN = asAdmin('seg-admin');
const A = asMember('seg-owner');

export function segmentSuite(kind: DbKind): void {
  describe(`segments (${kind})`, () => {
    let s: TestServer;
    let net: Obj;
    let first: Obj;
    let second: Obj;
    const { ok, fails } = apiAs(() => s);

    before(async () => {
      s = await startTestServer(kind, { config: { ml2_type_vlan: { network_vlan_ranges: 'physnet1:100:199' } } });
      net = (await ok(ADMIN, 'POST', '/v2.0/networks', { network: { name: 'seg-routed', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 120 } }))
        .network;
    });
    after(async () => {
      await s?.close();
    });

    it("lists segment and standard-attr-segment; a network's segment is listed, with the standard attributes", async () => {
      const aliases = (await ok(ADMIN, 'GET', '/v2.0/extensions')).extensions.map((e: Obj) => e.alias);
      for (const a of ['segment', 'standard-attr-segment']) assert.ok(aliases.includes(a), a);
      const listed = (await ok(ADMIN, 'GET', `/v2.0/segments?network_id=${net.id}`)).segments;
      assert.equal(listed.length, 1);
      first = listed[0];
      assert.equal(first.network_type, 'vlan');
      assert.equal(first.physical_network, 'physnet1');
      assert.equal(first.segmentation_id, 120);
      assert.equal(first.name, null);
      assert.equal(first.description, '');
      assert.equal(first.revision_number, 0);
      assert.ok(first.created_at && first.updated_at);
      assert.deepEqual(first.tags, []);
      const renamed = (await ok(ADMIN, 'PUT', `/v2.0/segments/${first.id}`, { segment: { name: 'rack1', description: 'first rack' } })).segment;
      assert.equal(renamed.name, 'rack1');
      assert.equal(renamed.revision_number, 1);
      await fails(ADMIN, 400, null, 'PUT', `/v2.0/segments/${first.id}`, { segment: { segmentation_id: 121 } });
      assert.deepEqual(
        (await ok(ADMIN, 'GET', '/v2.0/segments?name=rack1')).segments.map((x: Obj) => x.id),
        [first.id],
      );
    });

    it('a second segment makes the network multi-segment; a taken VLAN is 409, a wrong type 400', async () => {
      second = (await ok(ADMIN, 'POST', '/v2.0/segments', { segment: { network_id: net.id, name: 'rack2', network_type: 'vlan', physical_network: 'physnet1' } })).segment;
      assert.equal(second.segmentation_id, 100, 'the lowest free VLAN of physnet1');
      const shown = (await ok(ADMIN, 'GET', `/v2.0/networks/${net.id}`)).network;
      assert.deepEqual(
        shown.segments.map((x: Obj) => x['provider:segmentation_id']),
        [120, 100],
      );
      await fails(ADMIN, 409, 'VlanIdInUse', 'POST', '/v2.0/segments', { segment: { network_id: net.id, network_type: 'vlan', physical_network: 'physnet1', segmentation_id: 120 } });
      await fails(ADMIN, 400, 'InvalidInput', 'POST', '/v2.0/segments', { segment: { network_id: net.id, network_type: 'gre' } });
      await fails(ADMIN, 404, 'NetworkNotFound', 'POST', '/v2.0/segments', { segment: { network_id: '7c7a4b4e-0a35-4a8a-9d3e-1a1d2b3c4d5e', network_type: 'vlan', physical_network: 'physnet1' } });
    });

    it("subnets sit on segments: the network's own, all or none", async () => {
      const sub1 = (await ok(ADMIN, 'POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.61.1.0/24', segment_id: first.id } })).subnet;
      assert.equal(sub1.segment_id, first.id);
      const sub2 = (await ok(ADMIN, 'POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.61.2.0/24', segment_id: second.id } })).subnet;
      assert.deepEqual(
        (await ok(ADMIN, 'GET', `/v2.0/subnets?segment_id=${second.id}`)).subnets.map((x: Obj) => x.id),
        [sub2.id],
      );
      await fails(ADMIN, 400, 'SubnetsNotAllAssociatedWithSegments', 'POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.61.3.0/24' } });
      const other = (await ok(ADMIN, 'POST', '/v2.0/networks', { network: { name: 'seg-other' } })).network;
      await fails(ADMIN, 400, 'NetworkIdsDontMatch', 'POST', '/v2.0/subnets', { subnet: { network_id: other.id, ip_version: 4, cidr: '10.61.4.0/24', segment_id: first.id } });
      await fails(ADMIN, 404, 'SegmentNotFound', 'POST', '/v2.0/subnets', {
        subnet: { network_id: other.id, ip_version: 4, cidr: '10.61.4.0/24', segment_id: '7c7a4b4e-0a35-4a8a-9d3e-1a1d2b3c4d5e' },
      });
      await fails(ADMIN, 400, 'SubnetSegmentAssociationChangeNotAllowed', 'PUT', `/v2.0/subnets/${sub1.id}`, { subnet: { segment_id: second.id } });
      // an existing subnet moves onto the segment of a single-segment network
      const plain = (await ok(ADMIN, 'POST', '/v2.0/subnets', { subnet: { network_id: other.id, ip_version: 4, cidr: '10.61.5.0/24' } })).subnet;
      assert.equal(plain.segment_id, null);
      const otherSeg = (await ok(ADMIN, 'GET', `/v2.0/segments?network_id=${other.id}`)).segments[0];
      assert.equal((await ok(ADMIN, 'PUT', `/v2.0/subnets/${plain.id}`, { subnet: { segment_id: otherSeg.id } })).subnet.segment_id, otherSeg.id);
      // a segment with subnets is in use
      await fails(ADMIN, 409, 'SegmentInUse', 'DELETE', `/v2.0/segments/${second.id}`);
      await ok(ADMIN, 'DELETE', `/v2.0/subnets/${sub2.id}`);
    });

    it('deleting a segment gives its VLAN back; segments are admin-only', async () => {
      await fails(A, 403, null, 'POST', '/v2.0/segments', { segment: { network_id: net.id, network_type: 'vlan', physical_network: 'physnet1' } });
      const r = await s.req('GET', `/v2.0/segments/${first.id}`, undefined, A);
      assert.equal(r.status, 404, JSON.stringify(r.body));
      assert.deepEqual((await ok(A, 'GET', '/v2.0/segments')).segments, []);
      await ok(ADMIN, 'DELETE', `/v2.0/segments/${second.id}`);
      await fails(ADMIN, 404, 'SegmentNotFound', 'GET', `/v2.0/segments/${second.id}`);
      const again = (await ok(ADMIN, 'POST', '/v2.0/segments', { segment: { network_id: net.id, network_type: 'vlan', physical_network: 'physnet1', segmentation_id: 100 } })).segment;
      assert.equal(again.segmentation_id, 100);
      assert.equal((await ok(ADMIN, 'GET', `/v2.0/networks/${net.id}`)).network.segments.length, 2);
      // tags (standard-attr-segment)
      await ok(ADMIN, 'PUT', `/v2.0/segments/${again.id}/tags/blue`);
      assert.deepEqual((await ok(ADMIN, 'GET', `/v2.0/segments/${again.id}`)).segment.tags, ['blue']);
    });
  });
}
