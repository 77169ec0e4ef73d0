// The nftables port firewall on the real kernel, without a server: one "host" namespace with a
// Linux bridge, four "instances" (namespaces joined by veth, the host end a tap on the bridge),
// and hand-made security_group_info. Proves default drop, rules and remote groups opening and
// closing flows at once (conntrack included), established TCP surviving unrelated changes,
// anti-spoofing, port security off, and an agent restart changing nothing.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { NftablesFirewall } from '../../src/agents/firewall/nftables-firewall.js';
import { TABLE } from '../../src/agents/firewall/ruleset.js';
import { bridgeName } from '../../src/agents/linuxbridge/names.js';
import type { SecurityGroupInfo } from '../../src/contract/security-groups.js';
import { run } from '../../src/linux/exec.js';
import { sgRule } from '../helpers/sg-rule.js';

type Rule = SecurityGroupInfo['security_groups'][string][number] & { id: string };

const P = `t${process.pid % 10000}f`;
const HOST = `${P}h`;
const NET = `${P}0net-1111-2222-3333-444444444444`;
const BRIDGE = bridgeName(NET);
const VMS = [1, 2, 3, 4].map((i) => ({
  ns: `${P}v${i}`,
  tap: `${P}tap${i}`,
  mac: `fa:16:3e:${(process.pid % 256).toString(16).padStart(2, '0')}:00:0${i}`,
  ip: `10.9.0.${i}`,
  ip6: `fd00:9::${i}`,
  port: `${P}-port-${i}`,
}));
const [vm1, vm2, vm3, vm4] = VMS;
const GA = `${P}-group-a`;
const GB = `${P}-group-b`;

// every log line is kept: the test reads the firewall's own apply timings from them
const logLines: Record<string, unknown>[] = [];
const log = pino({ level: 'info' }, { write: (s: string) => void logLines.push(JSON.parse(s)) });
const lastApplied = () => [...logLines].reverse().find((l) => l.event === 'firewall.applied') as { ms: number; nft_ms: number; nft_lines: number } | undefined;

const children: ChildProcess[] = [];
const workDir = mkdtempSync(join(tmpdir(), `${P}-`));

const sh = (netns: string | null, cmd: string, args: string[]) => run(cmd, args, { netns });

async function ping(from: { ns: string }, to: string, opts: { source?: string; count?: number } = {}): Promise<boolean> {
  const args = ['-c', String(opts.count ?? 1), '-W', '1', ...(opts.source ? ['-I', opts.source] : []), to];
  const r = await run(to.includes(':') ? 'ping' : 'ping', args, { netns: from.ns, allowFailure: true, timeoutMs: 10_000 });
  return r.code === 0;
}

/** A ping every 50 ms for `seconds`; resolves to the times (epoch s) of the replies and the count sent. */
function pingSeries(from: { ns: string }, to: string, seconds: number): Promise<number[] & { sent?: number }> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', from.ns, 'ping', '-D', '-i', '0.05', '-W', '1', '-w', String(seconds), to], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('close', () => {
      const times: number[] & { sent?: number } = [...out.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from/gm)].map((m) => Number(m[1]));
      times.sent = Number(/(\d+) packets transmitted/.exec(out)?.[1] ?? 0);
      resolve(times);
    });
  });
}

const rule = (id: string, r: Partial<Rule>): Rule => sgRule(`${P}-${id}`, r);

// Group A: vm1. Group B: vm2 and vm3 (the default-group shape: ingress from members, all egress).
// vm4 has port security off.
function baseInfo(): SecurityGroupInfo {
  const device = (vm: (typeof VMS)[number], groups: string[], portSecurity = true) => ({
    device: vm.tap,
    port_id: vm.port,
    mac_address: vm.mac,
    fixed_ips: [vm.ip, vm.ip6],
    allowed_address_pairs: [],
    security_groups: groups,
    port_security_enabled: portSecurity,
    network_id: NET,
  });
  return {
    devices: { [vm1.port]: device(vm1, [GA]), [vm2.port]: device(vm2, [GB]), [vm3.port]: device(vm3, [GB]), [vm4.port]: device(vm4, [], false) },
    security_groups: {
      [GA]: [rule('a-eg4', { direction: 'egress' }), rule('a-eg6', { direction: 'egress', ethertype: 'IPv6' })],
      [GB]: [
        rule('b-in4', { remote_group_id: GB }),
        rule('b-in6', { ethertype: 'IPv6', remote_group_id: GB }),
        rule('b-eg4', { direction: 'egress' }),
        rule('b-eg6', { direction: 'egress', ethertype: 'IPv6' }),
      ],
    },
    sg_member_ips: { [GB]: { IPv4: [vm2.ip, vm3.ip], IPv6: [vm2.ip6, vm3.ip6] } },
  };
}

