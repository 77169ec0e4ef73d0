// The fwaas_v2 extension's nft table (pure): neutron-fwaas's chains per bound interface and
// direction, IPv4 and IPv6 matches, verdicts, and the conntrack marks that let a change end
// exactly the flows of the allow rules it removes or moves. Also loaded by `nft -c` when nft
// is installed, so the text is what the kernel takes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { FWAAS_TABLE, planFwaas, ruleMatch } from '../../src/agents/l3/extensions/fwaas/fwaas-ruleset.js';
import { replaceTable } from '../../src/agents/firewall/nft-table.js';
import type { FwaasGroup, FwaasRule } from '../../src/contract/fwaas.js';

const PORT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const rule = (over: Partial<FwaasRule>): FwaasRule => ({
  id: over.id ?? 'r',
  protocol: null,
  ip_version: 4,
  source_ip_address: null,
  destination_ip_address: null,
  source_port: null,
  destination_port: null,
  action: 'allow',
  ...over,
});
const group = (ingress: FwaasRule[] | null, egress: FwaasRule[] | null, admin = true): FwaasGroup => ({
  id: 'g',
  admin_state_up: admin,
  port_ids: [PORT],
  ingress_rules: ingress,
  egress_rules: egress,
});

const nftAvailable = (() => {
  try {
    execFileSync('nft', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

describe('fwaas_v2 nft table', () => {
  it('renders matches for IPv4 and IPv6, ports as ranges, icmp in IPv6 as ICMPv6', () => {
    assert.equal(ruleMatch(rule({ protocol: 'tcp', destination_port: '22' })), 'meta nfproto ipv4 tcp dport 22');
    assert.equal(ruleMatch(rule({ protocol: 'udp', source_port: '1000:2000', source_ip_address: '192.0.2.0/24' })), 'meta nfproto ipv4 ip saddr 192.0.2.0/24 udp sport 1000-2000');
    assert.equal(ruleMatch(rule({ ip_version: 6, protocol: 'icmp', destination_ip_address: '2001:db8::/64' })), 'meta nfproto ipv6 ip6 daddr 2001:db8::/64 meta l4proto ipv6-icmp');
    assert.equal(ruleMatch(rule({ protocol: '47' })), 'meta nfproto ipv4 meta l4proto 47');
    assert.equal(ruleMatch(rule({ ip_version: 6 })), 'meta nfproto ipv6');
  });

  it('per bound interface: ingress on oifname, egress on iifname, then drop; stateful chains; verdicts', () => {
    const plan = planFwaas([group([rule({ id: 'a', protocol: 'tcp', destination_port: '22' }), rule({ id: 'b', action: 'reject' }), rule({ id: 'c', action: 'deny', ip_version: 6 })], null)])!;
    const fwd = plan.table.chains.get('forward')!;
    assert.match(fwd.hook!, /hook forward/);
    assert.deepEqual(fwd.rules, ['oifname "qr-aaaaaaaa-bb" jump in-aaaaaaaa-bb', 'iifname "qr-aaaaaaaa-bb" jump eg-aaaaaaaa-bb', 'oifname "qr-aaaaaaaa-bb" drop', 'iifname "qr-aaaaaaaa-bb" drop']);
    const inChain = plan.table.chains.get('in-aaaaaaaa-bb')!.rules;
    assert.equal(inChain[0], 'ct state invalid drop');
    assert.equal(inChain[1], 'ct state established,related accept');
    assert.equal(inChain[2], 'tcp flags & (fin | syn | rst | ack) != syn drop', 'a new TCP connection starts with a SYN');
    assert.match(inChain[3], /^meta nfproto ipv4 tcp dport 22 ct mark set 0x[0-9a-f]{8} accept$/);
    assert.equal(inChain[4], 'meta nfproto ipv4 reject');
    assert.equal(inChain[5], 'meta nfproto ipv6 drop');
    // no egress policy: replies only
    assert.deepEqual(plan.table.chains.get('eg-aaaaaaaa-bb')!.rules, ['ct state invalid drop', 'ct state established,related accept', 'tcp flags & (fin | syn | rst | ack) != syn drop']);
    assert.equal(plan.marks.size, 1);
    assert.deepEqual([...plan.enforced], [PORT]);
  });

  it('an admin-down group drops everything through its ports (no chains, no replies)', () => {
    const plan = planFwaas([group([rule({})], [rule({})], false)])!;
    assert.deepEqual(plan.table.chains.get('forward')!.rules, ['oifname "qr-aaaaaaaa-bb" drop', 'iifname "qr-aaaaaaaa-bb" drop']);
    assert.equal(plan.enforced.size, 0);
  });

  it('no bound port: no table', () => {
    assert.equal(planFwaas([]), null);
    assert.equal(planFwaas([{ ...group([], []), port_ids: [] }]), null);
  });

  it("marks: a rule keeps its mark while nothing above it changes; removing or moving it changes the rules' marks below", () => {
    const a = rule({ id: 'a', protocol: 'tcp', destination_port: '22' });
    const b = rule({ id: 'b', protocol: 'tcp', destination_port: '80' });
    const marks = (rules: FwaasRule[]) => [...planFwaas([group(rules, null)])!.marks.keys()];
    const [ma, mb] = marks([a, b]);
    assert.notEqual(ma, mb);
    assert.deepEqual(marks([a]), [ma], 'a rule appended below keeps the marks above');
    assert.ok(!marks([b]).includes(mb), "removing a changes b's place, so b's flows are re-checked");
    assert.ok(
      marks([a, b]).every((m) => (m & 0xf0000000) >>> 0 === 0xf0000000),
      'fwaas marks carry the tag',
    );
    // the same rule on the egress side is another mark
    assert.notDeepEqual([...planFwaas([group(null, [a])])!.marks.keys()], [ma]);
  });

  it('nft -c takes the table', { skip: !nftAvailable && 'nft is not installed' }, () => {
    const plan = planFwaas([
      group(
        [
          rule({ protocol: 'tcp', destination_port: '22', source_ip_address: '198.51.100.0/24' }),
          rule({ ip_version: 6, protocol: 'icmp' }),
          rule({ action: 'reject', protocol: 'udp', destination_port: '53:54' }),
        ],
        [rule({})],
      ),
    ])!;
    assert.equal(plan.table.name, FWAAS_TABLE);
    execFileSync('nft', ['-c', '-f', '-'], { input: `${replaceTable(plan.table).join('\n')}\n` });
  });
});
