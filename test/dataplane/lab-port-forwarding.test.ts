// Floating IP port forwardings in a lab (real kernel, the server and agents as processes over
// RabbitMQ): `lab up --service-plugins port_forwarding --agent-extensions port_forwarding`;
// tcp 2222 on one floating IP reaches instance pa's port 22 and 8080 reaches pb's port 80 from
// the lab's internet namespace, as DNAT map entries of the router's own nft table; deleting a
// forwarding closes its port and leaves the other; the last one gone, the router lets go of
// the floating IP's address.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI } from '../helpers/cli-process.js';
import { freePort } from '../helpers/free-port.js';
import { labDriver, sh, sleep } from '../helpers/lab-driver.js';

const lab = labDriver('pf');
const { P, DIR, CONF, neutrino, ok, api } = lab;
const INTERNET = `${P}internet`;
const children: ChildProcess[] = [];

/** What answers on ip:port from the internet namespace ('' when nothing does). */
async function whoAnswers(ip: string, port: number): Promise<string> {
  const probe = `const s=require('net').connect(${port},process.argv[1]);let d='';s.setTimeout(700,()=>s.destroy());s.on('data',(x)=>d+=x);s.on('close',()=>console.log(d.trim()));s.on('error',()=>{});`;
  return (await sh('ip', ['netns', 'exec', INTERNET, process.execPath, '-e', probe, ip], { timeoutMs: 5000 })).stdout.trim();
}

async function answersWithin(ip: string, port: number, want: string, ms = 10_000): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if ((await whoAnswers(ip, port)) === want) return Date.now() - t0;
    await sleep(50);
  }
  return -1;
}

