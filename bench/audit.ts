// Drift audit cost of one Linux bridge host with many ports, on the real kernel: a host
// namespace with N ports (veth taps) on 10 VXLAN networks, wired by the real
// LinuxBridgeDataplane with the nftables firewall (one group, a remote-group rule over every
// port) and l2population entries for two remote hosts per network; then the time of a full
// audit (links, fdb, both nft tables) of the correct host, and of one that repairs planted drift.
// Target: ≤ 1 s for 500 ports.
//
//   node dist/bench/audit.js [--ports 500] [--runs 5]
//
// Needs root. A benchmark, not a test: figures are printed. Everything it makes is in the
// namespace tr<pid>a, deleted at the end.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { createFirewall } from '../src/agents/firewall/index.js';
import { LinuxBridgeDataplane } from '../src/agents/linuxbridge/linuxbridge-dataplane.js';
import { vxlanName } from '../src/agents/linuxbridge/names.js';
import { tapName } from '../src/contract/device-names.js';
import type { DeviceDetails, FdbEntries } from '../src/contract/l2.js';
import type { SecurityGroupInfo } from '../src/contract/security-groups.js';
import { run } from '../src/linux/exec.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const PORTS = opt('--ports', 500);
const RUNS = opt('--runs', 5);
const NS = `tr${process.pid % 10000}a`;
const NETWORKS = 10;
const LOCAL_IP = '192.168.251.1';
const log = pino({ level: 'silent' });

const mac = (i: number, host = 0) => `fa:16:3e:${host.toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

async function main(): Promise<void> {
  console.log(`audit of one Linux bridge host with ${PORTS} ports in ${NS}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  await run('ip', ['netns', 'add', NS]);
  let dp: LinuxBridgeDataplane | null = null;
  try {
    await run('ip', ['-batch', '-'], {
      netns: NS,
      input: ['link set lo up', 'link add trtun type veth peer name trtunp', 'link set trtunp up', `addr add ${LOCAL_IP}/24 dev trtun`, 'link set trtun up'].join('\n') + '\n',
    });
    const group = randomUUID();
    const nets = Array.from({ length: NETWORKS }, (_, i) => ({ id: randomUUID(), vni: 7000 + i }));
    const ports = Array.from({ length: PORTS }, (_, i) => ({ id: randomUUID(), net: nets[i % NETWORKS], mac: mac(i), ip: `10.${100 + (i % NETWORKS)}.${Math.floor(i / 250)}.${(i % 250) + 2}` }));
    const lines: string[] = [];
    ports.forEach((p, i) => lines.push(`link add ${tapName(p.id)} type veth peer name trp${i}`, `link set ${tapName(p.id)} up`, `link set trp${i} up`));
    await run('ip', ['-batch', '-'], { netns: NS, input: `${lines.join('\n')}\n`, timeoutMs: 120_000 });

    dp = await LinuxBridgeDataplane.create({
      netns: NS,
      log,
      firewall: createFirewall('nftables', true, { netns: NS, log }),
      interfaceMappings: {},
      bridgeMappings: {},
      vxlan: { localIp: LOCAL_IP, dstport: 4789, l2population: true },
      vlanSupported: false,
      configurations: {},
    });
    const details: DeviceDetails[] = ports.map((p) => ({
      device: tapName(p.id),
      port_id: p.id,
      network_id: p.net.id,
      mac_address: p.mac,
      admin_state_up: true,
      network_type: 'vxlan',
      segmentation_id: p.net.vni,
      mtu: 1450,
      fixed_ips: [{ subnet_id: 's', ip_address: p.ip }],
      port_security_enabled: true,
      security_groups: [group],
    }));
    const t0 = performance.now();
    const info: SecurityGroupInfo = {
      devices: Object.fromEntries(
        ports.map((p) => [
          p.id,
          { device: tapName(p.id), port_id: p.id, mac_address: p.mac, fixed_ips: [p.ip], allowed_address_pairs: [], security_groups: [group], port_security_enabled: true, network_id: p.net.id },
        ]),
      ),
      security_groups: {
        [group]: [
          { direction: 'egress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null },
          { direction: 'ingress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: group },
          { direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0', remote_group_id: null },
        ],
      },
      sg_member_ips: { [group]: { IPv4: ports.map((p) => p.ip), IPv6: [] } },
    };
    await dp.applyFirewall(info);
    const unwired = await dp.plug(details);
    if (unwired.length) throw new Error(`${unwired.length} port(s) not wired`);
    const fdb: FdbEntries = {};
    for (const n of nets) {
      const remote = (h: number): [string, string][] => [
        ['00:00:00:00:00:00', '0.0.0.0'],
        ...Array.from({ length: Math.ceil(PORTS / NETWORKS) }, (_, i): [string, string] => [mac(i, h), `10.1.${h}.${i}`]),
      ];
      fdb[n.id] = { segment_id: n.vni, network_type: 'vxlan', ports: { '192.168.251.2': remote(1), '192.168.251.3': remote(2) } };
    }
    await dp.fdbAdd(fdb, true);
    console.log(`  wired ${PORTS} ports on ${NETWORKS} VXLAN networks with firewall and fdb in ${(performance.now() - t0).toFixed(0)} ms`);

    const times: number[] = [];
    let checked = {};
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const r = await dp.audit(false);
      times.push(performance.now() - t);
      checked = r.checked;
      if (r.drifts.length) throw new Error(`a correct host reported drift: ${JSON.stringify(r.drifts.slice(0, 3))}`);
    }
    console.log(`  correct host, ${RUNS} audits: ${times.map((x) => x.toFixed(0)).join(' / ')} ms  [${JSON.stringify(checked)}]`);

    const victim = ports[7];
    await run('ip', ['link', 'set', 'dev', tapName(victim.id), 'nomaster'], { netns: NS });
    await run('bridge', ['fdb', 'del', mac(3, 1), 'dev', vxlanName(nets[3].vni), 'dst', '192.168.251.2'], { netns: NS });
    await run('nft', ['flush', 'set', 'inet', 'neutrino-sg', `rg-${group}-4`], { netns: NS });
    const t = performance.now();
    const r = await dp.audit(true);
    const repairMs = performance.now() - t;
    const again = await dp.audit(false);
    console.log(`  3 planted drifts: found ${r.drifts.length}, repaired ${r.drifts.filter((d) => d.repaired).length} in ${repairMs.toFixed(0)} ms; after: ${again.drifts.length} drift(s)`);
    console.log(`\nsummary: full audit of ${PORTS} ports p50 ${[...times].sort((a, b) => a - b)[Math.floor(times.length / 2)].toFixed(0)} ms (target ≤ 1000)`);
  } finally {
    await dp?.close();
    await run('ip', ['netns', 'del', NS], { allowFailure: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
