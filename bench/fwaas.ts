// FWaaS v2 benchmark on the lab (real kernel, real L3 agent with its fwaas_v2 extension, real
// RabbitMQ): how long a firewall rule change takes to be enforced, from the API call to traffic.
//  - allow: PUT insert_rule (allow tcp/7000) → the first TCP connection from the internet
//    namespace through the floating IP that opens (a prober tries a new connection every 2 ms);
//  - deny: PUT remove_rule → the last echo of an open tcp/7000 session (it writes every 2 ms):
//    the rule's flows ended.
//
//   node dist/bench/fwaas.js [--changes 10]
//
// Needs root and RabbitMQ (as `neutrino lab up`). A benchmark, not a test: figures are printed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../test/helpers/cli-process.js';
import { freePort } from '../test/helpers/free-port.js';
import { labDriver, sleep } from '../test/helpers/lab-driver.js';

const args = process.argv.slice(2);
const CHANGES = args.includes('--changes') ? Number(args[args.indexOf('--changes') + 1]) : 10;
const lab = labDriver('bfw');
const INTERNET = `${lab.P}internet`;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (n=${xs.length})`;

/** A node script in the internet namespace; resolves once it printed `ready`, then hands each later line to onLine. */
function inInternet(code: string, onLine: (l: string) => void): Promise<() => void> {
  const c = spawn('ip', ['netns', 'exec', INTERNET, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    c.stdout!.on('data', (d) => {
      buf += String(d);
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === 'ready') resolve(() => c.kill('SIGKILL'));
        else onLine(line);
      }
    });
    c.once('exit', (code) => reject(new Error(`prober exited ${code}`)));
  });
}

async function main(): Promise<void> {
  const port = await freePort();
  lab.url = `http://127.0.0.1:${port}`;
  const stop: (() => void)[] = [];
  try {
    const up = await lab.neutrino('lab', 'up', '--computes', '1', '--prefix', lab.P, '--dir', lab.DIR, '--port', String(port), '--service-plugins', 'firewall_v2', '--agent-extensions', 'fwaas_v2');
    if (up.code !== 0) throw new Error(`lab up failed:\n${up.stdout}\n${up.stderr}`);
    const sg = (await lab.api('POST', '/security-groups', { security_group: { name: 'open' } })).security_group.id;
    await lab.api('POST', '/security-group-rules', { security_group_rule: { security_group_id: sg, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp' } });
    await lab.ok('instance', 'boot', 'b1', '--network', 'private', '--host', 'compute1', '--security-group', 'open', '--config-file', lab.CONF, '--timeout', '20');
    const srv = spawn(
      process.execPath,
      [CLI, 'instance', 'exec', 'b1', '--config-file', lab.CONF, '--', process.execPath, '-e', "require('net').createServer((s)=>{s.on('error',()=>{});s.pipe(s)}).listen(7000,()=>console.log('up'))"],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    stop.push(() => srv.kill('SIGKILL'));
    await new Promise((r) => srv.stdout!.once('data', r));
    const vm = JSON.parse(readFileSync(join(lab.DIR, 'instances', 'b1.json'), 'utf8'));
    const pub = (await lab.api('GET', '/networks?name=public')).networks[0];
    const fip = (await lab.api('POST', '/floatingips', { floatingip: { floating_network_id: pub.id, port_id: vm.port_id } })).floatingip.floating_ip_address;
    const router = (await lab.api('GET', '/routers?name=router1')).routers[0];
    const priv = (await lab.api('GET', '/networks?name=private')).networks[0];
    const iface = (await lab.api('GET', `/ports?device_id=${router.id}&network_id=${priv.id}&device_owner=network:router_interface`)).ports[0];
    const rule = (await lab.api('POST', '/fwaas/firewall_rules', { firewall_rule: { protocol: 'tcp', destination_port: '7000', action: 'allow' } })).firewall_rule.id;
    const policy = (await lab.api('POST', '/fwaas/firewall_policies', { firewall_policy: { name: 'bench', firewall_rules: [] } })).firewall_policy.id;
    const group = (await lab.api('POST', '/fwaas/firewall_groups', { firewall_group: { name: 'bench', ports: [iface.id], ingress_firewall_policy_id: policy } })).firewall_group.id;
    for (let i = 0; i < 100 && (await lab.api('GET', `/fwaas/firewall_groups/${group}`)).firewall_group.status !== 'ACTIVE'; i++) await sleep(100);

    const allow: number[] = [];
    const deny: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      // allow: a new connection every 2 ms until one opens
      let opened = 0;
      const prober = `const net=require('net');console.log('ready');const t=setInterval(()=>{const s=net.connect(7000,'${fip}');s.on('connect',()=>{console.log('open '+Date.now());clearInterval(t);s.destroy()});s.on('error',()=>{});setTimeout(()=>s.destroy(),200)},2)`;
      const stopProber = await inInternet(prober, (l) => {
        if (l.startsWith('open ') && !opened) opened = Number(l.slice(5));
      });
      const t0 = Date.now();
      await lab.api('PUT', `/fwaas/firewall_policies/${policy}/insert_rule`, { firewall_rule_id: rule });
      for (const end = Date.now() + 5000; !opened && Date.now() < end; ) await sleep(2);
      stopProber();
      if (!opened) throw new Error('the allow rule was not enforced within 5 s');
      allow.push(opened - t0);

      // deny: an open session writing every 2 ms; its last echo after the change
      let last = 0;
      const session = `const s=require('net').connect(7000,'${fip}');s.on('connect',()=>{console.log('ready');setInterval(()=>s.write('x'),2)});s.on('data',()=>console.log('echo '+Date.now()));s.on('error',()=>{})`;
      const stopSession = await inInternet(session, (l) => {
        if (l.startsWith('echo ')) last = Number(l.slice(5));
      });
      await sleep(100);
      const t1 = Date.now();
      await lab.api('PUT', `/fwaas/firewall_policies/${policy}/remove_rule`, { firewall_rule_id: rule });
      await sleep(1500);
      stopSession();
      if (last - t1 > 1400) throw new Error('the session kept going after the rule went');
      deny.push(Math.max(0, last - t1));
    }
    const load = loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
    console.log(`firewall rule change → enforced, through a floating IP from the internet namespace (load average ${load}):`);
    console.log(`  allow (insert_rule → first new connection opens): ${fmt(allow)}   target ≤ 200 ms`);
    console.log(`  deny (remove_rule → last echo of an open session): ${fmt(deny)}   target ≤ 200 ms`);
  } finally {
    for (const f of stop) f();
    await lab.teardown();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