/** A TCP server in the instance answering its name on `port`. */
function nameServer(name: string, port: number): Promise<void> {
  const srv = spawn(
    process.execPath,
    [CLI, 'instance', 'exec', name, '--config-file', CONF, '--', process.execPath, '-e', `require('net').createServer((s)=>s.end('${name}:${port}\\n')).listen(${port},()=>console.log('listening'))`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(srv);
  return new Promise<void>((resolve, reject) => {
    srv.stdout!.once('data', () => resolve());
    srv.once('exit', (code) => reject(new Error(`server in ${name} exited ${code}`)));
  });
}

const record = (name: string) => JSON.parse(readFileSync(join(DIR, 'instances', `${name}.json`), 'utf8')) as { port_id: string; fixed_ips: { ip_address: string }[] };

describe(`port forwarding in the lab (prefix ${P})`, { timeout: 10 * 60_000 }, () => {
  let routerNs = '';

  before(async () => {
    const port = await freePort();
    lab.url = `http://127.0.0.1:${port}`;
    const r = await neutrino('lab', 'up', '--computes', '2', '--prefix', P, '--dir', DIR, '--port', String(port), '--service-plugins', 'port_forwarding', '--agent-extensions', 'port_forwarding');
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout}\n${r.stderr}`);
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await lab.teardown();
  });

  it('the server lists port forwarding; the network host L3 agent runs the extension', async () => {
    const aliases = (await api('GET', '/extensions')).extensions.map((e: { alias: string }) => e.alias);
    assert.ok(aliases.includes('floating-ip-port-forwarding'));
    assert.ok(aliases.includes('floating-ip-port-forwarding-port-ranges'));
    const l3 = (await api('GET', '/agents?agent_type=L3%20agent')).agents;
    assert.equal(l3.length, 1);
    assert.deepEqual(l3[0].configurations.extensions, ['port_forwarding']);
  });

  it('tcp 2222 on a floating IP reaches pa:22 and 8080 reaches pb:80 from the internet; deleting one closes only it', async () => {
    const sg = (await api('POST', '/security-groups', { security_group: { name: 'pf' } })).security_group.id;
    for (const p of [22, 80]) {
      await api('POST', '/security-group-rules', {
        security_group_rule: { security_group_id: sg, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: p, port_range_max: p, remote_ip_prefix: '0.0.0.0/0' },
      });
    }
    await ok('instance', 'boot', 'pa', '--network', 'private', '--host', 'compute1', '--security-group', 'pf', '--config-file', CONF, '--timeout', '30');
    await ok('instance', 'boot', 'pb', '--network', 'private', '--host', 'compute2', '--security-group', 'pf', '--config-file', CONF, '--timeout', '30');
    await nameServer('pa', 22);
    await nameServer('pa', 80);
    await nameServer('pb', 80);
    const pa = record('pa');
    const pb = record('pb');
    const pub = (await api('GET', '/networks?name=public')).networks[0];
    const router = (await api('GET', '/routers?name=router1')).routers[0];
    routerNs = (await sh('ip', ['netns', 'list'])).stdout
      .split('\n')
      .map((l) => l.split(' ')[0])
      .find((n) => n.startsWith(P) && n.includes(`qrouter-${router.id}`))!;
    assert.ok(routerNs, 'the router namespace of router1');
    const fip = (await api('POST', '/floatingips', { floatingip: { floating_network_id: pub.id } })).floatingip;
    const addr = fip.floating_ip_address as string;
    assert.equal(await whoAnswers(addr, 2222), '', 'nothing answers before a forwarding');

    const ssh = (await api('POST', `/floatingips/${fip.id}/port_forwardings`, { port_forwarding: { protocol: 'tcp', internal_port_id: pa.port_id, internal_port: 22, external_port: 2222 } }))
      .port_forwarding;
    const web = (await api('POST', `/floatingips/${fip.id}/port_forwardings`, { port_forwarding: { protocol: 'tcp', internal_port_id: pb.port_id, internal_port: 80, external_port: 8080 } }))
      .port_forwarding;
    assert.ok((await answersWithin(addr, 2222, 'pa:22')) >= 0, 'tcp 2222 on the floating IP reaches pa:22');
    assert.ok((await answersWithin(addr, 8080, 'pb:80')) >= 0, 'tcp 8080 on the floating IP reaches pb:80');
    assert.equal(await whoAnswers(addr, 22), '', 'port 22 of the floating IP itself is not forwarded');

    // the router holds the address on qg- with no 1:1 NAT; the forwardings are map entries of their own table
    const qg = (await sh('ip', ['-n', routerNs, '-o', '-4', 'addr', 'show'])).stdout;
    assert.match(qg, new RegExp(`qg-\\S+\\s+inet ${addr.replace(/\./g, '\\.')}/32`), qg);
    const nat = (await sh('ip', ['netns', 'exec', routerNs, 'nft', 'list', 'map', 'ip', 'neutrino-nat', 'floating_to_fixed'])).stdout;
    assert.ok(!nat.includes(addr), `no 1:1 NAT for ${addr}: ${nat}`);
    const pf = (await sh('ip', ['netns', 'exec', routerNs, 'nft', 'list', 'table', 'ip', 'neutrino-pf'])).stdout;
    assert.match(pf, new RegExp(`${addr.replace(/\./g, '\\.')} \\. tcp \\. 2222 : ${pa.fixed_ips[0].ip_address.replace(/\./g, '\\.')} \\. 22`), pf);
    assert.match(pf, new RegExp(`${addr.replace(/\./g, '\\.')} \\. tcp \\. 8080 : ${pb.fixed_ips[0].ip_address.replace(/\./g, '\\.')} \\. 80`), pf);

    // moving a forwarding to another internal port takes effect at once
    // (pa:22 is taken by the ssh forwarding: the same internal socket twice is refused)
    const taken = await fetch(`${lab.url}/v2.0/floatingips/${fip.id}/port_forwardings/${web.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ port_forwarding: { internal_port_id: pa.port_id, internal_port: 22 } }),
    });
    assert.equal(taken.status, 400);
    await api('PUT', `/floatingips/${fip.id}/port_forwardings/${web.id}`, { port_forwarding: { internal_port_id: pa.port_id, internal_port: 80 } });
    assert.ok((await answersWithin(addr, 8080, 'pa:80')) >= 0, 'after the update 8080 reaches pa:80');
    await api('PUT', `/floatingips/${fip.id}/port_forwardings/${web.id}`, { port_forwarding: { internal_port_id: pb.port_id, internal_port: 80 } });
    assert.ok((await answersWithin(addr, 8080, 'pb:80')) >= 0, 'and back to pb:80');

    await api('DELETE', `/floatingips/${fip.id}/port_forwardings/${web.id}`);
    const end = Date.now() + 10_000;
    while ((await whoAnswers(addr, 8080)) !== '' && Date.now() < end) await sleep(50);
    assert.equal(await whoAnswers(addr, 8080), '', '8080 closed after its forwarding is deleted');
    assert.equal(await whoAnswers(addr, 2222), 'pa:22', '2222 still forwarded');

    await api('DELETE', `/floatingips/${fip.id}/port_forwardings/${ssh.id}`);
    const gone = Date.now() + 10_000;
    for (;;) {
      const a = (await sh('ip', ['-n', routerNs, '-o', '-4', 'addr', 'show'])).stdout;
      if (!a.includes(`inet ${addr}/32`)) break;
      assert.ok(Date.now() < gone, `the router still holds ${addr} after its last forwarding went`);
      await sleep(100);
    }
    assert.equal(await whoAnswers(addr, 2222), '');
  });
});
