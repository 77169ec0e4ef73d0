// The drift audit every agent kind shares (agents/drift-audit.ts): one log line per drift
// (repaired or left), the counters the agent reports, audits never overlapping, and the timer
// repairing by itself.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { DriftAudit, type AuditFindings } from '../../src/agents/drift-audit.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, log: pino({ level: 'debug' }, stream) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DriftAudit', () => {
  it('logs one line per drift, counts runs, drifts and repairs, and names host and agent type', async () => {
    const { lines, log } = capture();
    const a = new DriftAudit({
      host: () => 'network',
      agentType: 'L3 agent',
      log,
      inspect: async (repair): Promise<AuditFindings> => ({
        drifts: [
          { kind: 'router_route', object: 'ns 0.0.0.0/0 via 172.24.4.1', detail: 'the route is missing', repaired: repair },
          { kind: 'nft_set', object: 'ns ip neutrino-nat floating_to_fixed', detail: '1 element(s) missing (172.24.4.9)', repaired: false },
        ],
        checked: { routers: 1 },
        not_audited: [],
      }),
    });
    const r = await a.run(true);
    assert.equal(r.host, 'network');
    assert.equal(r.agent_type, 'L3 agent');
    assert.equal(r.drifts.length, 2);
    await a.run(false);
    await sleep(10);
    assert.deepEqual({ ...a.counters, last_ms: 0 }, { runs: 2, drifts: 4, repairs: 1, last_ms: 0 });
    const events = lines.map((l) => `${l.event} ${l.msg}`);
    assert.deepEqual(events, [
      'audit.repaired drift repaired: router_route ns 0.0.0.0/0 via 172.24.4.1: the route is missing',
      'audit.drift drift found: nft_set ns ip neutrino-nat floating_to_fixed: 1 element(s) missing (172.24.4.9)',
      'audit.drift drift found: router_route ns 0.0.0.0/0 via 172.24.4.1: the route is missing',
      'audit.drift drift found: nft_set ns ip neutrino-nat floating_to_fixed: 1 element(s) missing (172.24.4.9)',
    ]);
  });

  it('never runs two audits at once, and the interval repairs by itself until stopped', async () => {
    const { log } = capture();
    let running = 0;
    let most = 0;
    const asked: boolean[] = [];
    const a = new DriftAudit({
      host: () => 'h',
      agentType: 'DHCP agent',
      log,
      inspect: async (repair) => {
        asked.push(repair);
        running++;
        most = Math.max(most, running);
        await sleep(20);
        running--;
        return { drifts: [], checked: {}, not_audited: [] };
      },
    });
    await Promise.all([a.run(false), a.run(false), a.run(true)]);
    assert.equal(most, 1);
    assert.deepEqual(asked, [false, false, true]);
    a.every(0.05);
    await sleep(180);
    await a.stop();
    const n = asked.length;
    assert.ok(n >= 5 && asked.slice(3).every((x) => x), JSON.stringify(asked));
    await sleep(120);
    assert.equal(asked.length, n, 'no audit after stop');
  });
});
