// FWaaS v2 on the lab, in the real kernel with the real L3 agent's fwaas_v2 extension over a
// real RabbitMQ: `neutrino lab up --service-plugins firewall_v2 --agent-extensions fwaas_v2`.
// A firewall group on router1's interface to the private network allows only tcp/22 in: from
// the lab's internet namespace through a floating IP, ssh's port answers and nothing else does;
// removing the rule ends an open connection; the group's egress policy is another project's
// shared policy, which the lab's project uses and cannot change.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI } from '../helpers/cli-process.js';
import { freePort } from '../helpers/free-port.js';
import { labDriver, sh, sleep } from '../helpers/lab-driver.js';

const lab = labDriver('fw');
const { P, DIR, CONF, neutrino, ok, api, pings } = lab;
const INTERNET = `${P}internet`;

describe(`FWaaS v2 on the lab (prefix ${P})`, { timeout: 10 * 60_000 }, () => {
  const children: ChildProcess[] = [];
  let fip = '';
  let owner = '';
  let groupId = '';
  let policyId = '';
  let sshRule = '';
  let sharedPolicy = '';

  /** The API as a project (noauth headers); resolves the raw answer. */
  const as = async (project: string, roles: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${lab.url}/v2.0${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-project-id': project, 'x-roles': roles },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  };
  const member = async (method: string, path: string, body?: unknown) => {
    const r = await as(owner, 'member,reader', method, path, body);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  /** Whether a TCP connection from the internet namespace to ip:port opens within 1.5 s. */
  const connects = async (ip: string, port: number) => {
    const probe =
      "const s=require('net').connect(+process.argv[2],process.argv[1]);s.setTimeout(1500,()=>{console.log('no');s.destroy()});s.on('connect',()=>{console.log('yes');s.destroy()});s.on('error',()=>console.log('no'));";
    return (await sh('ip', ['netns', 'exec', INTERNET, process.execPath, '-e', probe, ip, String(port)], { timeoutMs: 5000 })).stdout.trim() === 'yes';
  };
  const pingsFromOutside = async (ip: string) => (await sh('ip', ['netns', 'exec', INTERNET, 'ping', '-c', '1', '-W', '1', ip])).code === 0;
  const becomes = async (what: () => Promise<boolean>, want: boolean, ms = 10_000) => {
    const end = Date.now() + ms;
    for (;;) {
      if ((await what()) === want) return true;
      if (Date.now() > end) return false;
      await sleep(100);
    }
  };
  const groupStatus = async () => (await member('GET', `/fwaas/firewall_groups/${groupId}`)).firewall_group.status as string;

  /** An echo server on these ports inside the instance (a connection the firewall ends must not end it). */
  const serve = (name: string, ports: number[]) => {
    const code = `for (const p of [${ports.join(',')}]) require('net').createServer((s)=>{s.on('error',()=>{});s.pipe(s)}).listen(p); console.log('listening')`;
    const srv = spawn(process.execPath, [CLI, 'instance', 'exec', name, '--config-file', CONF, '--', process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(srv);
    return new Promise<void>((resolve, reject) => {
      srv.stdout!.once('data', () => resolve());
      srv.once('exit', (c) => reject(new Error(`echo server in ${name} exited ${c}`)));
    });
  };

  /** A TCP session from the internet namespace writing every 100 ms; counts the echoes. */
  const session = (ip: string, port: number) => {
    const code = `const s=require('net').connect(${port},'${ip}');s.on('connect',()=>setInterval(()=>s.write('x\\n'),100));s.on('data',(d)=>{for(const c of String(d))if(c==='\\n')console.log('echo')});s.on('error',()=>{})`;
    const c = spawn('ip', ['netns', 'exec', INTERNET, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(c);
    let n = 0;
    c.stdout!.on('data', (d) => {
      n += String(d)
        .split('\n')
        .filter((l) => l === 'echo').length;
    });
    return { echoes: () => n, stop: () => c.kill('SIGKILL') };
  };

  before(async () => {
    const port = await freePort();
    lab.url = `http://127.0.0.1:${port}`;
    const r = await neutrino('lab', 'up', '--computes', '1', '--prefix', P, '--dir', DIR, '--port', String(port), '--service-plugins', 'firewall_v2', '--agent-extensions', 'fwaas_v2');
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout}\n${r.stderr}`);
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // NEUTRINO_TEST_KEEP_LOGS=DIR keeps the lab's logs for a post-mortem
    if (process.env.NEUTRINO_TEST_KEEP_LOGS) {
      try {
        // sockets (the metadata proxy's) cannot be copied: leave them out
        cpSync(DIR, join(process.env.NEUTRINO_TEST_KEEP_LOGS, P), { recursive: true, filter: (src) => !lstatSync(src).isSocket() });
      } catch (e) {
        console.error(`could not keep the lab's logs: ${(e as Error).message}`);
      }
    }
    await lab.teardown();
  });

  it('baseline: an instance behind router1 with a floating IP answers ping, tcp/22 and tcp/7000 from the internet', async () => {
    const sg = (await api('POST', '/security-groups', { security_group: { name: 'open' } })).security_group.id;
    for (const protocol of ['icmp', 'tcp']) {
      await api('POST', '/security-group-rules', { security_group_rule: { security_group_id: sg, direction: 'ingress', ethertype: 'IPv4', remote_ip_prefix: '0.0.0.0/0', protocol } });
    }
    await ok('instance', 'boot', 'fw1', '--network', 'private', '--host', 'compute1', '--security-group', 'open', '--config-file', CONF, '--timeout', '20');
    await serve('fw1', [22, 7000]);
    const vm = JSON.parse(readFileSync(join(DIR, 'instances', 'fw1.json'), 'utf8'));
    const pub = (await api('GET', '/networks?name=public')).networks[0];
    fip = (await api('POST', '/floatingips', { floatingip: { floating_network_id: pub.id, port_id: vm.port_id } })).floatingip.floating_ip_address;
    assert.ok(await becomes(() => pingsFromOutside(fip), true), 'ping through the floating IP');
    assert.ok(await becomes(() => connects(fip, 7000), true), 'tcp/7000 through the floating IP');
    assert.ok(await connects(fip, 22), 'tcp/22 through the floating IP');
  });

  it("a group on router1's private interface allows only tcp/22 in; the egress policy is another project's shared one", async () => {
    const router = (await api('GET', '/routers?name=router1')).routers[0];
    const priv = (await api('GET', '/networks?name=private')).networks[0];
    const iface = (await api('GET', `/ports?device_id=${router.id}&network_id=${priv.id}&device_owner=network:router_interface`)).ports[0];
    owner = iface.project_id;
    // another project's admin shares an allow-everything egress policy
    const sec = `fwaas-sec-${process.pid}`;
    const allowAll = await as(sec, 'admin,member,reader', 'POST', '/fwaas/firewall_rules', { firewall_rule: { name: 'out', action: 'allow', shared: true } });
    assert.equal(allowAll.status, 201, JSON.stringify(allowAll.body));
    const shared = await as(sec, 'admin,member,reader', 'POST', '/fwaas/firewall_policies', { firewall_policy: { name: 'outbound', shared: true, firewall_rules: [allowAll.body.firewall_rule.id] } });
    assert.equal(shared.status, 201, JSON.stringify(shared.body));
    sharedPolicy = shared.body.firewall_policy.id;

    sshRule = (await member('POST', '/fwaas/firewall_rules', { firewall_rule: { name: 'ssh', protocol: 'tcp', destination_port: '22', action: 'allow' } })).firewall_rule.id;
    policyId = (await member('POST', '/fwaas/firewall_policies', { firewall_policy: { name: 'in-ssh', firewall_rules: [sshRule] } })).firewall_policy.id;
    const g = (await member('POST', '/fwaas/firewall_groups', { firewall_group: { name: 'edge', ports: [iface.id], ingress_firewall_policy_id: policyId, egress_firewall_policy_id: sharedPolicy } }))
      .firewall_group;
    groupId = g.id;
    assert.ok(await becomes(async () => (await groupStatus()) === 'ACTIVE', true), `the L3 agent reported the group ACTIVE (is ${await groupStatus()})`);

    assert.ok(await becomes(() => connects(fip, 7000), false), 'tcp/7000 is dropped');
    assert.equal(await pingsFromOutside(fip), false, 'ping is dropped');
    assert.ok(await connects(fip, 22), 'tcp/22 passes');
    assert.ok(await pings('fw1', '198.51.100.1'), 'the instance still reaches the internet (the shared egress policy)');

    // the shared policy: used, never changed by the project that uses it
    const change = await as(owner, 'member,reader', 'PUT', `/fwaas/firewall_policies/${sharedPolicy}`, { firewall_policy: { firewall_rules: [] } });
    assert.equal(change.status, 403, JSON.stringify(change.body));
    const remove = await as(owner, 'member,reader', 'PUT', `/fwaas/firewall_policies/${sharedPolicy}/remove_rule`, { firewall_rule_id: allowAll.body.firewall_rule.id });
    assert.equal(remove.status, 403, JSON.stringify(remove.body));
    const nft = await sh('ip', ['netns', 'list']);
    const ns = nft.stdout
      .split('\n')
      .map((l) => l.split(' ')[0])
      .find((n) => n.startsWith(P) && n.endsWith(`qrouter-${router.id}`));
    assert.ok(ns, 'the qrouter namespace');
    const table = await sh('ip', ['netns', 'exec', ns!, 'nft', 'list', 'table', 'inet', 'neutrino-fwaas']);
    assert.match(table.stdout, /tcp dport 22 ct mark set 0x[0-9a-f]+ accept/, table.stdout);
  });

  it('removing the rule ends the open tcp/22 connection and refuses new ones; putting it back lets them in', async () => {
    const s = session(fip, 22);
    assert.ok(await becomes(async () => s.echoes() >= 3, true, 5000), 'an ssh-port session echoes through the group');
    await member('PUT', `/fwaas/firewall_policies/${policyId}/remove_rule`, { firewall_rule_id: sshRule });
    assert.ok(await becomes(() => connects(fip, 22), false), 'new tcp/22 connections are dropped');
    const n = s.echoes();
    await sleep(1000);
    assert.ok(s.echoes() - n <= 1, `the open connection ended (${s.echoes() - n} echoes after the rule went)`);
    s.stop();
    await member('PUT', `/fwaas/firewall_policies/${policyId}/insert_rule`, { firewall_rule_id: sshRule });
    assert.ok(await becomes(() => connects(fip, 22), true), 'tcp/22 passes again');
    assert.equal(await connects(fip, 7000), false, 'tcp/7000 still does not');
  });

  it('unbinding the group lets everything in again and makes it INACTIVE', async () => {
    await member('PUT', `/fwaas/firewall_groups/${groupId}`, { firewall_group: { ports: [] } });
    assert.equal(await groupStatus(), 'INACTIVE');
    assert.ok(await becomes(() => connects(fip, 7000), true), 'tcp/7000 answers again');
    assert.ok(await pingsFromOutside(fip), 'ping answers again');
  });
});
