// Port forwarding benchmark on a real lab (`neutrino lab up --service-plugins port_forwarding
// --agent-extensions port_forwarding`: server and agents as processes over RabbitMQ, real
// kernel). Two instances listen on TCP 22 and 2022 and answer their name. For N rounds:
//  - create: API POST of a forwarding (a fresh external port → instance a:22) → the first
//    answer through the floating IP from the lab's internet namespace;
//  - update: PUT moving it to instance b:22 → the first answer from b;
//  - delete: API DELETE → the first refused connection.
// A prober runs in the internet namespace before each change, connecting every 2 ms, and
// prints the wall-clock time it saw the change; the figure is that minus the time the request
// was sent. Target: change → effective ≤ 200 ms.
//
//   node dist/bench/port-forwarding.js [--changes 20]
//
// Needs root and RabbitMQ on 127.0.0.1:5672 with rabbitmqctl. A benchmark, not a test: figures
// are printed; the lab is torn down at the end (by its prefix and dir).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../test/helpers/free-port.js';
import { labDriver, sleep } from '../test/helpers/lab-driver.js';
import { CLI } from '../test/helpers/cli-process.js';

const args = process.argv.slice(2);
const CHANGES = args.includes('--changes') ? Number(args[args.indexOf('--changes') + 1]) : 20;
const lab = labDriver('bpf');
const INTERNET = `${lab.P}internet`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (n=${xs.length})`;

/**
 * A prober in the internet namespace: connects to ip:port every 2 ms until it sees `want`
 * (an answer text, or 'refused'); resolves with the wall-clock time it saw it.
 */
async function prober(ip: string, port: number, want: string): Promise<{ seen: Promise<number> }> {
  const code = `const [ip,port,want]=process.argv.slice(1);const net=require('net');console.log('ready');
let last='';const tryOnce=()=>{const s=net.connect(+port,ip);let d='';let done=false;const fin=(what)=>{if(done)return;done=true;last=what;s.destroy();if(what===want){console.log('seen '+Date.now());process.exit(0)}setTimeout(tryOnce,2)};
s.setTimeout(300,()=>fin('timeout'));s.on('data',(x)=>{d+=x;if(d.includes('\\n'))fin(d.trim())});s.on('close',()=>fin(d.trim()||'closed'));s.on('error',(e)=>fin(e.code==='ECONNREFUSED'?'refused':'error'))};tryOnce();
setTimeout(()=>{console.log('timeout, last: '+last);process.exit(1)},10000);`;
  const child = spawn('ip', ['netns', 'exec', INTERNET, process.execPath, '-e', code, ip, String(port), want], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise<void>((resolve) => child.stdout.on('data', (d) => ((out += String(d)), out.includes('ready') && resolve())));
  const seen = new Promise<number>((resolve, reject) =>
    child.once('close', () => {
      const m = /seen (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`prober ${ip}:${port} never saw ${want}: ${out.trim()}`));
    }),
  );
  seen.catch(() => undefined);
  await ready;
  return { seen };
}

async function main(): Promise<void> {
  const stop = async () => {
    await lab.teardown();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    const port = await freePort();
    lab.url = `http://127.0.0.1:${port}`;
    const t0 = Date.now();
    await lab.ok('lab', 'up', '--computes', '1', '--prefix', lab.P, '--dir', lab.DIR, '--port', String(port), '--service-plugins', 'port_forwarding', '--agent-extensions', 'port_forwarding');
    console.log(`lab up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const sg = (await lab.api('POST', '/security-groups', { security_group: { name: 'bpf' } })).security_group.id;
    await lab.api('POST', '/security-group-rules', {
      security_group_rule: { security_group_id: sg, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 2022 },
    });
    for (const vm of ['a', 'b']) {
      await lab.ok('instance', 'boot', vm, '--network', 'private', '--host', 'compute1', '--security-group', 'bpf', '--config-file', lab.CONF, '--timeout', '30');
      const srv = spawn(
        process.execPath,
        [
          CLI,
          'instance',
          'exec',
          vm,
          '--config-file',
          lab.CONF,
          '--',
          process.execPath,
          '-e',
          `for(const p of [22,2022])require('net').createServer((s)=>s.end('${vm}\\n')).listen(p,()=>p===2022&&console.log('up'))`,
        ],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
          detached: false,
        },
      );
      await new Promise<void>((r) => srv.stdout.once('data', () => r()));
      process.once('exit', () => srv.kill('SIGKILL'));
    }
    const rec = (vm: string) => JSON.parse(readFileSync(join(lab.DIR, 'instances', `${vm}.json`), 'utf8')) as { port_id: string };
    const pub = (await lab.api('GET', '/networks?name=public')).networks[0];
    const fip = (await lab.api('POST', '/floatingips', { floatingip: { floating_network_id: pub.id } })).floatingip;
    const addr = fip.floating_ip_address as string;
    // the first forwarding also gives the router the floating IP's address: measured apart
    const first = await prober(addr, 2000, 'a');
    const f0 = Date.now();
    const firstPf = (
      await lab.api('POST', `/floatingips/${fip.id}/port_forwardings`, { port_forwarding: { protocol: 'tcp', internal_port_id: rec('a').port_id, internal_port: 2022, external_port: 2000 } })
    ).port_forwarding;
    console.log(`first forwarding of a floating IP (router takes the address, then the DNAT): ${(await first.seen) - f0} ms`);

    const created: number[] = [];
    const updated: number[] = [];
    const deleted: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const ext = 3000 + i;
      let p = await prober(addr, ext, 'a');
      let t = Date.now();
      const pf = (await lab.api('POST', `/floatingips/${fip.id}/port_forwardings`, { port_forwarding: { protocol: 'tcp', internal_port_id: rec('a').port_id, internal_port: 22, external_port: ext } }))
        .port_forwarding;
      created.push((await p.seen) - t);
      p = await prober(addr, ext, 'b');
      t = Date.now();
      await lab.api('PUT', `/floatingips/${fip.id}/port_forwardings/${pf.id}`, { port_forwarding: { internal_port_id: rec('b').port_id } });
      updated.push((await p.seen) - t);
      p = await prober(addr, ext, 'refused');
      t = Date.now();
      await lab.api('DELETE', `/floatingips/${fip.id}/port_forwardings/${pf.id}`);
      deleted.push((await p.seen) - t);
      await sleep(20);
    }
    await lab.api('DELETE', `/floatingips/${fip.id}/port_forwardings/${firstPf.id}`);
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`create → answers:     ${fmt(created)}`);
    console.log(`update → moved:       ${fmt(updated)}`);
    console.log(`delete → refused:     ${fmt(deleted)}`);
    console.log(`target: change → effective ≤ 200 ms; load average ${load}`);
  } finally {
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
