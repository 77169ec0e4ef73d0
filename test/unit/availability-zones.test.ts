// The schedulers' choice over availability zones: agents of the allowed zones only, the least
// loaded of each zone first (agents come least loaded first).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spreadOverZones } from '../../src/plugins/availability-zones/availability-zones.js';

const agents = [
  { id: 'a1', availability_zone: 'az-a' },
  { id: 'a2', availability_zone: 'az-a' },
  { id: 'b1', availability_zone: 'az-b' },
  { id: 'n1', availability_zone: null },
  { id: 'c1', availability_zone: 'az-c' },
];

test('no zones: every agent, spread over zones in load order', () => {
  assert.deepEqual(
    spreadOverZones(agents, []).map((a) => a.id),
    ['a1', 'b1', 'n1', 'c1', 'a2'],
  );
});

test('zones given: only their agents, one per zone before a second of any', () => {
  assert.deepEqual(
    spreadOverZones(agents, ['az-a', 'az-b']).map((a) => a.id),
    ['a1', 'b1', 'a2'],
  );
  assert.deepEqual(
    spreadOverZones(agents, ['az-c']).map((a) => a.id),
    ['c1'],
  );
  assert.deepEqual(spreadOverZones(agents, ['az-z']), []);
});