async function nsExists(name: string): Promise<boolean> {
  const r = await run('ip', ['netns', 'list']);
  return r.stdout.split('\n').some((l) => l.split(' ')[0] === name);
}

/** A TCP echo server in vm and a client in `from` that sends a line every 100 ms; counts echoes. */
async function tcpSession(server: (typeof VMS)[number], from: (typeof VMS)[number], port: number) {
  const serverJs = join(workDir, 'echo-server.mjs');
  const clientJs = join(workDir, 'echo-client.mjs');
  writeFileSync(serverJs, `import net from 'node:net'; net.createServer((s) => { s.on('error', () => {}); s.pipe(s); }).listen(${port}, '${server.ip}', () => console.log('listening'));`);
  writeFileSync(
    clientJs,
    `import net from 'node:net';
     const s = net.connect(${port}, '${server.ip}', () => { console.log('connected'); setInterval(() => s.write('x\\n'), 100); });
     s.on('data', (d) => { for (const c of d.toString()) if (c === '\\n') console.log('echo'); });
     s.on('error', (e) => console.log('error ' + e.code)); s.on('close', () => console.log('closed'));`,
  );
  const srv = spawn('ip', ['netns', 'exec', server.ns, process.execPath, serverJs], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(srv);
  await new Promise<void>((resolve, reject) => {
    srv.stdout!.once('data', () => resolve());
    srv.once('exit', () => reject(new Error('echo server exited')));
  });
  const cli = spawn('ip', ['netns', 'exec', from.ns, process.execPath, clientJs], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(cli);
  let echoes = 0;
  let connected = false;
  cli.stdout!.setEncoding('utf8').on('data', (d: string) => {
    echoes += (d.match(/^echo$/gm) ?? []).length;
    if (d.includes('connected')) connected = true;
  });
  return {
    echoes: () => echoes,
    connected: () => connected,
    stop: () => {
      cli.kill('SIGKILL');
      srv.kill('SIGKILL');
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('nftables port firewall on the kernel', () => {
  let fw: NftablesFirewall;
  let info: SecurityGroupInfo;

  before(async () => {
    await sh(null, 'ip', ['netns', 'add', HOST]);
    await sh(HOST, 'ip', ['link', 'set', 'lo', 'up']);
    await sh(HOST, 'sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=1', 'net.bridge.bridge-nf-call-ip6tables=1']);
    await sh(HOST, 'ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    await sh(HOST, 'ip', ['link', 'set', BRIDGE, 'up']);
    for (const vm of VMS) {
      await sh(null, 'ip', ['netns', 'add', vm.ns]);
      await sh(vm.ns, 'ip', ['link', 'set', 'lo', 'up']);
      await sh(HOST, 'ip', ['link', 'add', vm.tap, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vm.ns]);
      await sh(HOST, 'ip', ['link', 'set', vm.tap, 'master', BRIDGE, 'up']);
      await sh(vm.ns, 'ip', ['link', 'set', 'eth0', 'address', vm.mac, 'up']);
      await sh(vm.ns, 'ip', ['addr', 'add', `${vm.ip}/24`, 'dev', 'eth0']);
      await sh(vm.ns, 'ip', ['addr', 'add', `${vm.ip6}/64`, 'dev', 'eth0', 'nodad']);
    }
    info = baseInfo();
    fw = new NftablesFirewall({ netns: HOST, log });
    await fw.sync(info);
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const ns of [HOST, ...VMS.map((v) => v.ns)]) if (await nsExists(ns)) await run('ip', ['netns', 'del', ns], { allowFailure: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  it('lets members of a group in and drops everyone else by default', async () => {
    assert.equal(await ping(vm3, vm2.ip), true, 'vm3 → vm2: same group B, ingress from B');
    assert.equal(await ping(vm2, vm3.ip), true, 'vm2 → vm3');
    assert.equal(await ping(vm1, vm2.ip), false, 'vm1 (group A) → vm2 is dropped');
    assert.equal(await ping(vm2, vm1.ip), false, 'vm2 → vm1: group A allows no ingress');
    assert.equal(await ping(vm3, vm2.ip6), true, 'IPv6 (neighbour discovery included) between members');
    assert.equal(await ping(vm1, vm2.ip6), false, 'IPv6 from outside the group is dropped');
  });

  it('opens with an added rule at once and closes flowing pings within a second when it goes', async (t) => {
    const icmpFromVm2 = rule('a-icmp', { protocol: 'icmp', remote_ip_prefix: `${vm2.ip}/32` });
    info.security_groups[GA].push(icmpFromVm2);
    await fw.update(info);
    t.diagnostic(`apply (one rule added): ${lastApplied()?.ms} ms, ${lastApplied()?.nft_lines} nft lines`);
    assert.equal(await ping(vm2, vm1.ip), true, 'the rule lets vm2 ping vm1');
    assert.equal(await ping(vm3, vm1.ip), false, 'only from vm2');

    const series = pingSeries(vm2, vm1.ip, 3);
    await sleep(1000);
    info.security_groups[GA] = info.security_groups[GA].filter((r) => r !== icmpFromVm2);
    const removedAt = Date.now() / 1000;
    await fw.update(info);
    const replies = await series;
    assert.ok(
      replies.some((x) => x < removedAt),
      'pings flowed before the rule went',
    );
    const late = replies.filter((x) => x > removedAt + 1);
    assert.deepEqual(late, [], `replies more than 1 s after the rule went: ${late.length}`);
    assert.equal(await ping(vm2, vm1.ip), false);
  });

  it('keeps an established TCP connection through unrelated changes and ends it with its rule', async () => {
    const tcpRule = rule('a-tcp', { protocol: 'tcp', port_range_min: 5000, port_range_max: 5001, remote_ip_prefix: '10.9.0.0/24' });
    info.security_groups[GA].push(tcpRule);
    await fw.update(info);
    const session = await tcpSession(vm1, vm2, 5000);
    try {
      const start = Date.now();
      while (session.echoes() < 3 && Date.now() - start < 5000) await sleep(50);
      assert.ok(session.connected() && session.echoes() >= 3, 'the connection works');

      // unrelated: a rule added to A, a rule of B removed and put back, a member change of B
      info.security_groups[GA].push(rule('a-udp', { protocol: 'udp', port_range_min: 53, port_range_max: 53 }));
      await fw.update(info);
      info.sg_member_ips[GB].IPv4.push('10.9.0.99');
      await fw.update(info);
      const before = session.echoes();
      await sleep(600);
      assert.ok(session.echoes() >= before + 3, `echoes kept coming after unrelated changes (${before} → ${session.echoes()})`);

      info.security_groups[GA] = info.security_groups[GA].filter((r) => r !== tcpRule);
      await fw.update(info);
      await sleep(300);
      const atClose = session.echoes();
      await sleep(700);
      assert.equal(session.echoes(), atClose, 'no echo once the rule that allowed the connection is gone');
    } finally {
      session.stop();
    }
  });

  it('opens and closes with remote group membership', async () => {
    assert.equal(await ping(vm1, vm2.ip), false);
    info.sg_member_ips[GB].IPv4.push(vm1.ip);
    await fw.update(info);
    assert.equal(await ping(vm1, vm2.ip), true, 'vm1 became a member of B: B lets it in');

    const series = pingSeries(vm1, vm2.ip, 3);
    await sleep(1000);
    info.sg_member_ips[GB].IPv4 = info.sg_member_ips[GB].IPv4.filter((x) => x !== vm1.ip);
    const removedAt = Date.now() / 1000;
    await fw.update(info);
    const replies = await series;
    assert.ok(
      replies.some((x) => x < removedAt),
      'pings flowed while vm1 was a member',
    );
    assert.deepEqual(
      replies.filter((x) => x > removedAt + 1),
      [],
      'pings stop within a second of leaving the group',
    );
    assert.equal(await ping(vm3, vm2.ip), true, 'the other member is still let in');
  });

  it('opens and closes with the prefixes of an address group a rule names', async () => {
    const AG = `${P}-addr-group`;
    assert.equal(await ping(vm1, vm2.ip), false, 'vm1 is in no group B lets in');
    info.security_groups[GB].push(rule('b-in-ag', { remote_address_group_id: AG }));
    info.address_groups = { [AG]: { IPv4: [`${vm1.ip}/32`], IPv6: [] } };
    await fw.update(info);
    assert.equal(await ping(vm1, vm2.ip), true, "vm1's address is in the address group");
    assert.equal(await ping(vm4, vm2.ip), false, 'vm4 (10.9.0.4) is neither a member of B nor in the address group');
    // the group's prefixes change element by element: a /30 lets vm4 out, vm1's /32 goes
    info.address_groups = { [AG]: { IPv4: ['10.9.0.4/30'], IPv6: [] } };
    await fw.update(info);
    assert.equal(await ping(vm4, vm2.ip), true, 'vm4 is inside 10.9.0.4/30');
    assert.equal(await ping(vm1, vm2.ip), false, 'vm1 left the address group');
    info.address_groups = { [AG]: { IPv4: [], IPv6: [] } };
    info.security_groups[GB] = info.security_groups[GB].filter((r) => r.remote_address_group_id !== AG);
    await fw.update(info);
    assert.equal(await ping(vm4, vm2.ip), false, 'the rule is gone');
  });

  it('a port joining a group gets its rules; leaving it ends the flows those rules let in', async () => {
    assert.equal(await ping(vm3, vm1.ip), false, 'vm1 (group A only) does not let vm3 in');
    info.devices[vm1.port].security_groups = [GA, GB];
    await fw.update(info);
    assert.equal(await ping(vm3, vm1.ip), true, 'in group B too: B lets its members in');

    const series = pingSeries(vm3, vm1.ip, 3);
    await sleep(1000);
    info.devices[vm1.port].security_groups = [GA];
    const leftAt = Date.now() / 1000;
    await fw.update(info);
    const replies = await series;
    assert.ok(
      replies.some((x) => x < leftAt),
      'pings flowed while vm1 was in B',
    );
    assert.deepEqual(
      replies.filter((x) => x > leftAt + 1),
      [],
      'pings stop within a second of leaving B',
    );
    assert.equal(await ping(vm3, vm2.ip), true, 'B still lets vm3 into vm2');
  });

  it('drops a forged source address and a forged MAC; port security off lets them through', async () => {
    info.security_groups[GA].push(rule('a-icmp-net', { protocol: 'icmp', remote_ip_prefix: '10.9.0.0/24' }));
    await fw.update(info);
    await sh(vm3.ns, 'ip', ['addr', 'add', '10.9.0.33/24', 'dev', 'eth0']);
    await sh(vm4.ns, 'ip', ['addr', 'add', '10.9.0.44/24', 'dev', 'eth0']);
    assert.equal(await ping(vm3, vm1.ip), true, 'vm3 from its own address');
    assert.equal(await ping(vm3, vm1.ip, { source: '10.9.0.33' }), false, 'vm3 from a forged address');
    assert.equal(await ping(vm4, vm1.ip, { source: '10.9.0.44' }), true, 'vm4 has no port security: any address');
    assert.equal(await ping(vm2, vm4.ip), true, 'vm4 has no port security: no ingress filter');

    await sh(vm3.ns, 'ip', ['link', 'set', 'eth0', 'address', 'fa:16:3e:ee:ee:ee']);
    try {
      await sh(vm3.ns, 'ip', ['neigh', 'flush', 'dev', 'eth0']);
      assert.equal(await ping(vm3, vm1.ip), false, 'vm3 with a forged MAC');
    } finally {
      await sh(vm3.ns, 'ip', ['link', 'set', 'eth0', 'address', vm3.mac]);
    }
    await sh(vm4.ns, 'ip', ['link', 'set', 'eth0', 'address', 'fa:16:3e:ee:ee:e4']);
    await sh(vm4.ns, 'ip', ['neigh', 'flush', 'dev', 'eth0']);
    assert.equal(await ping(vm4, vm1.ip), true, 'vm4 (port security off) with another MAC');
    assert.equal(await ping(vm3, vm1.ip), true, 'vm3 with its own MAC again');
  });

  it('survives an agent restart: a new firewall applying the same info keeps pings and rule numbers', async () => {
    const numbers = async () => {
      const r = await run('nft', ['-j', 'list', 'table', 'inet', TABLE], { netns: HOST });
      return JSON.stringify(
        (JSON.parse(r.stdout).nftables as Record<string, { comment?: string }>[])
          .map((o) => o.rule?.comment)
          .filter(Boolean)
          .sort(),
      );
    };
    const before = await numbers();
    const series = pingSeries(vm3, vm2.ip, 2);
    await sleep(500);
    const restarted = new NftablesFirewall({ netns: HOST, log });
    await restarted.sync(info);
    const replies = await series;
    // every ping answered across the restart (the last one may still be in flight at the deadline)
    assert.ok(replies.sent! > 20 && replies.length >= replies.sent! - 1, `replies across the restart: ${replies.length} of ${replies.sent}`);
    assert.equal(await numbers(), before, 'the same rule numbers after the restart');
    assert.equal(await ping(vm1, vm2.ip), false, 'still closed where it was closed');
    fw = restarted;
  });

  it('applies 500 ports in one transaction and one more port incrementally (figures)', async (t) => {
    const host = `${P}perf`;
    await sh(null, 'ip', ['netns', 'add', host]);
    try {
      const big: SecurityGroupInfo = { devices: {}, security_groups: { [GB]: baseInfo().security_groups[GB] }, sg_member_ips: { [GB]: { IPv4: [], IPv6: [] } } };
      for (let i = 0; i < 500; i++) {
        const id = `${P}-perf-${String(i).padStart(4, '0')}`;
        const ip = `10.${100 + Math.floor(i / 250)}.${i % 250}.${10}`;
        big.devices[id] = {
          device: `${P}p${i}`,
          port_id: id,
          mac_address: `fa:16:3e:10:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
          fixed_ips: [ip],
          allowed_address_pairs: [],
          security_groups: [GB],
          port_security_enabled: true,
          network_id: `${P}netperf${i % 10}`,
        };
        big.sg_member_ips[GB].IPv4.push(ip);
      }
      const perf = new NftablesFirewall({ netns: host, log });
      let t0 = performance.now();
      await perf.sync(big);
      const full = performance.now() - t0;
      t.diagnostic(`500 ports, first (full) apply: ${full.toFixed(1)} ms, ${lastApplied()?.nft_lines} nft lines`);

      const id = `${P}-perf-extra`;
      big.devices[id] = { ...big.devices[`${P}-perf-0000`], device: `${P}px`, port_id: id, mac_address: 'fa:16:3e:20:00:01', fixed_ips: ['10.120.0.1'] };
      big.sg_member_ips[GB].IPv4.push('10.120.0.1');
      t0 = performance.now();
      await perf.update({ devices: { [id]: big.devices[id] }, security_groups: big.security_groups, sg_member_ips: big.sg_member_ips });
      const one = performance.now() - t0;
      t.diagnostic(`one more port on 500 (incremental): ${one.toFixed(1)} ms, ${lastApplied()?.nft_lines} nft lines`);

      t0 = performance.now();
      await perf.sync(big);
      t.diagnostic(`full resync of 501 unchanged ports: ${(performance.now() - t0).toFixed(1)} ms, ${lastApplied()?.nft_lines} nft lines`);
      const listed = await run('nft', ['list', 'set', 'bridge', TABLE, 'port_ipv4'], { netns: host });
      assert.match(listed.stdout, /10\.120\.0\.1/);
      assert.equal(lastApplied()?.nft_lines, 0, 'nothing changed, nothing applied');

      t0 = performance.now();
      await perf.remove([id]);
      t.diagnostic(`one port removed from 501: ${(performance.now() - t0).toFixed(1)} ms, ${lastApplied()?.nft_lines} nft lines`);
      const after = await run('nft', ['list', 'table', 'bridge', TABLE], { netns: host });
      assert.doesNotMatch(after.stdout, new RegExp(`"${P}px"`), 'its elements are gone');
      assert.doesNotMatch(after.stdout, /chain to-501 /, 'its receiver chain is gone');
      assert.match(after.stdout, /chain to-500 /);
    } finally {
      await run('ip', ['netns', 'del', host], { allowFailure: true });
    }
  });

  it('a stateless group checks every packet: return traffic needs a rule of its own', async () => {
    const GS = `${P}-group-s`;
    // vm4 has port security off, so only vm1's own rules decide
    const withStateless = (rules: Rule[]) => {
      const i = baseInfo();
      i.devices[vm1.port].security_groups = [GS];
      i.security_groups[GS] = rules;
      i.sg_stateful = { [GS]: false };
      return i;
    };
    await fw.sync(baseInfo());
    assert.equal(await ping(vm1, vm4.ip), true, 'stateful group A: the reply comes back as an established flow');
    info = withStateless([rule('s-eg4', { direction: 'egress' })]);
    await fw.sync(info);
    assert.equal(await ping(vm1, vm4.ip), false, 'stateless, egress only: the reply has no ingress rule');
    assert.equal(await ping(vm4, vm1.ip), false, 'and nothing comes in');
    info = withStateless([rule('s-eg4', { direction: 'egress' }), rule('s-in-icmp', { protocol: 'icmp' })]);
    await fw.sync(info);
    assert.equal(await ping(vm1, vm4.ip), true, 'an ingress icmp rule lets the replies in');
    assert.equal(await ping(vm4, vm1.ip), true, 'and the requests, both ways');
    info = withStateless([rule('s-in-icmp', { protocol: 'icmp' })]);
    await fw.sync(info);
    assert.equal(await ping(vm4, vm1.ip), false, 'without an egress rule the replies do not leave, established or not');
  });
});
