// Binding benchmark: ports bound per second with 10 hosts, and the time from a port's
// device appearing on its host to the port being ACTIVE (agent → get_devices_details →
// update_device_list → provisioning blocks). The server and ten real L2 agents (their kernel
// side in memory) run in this process; the database and bus are real: SQLite + in-process
// bus, and PostgreSQL + RabbitMQ.
//
//   node dist/bench/binding.js [--quick] [--only memory|rabbit]
//
// A benchmark, not a test: figures are printed, never asserted.
import { pino } from 'pino';
import { L2Agent } from '../src/agents/l2/l2-agent.js';
import { FakeDataplane, tapName } from '../test/helpers/fake-dataplane.js';
import { startTestServer, type DbKind, type TestServer } from '../test/helpers/server.js';
import { openBus, type Bus } from '../src/rpc/index.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const HOSTS = 10;
const PORTS = quick ? 200 : 2000;
const ACTIVATIONS = quick ? 50 : 300;
const CONCURRENCY = 16;
const log = pino({ level: 'silent' });

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function pool<T>(n: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await work(i);
      }
    }),
  );
  return out;
}

async function run(kind: DbKind, transport: string | null): Promise<void> {
  const label = `${kind} + ${transport ? 'RabbitMQ' : 'in-process bus'}`;
  const s: TestServer = await startTestServer(kind, {
    config: { ml2: { tenant_network_types: 'vxlan' }, ml2_type_vxlan: { vni_ranges: '1:1000' }, ...(transport ? { DEFAULT: { transport_url: transport } } : {}), quotas: { quota_port: '-1' } },
  });
  const buses: Bus[] = [];
  const agents: { agent: L2Agent; dp: FakeDataplane }[] = [];
  try {
    for (let h = 0; h < HOSTS; h++) {
      const bus = transport ? await openBus(transport, { log, connectionName: `neutrino:bench-agent-${h}` }) : s.bus;
      if (transport) buses.push(bus);
      const dp = new FakeDataplane('Linux bridge agent', 'neutrino-linuxbridge-agent', { interface_mappings: {}, tunnel_types: ['vxlan'], tunneling_ip: `10.9.0.${h + 1}` });
      const agent = new L2Agent({ bus, log, host: `bench-host-${h}`, reportInterval: 0, dataplane: dp });
      await agent.start();
      agents.push({ agent, dp });
    }
    const admin = { 'x-project-id': 'bench', 'x-roles': 'admin,member,reader' };
    const net = (await s.req('POST', '/v2.0/networks', { network: { name: 'bench' } }, admin)).body.network;
    await s.req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.100.0.0/16', ip_version: 4, enable_dhcp: false } }, admin);

    // ports created and bound (POST with binding:host_id), 16 at a time over 10 hosts
    const t0 = performance.now();
    const ports = await pool(PORTS, async (i) => {
      const r = await s.req('POST', '/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': `bench-host-${i % HOSTS}` } }, admin);
      if (r.status !== 201 || r.body.port['binding:vif_type'] !== 'bridge') throw new Error(`bind failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.port as { id: string };
    });
    const bindSecs = (performance.now() - t0) / 1000;

    // device appears → ACTIVE, one port at a time (latency of the event-driven path)
    const latencies: number[] = [];
    for (let i = 0; i < ACTIVATIONS; i++) {
      const p = ports[i];
      const { dp } = agents[i % HOSTS];
      const start = performance.now();
      dp.addDevice(tapName(p.id));
      for (;;) {
        const row = await s.db.kysely.selectFrom('ports').select('status').where('id', '=', p.id).executeTakeFirst();
        if (row?.status === 'ACTIVE') break;
        await new Promise((r) => setImmediate(r));
      }
      latencies.push(performance.now() - start);
    }
    console.log(`${label}:`);
    console.log(`  bind: ${PORTS} ports over ${HOSTS} hosts, concurrency ${CONCURRENCY}: ${(PORTS / bindSecs).toFixed(0)} ports bound/s`);
    console.log(`  device up → ACTIVE (${ACTIVATIONS} ports): p50 ${pct(latencies, 50).toFixed(2)} ms, p99 ${pct(latencies, 99).toFixed(2)} ms`);
  } finally {
    for (const a of agents) await a.agent.stop();
    for (const b of buses) await b.close();
    await s.close();
  }
}

if (!only || only === 'memory') await run('sqlite', null);
if (!only || only === 'rabbit') await run('postgres', 'rabbit://guest:guest@127.0.0.1:5672/');
