// Segments through the real `openstack` CLI (Debian's python3-openstackclient) against a
// Neutrino server in noauth mode: `network segment create/list/show/set/delete` and
// `subnet create --network-segment`, compared with what the API holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliServer } from '../helpers/cli-server.js';

describe('openstack CLI: network segments', () => {
  const pfx = `sg${process.pid}`;
  const h = cliServer('seg', { ml2_type_vlan: { network_vlan_ranges: 'physnet1:200:299' } });

  it('network segment create, list, show, set, subnet on it, delete', async () => {
    const net = await h.osc.json(['network', 'create', '--provider-network-type', 'vlan', '--provider-physical-network', 'physnet1', '--provider-segment', '210', `${pfx}-net`]);
    const seg = await h.osc.json([
      'network',
      'segment',
      'create',
      '--network',
      net.id,
      '--network-type',
      'vlan',
      '--physical-network',
      'physnet1',
      '--segment',
      '220',
      '--description',
      'rack two',
      `${pfx}-rack2`,
    ]);
    assert.equal(seg.segmentation_id, 220);
    assert.equal(seg.name, `${pfx}-rack2`);
    assert.equal(seg.description, 'rack two');
    assert.equal((await h.api('GET', `/v2.0/segments/${seg.id}`)).segment.network_id, net.id);
    const listed = await h.osc.json(['network', 'segment', 'list', '--network', net.id]);
    assert.deepEqual(listed.map((x: { Segment: number }) => x.Segment).sort(), [210, 220]);
    await h.osc.ok(['network', 'segment', 'set', '--name', `${pfx}-r2`, '--description', 'moved', seg.id]);
    const shown = await h.osc.json(['network', 'segment', 'show', seg.id]);
    assert.equal(shown.name, `${pfx}-r2`);
    assert.equal(shown.description, 'moved');
    const sub = await h.osc.json(['subnet', 'create', '--network', net.id, '--network-segment', seg.id, '--subnet-range', '10.62.0.0/24', `${pfx}-sub`]);
    assert.equal(sub.segment_id, seg.id);
    const inUse = await h.osc.fails(['network', 'segment', 'delete', seg.id]);
    assert.match(inUse, /in use|SegmentInUse|409/i);
    await h.osc.ok(['subnet', 'delete', sub.id]);
    await h.osc.ok(['network', 'segment', 'delete', seg.id]);
    assert.equal((await h.s.req('GET', `/v2.0/segments/${seg.id}`)).status, 404);
  });
});
