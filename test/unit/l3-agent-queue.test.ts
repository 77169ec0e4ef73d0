// The L3 agent's router queue (one pass at a time per router, bursts coalesced, routers in
// parallel up to a limit, fetches batched) and its configuration checks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { RouterQueue } from '../../src/agents/l3/router-queue.js';
import { l3AgentSettings } from '../../src/agents/l3/start.js';
import { Config } from '../../src/config/config.js';
import type { SyncRouter } from '../../src/contract/l3.js';
import { syncRouter } from '../helpers/sync-router.js';

const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function harness(concurrency = 2) {
  const fetches: string[][] = [];
  const passes: [string, string | null][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const perRouter = new Map<string, number>();
  const q = new RouterQueue({
    concurrency,
    chunkSize: 64,
    gatherMs: 2,
    log,
    fetch: async (ids) => {
      fetches.push([...ids]);
      return ids.filter((id) => !id.startsWith('gone')).map((id) => syncRouter(id, { name: 'fetched' }));
    },
    process: async (id, r: SyncRouter | null) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      perRouter.set(id, (perRouter.get(id) ?? 0) + 1);
      assert.ok((perRouter.get(id) ?? 0) <= 1, `one pass at a time for ${id}`);
      await sleep(20);
      passes.push([id, r ? r.name : null]);
      perRouter.set(id, perRouter.get(id)! - 1);
      inFlight--;
    },
  });
  return { q, fetches, passes, max: () => maxInFlight };
}

describe('L3 router queue', () => {
  it('a burst for one router is one fetch and one pass; a push during its pass is one more', async () => {
    const h = harness();
    const burst = Array.from({ length: 10 }, () => h.q.push('r1'));
    await Promise.all(burst);
    assert.deepEqual(h.fetches, [['r1']]);
    assert.equal(h.passes.length, 1);
    const first = h.q.push('r1');
    await sleep(8); // running now
    const more = [h.q.push('r1'), h.q.push('r1'), h.q.push('r1')];
    await Promise.all([first, ...more]);
    assert.equal(h.passes.length, 3, 'the pass in flight, then one more for the three pushed meanwhile');
  });

  it('routers run in parallel up to the limit; ids asked for together are fetched together', async () => {
    const h = harness(3);
    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => h.q.push(id)));
    assert.equal(h.max(), 3);
    assert.deepEqual(h.fetches[0], ['a', 'b', 'c']);
    assert.equal(h.passes.length, 6);
  });

  it('given data is used without asking; a router the server does not return is removed; removal wins', async () => {
    const h = harness();
    await h.q.push('x', syncRouter('x', { name: 'given' }));
    assert.deepEqual(h.fetches, []);
    await h.q.push('gone1');
    const p1 = h.q.push('y');
    const p2 = h.q.push('y', null);
    await Promise.all([p1, p2]);
    assert.deepEqual(h.passes, [
      ['x', 'given'],
      ['gone1', null],
      ['y', null],
    ]);
    // stale data from a full sync never overrides a pending ask for fresh data
    const p3 = h.q.push('z');
    const p4 = h.q.push('z', syncRouter('z', { name: 'stale' }));
    await Promise.all([p3, p4]);
    assert.deepEqual(h.passes.at(-1), ['z', 'fetched']);
  });
});

describe('L3 agent configuration', () => {
  it("accepts legacy mode with the linuxbridge and openvswitch interface drivers (Neutron's class paths too)", () => {
    assert.equal(l3AgentSettings(Config.load([], {})).hostNamespace, '');
    assert.doesNotThrow(() => l3AgentSettings(Config.load([], { DEFAULT: { interface_driver: 'neutron.agent.linux.interface.BridgeInterfaceDriver', agent_mode: 'legacy' } })));
    assert.doesNotThrow(() => l3AgentSettings(Config.load([], { DEFAULT: { interface_driver: 'openvswitch' } })));
    assert.doesNotThrow(() => l3AgentSettings(Config.load([], { DEFAULT: { interface_driver: 'neutron.agent.linux.interface.OVSInterfaceDriver' } })));
  });
  it('refuses DVR and other drivers, saying why', () => {
    assert.throws(() => l3AgentSettings(Config.load([], { DEFAULT: { agent_mode: 'dvr_snat' } })), /agent_mode = dvr_snat: distributed routers \(DVR\) are not built; use agent_mode = legacy/);
    assert.throws(() => l3AgentSettings(Config.load([], { DEFAULT: { interface_driver: 'macvtap' } })), /interface_driver = macvtap: must be one of linuxbridge/);
    assert.throws(() => l3AgentSettings(Config.load([], { agent: { host_namespace: 'no-such-ns-l3-test' } })), /no such network namespace/);
  });
});
