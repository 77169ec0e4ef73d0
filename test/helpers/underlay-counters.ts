// Which underlay a lab's traffic really crosses: named nftables counters in the lab's underlay
// namespace (bridge family), per host port (h<index>-eth<N>) and kind of traffic. The table lives
// in the lab's own namespace, so it goes with `lab down` and never meets another test's.
import { run } from '../../src/linux/exec.js';

export interface CounterRule {
  name: string;
  /** nft match, e.g. `iifname "h1-eth1" udp dport 4789` */
  match: string;
  /** forward: between two ports of a bridge; input: to the bridge's own address (br-api's clients' end) */
  hook?: 'forward' | 'input';
}

const TABLE = 'underlay_counters';

export async function installCounters(underlayNetns: string, rules: CounterRule[]): Promise<void> {
  const chain = (hook: 'forward' | 'input') => [
    `  chain ${hook}_c {`,
    `    type filter hook ${hook} priority 0; policy accept;`,
    ...rules.filter((r) => (r.hook ?? 'forward') === hook).map((r) => `    ${r.match} counter name "${r.name}"`),
    '  }',
  ];
  const text = [`table bridge ${TABLE} {`, ...rules.map((r) => `  counter ${r.name} {}`), ...chain('forward'), ...chain('input'), '}'].join('\n');
  await run('nft', ['-f', '-'], { netns: underlayNetns, input: `${text}\n` });
}

export async function readCounters(underlayNetns: string): Promise<Record<string, number>> {
  const r = await run('nft', ['-j', 'list', 'counters', 'table', 'bridge', TABLE], { netns: underlayNetns });
  const out: Record<string, number> = {};
  for (const o of (JSON.parse(r.stdout) as { nftables: { counter?: { name: string; packets: number } }[] }).nftables) if (o.counter) out[o.counter.name] = o.counter.packets;
  return out;
}

/** Per host index: VXLAN on its tunnel NIC, VXLAN on any other NIC, AMQP on its management NIC; the API answers on br-api. */
export function trafficRules(hostCount: number, apiPort: number): CounterRule[] {
  const rules: CounterRule[] = [];
  for (let i = 0; i < hostCount; i++) {
    rules.push(
      { name: `vxlan_tun_${i}`, match: `iifname "h${i}-eth1" udp dport 4789` },
      { name: `vxlan_off_${i}`, match: `iifname { "h${i}-eth0", "h${i}-eth2", "h${i}-eth3" } udp dport 4789` },
      { name: `amqp_mgmt_${i}`, match: `iifname "h${i}-eth0" tcp dport 5672` },
      { name: `amqp_off_${i}`, match: `iifname { "h${i}-eth1", "h${i}-eth2", "h${i}-eth3" } tcp dport 5672` },
    );
  }
  rules.push({ name: 'api_answers', match: `iifname "h0-eth4" tcp sport ${apiPort}`, hook: 'input' });
  return rules;
}
