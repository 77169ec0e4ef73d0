// The multi-host lab end to end, in the real kernel with real agents over a real RabbitMQ:
// `neutrino lab up --computes 2`, instances on VXLAN and flat networks, security groups and
// anti-spoofing, an agent killed with -9 and started again under traffic, instance delete,
// and `lab down` leaving nothing behind. Runs the CLI as a user would.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { CLI } from '../helpers/cli-process.js';
import { labDriver, sh, sleep } from '../helpers/lab-driver.js';

const lab = labDriver('l');
const { P, DIR, CONF, neutrino, ok, api, network, boot, inInstance, pings, pingBecomes, labNetns, labPids } = lab;

async function ifindexes(netns: string): Promise<Map<string, number>> {
  const r = await sh('ip', ['-n', netns, '-j', 'link', 'show']);
  return new Map((JSON.parse(r.stdout) as { ifname: string; ifindex: number }[]).map((l) => [l.ifname, l.ifindex]));
}

describe(`neutrino lab (prefix ${P})`, { timeout: 15 * 60_000 }, () => {
  const children: ChildProcess[] = [];
  let net1 = '';

  before(async () => {
    const port = await freePort();
    lab.url = `http://127.0.0.1:${port}`;
    const r = await neutrino('lab', 'up', '--computes', '2', '--prefix', P, '--dir', DIR, '--port', String(port));
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /export OS_AUTH_TYPE=none OS_ENDPOINT=/);
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // NEUTRINO_TEST_KEEP_LOGS=DIR keeps the lab's logs and agents' state files for a post-mortem
    if (process.env.NEUTRINO_TEST_KEEP_LOGS) cpSync(DIR, join(process.env.NEUTRINO_TEST_KEEP_LOGS, P), { recursive: true });
    await lab.teardown();
  });

  it('lab status: every namespace, the server and six live agents', async () => {
    const out = await ok('lab', 'status', '--prefix', P, '--dir', DIR);
    assert.match(out, /: UP /);
    for (const h of ['underlay', 'controller', 'network', 'compute1', 'compute2', 'internet']) assert.ok((await labNetns()).includes(`${P}${h}`), `netns ${P}${h}`);
    const agents = (await api('GET', '/agents')).agents as { alive: boolean; host: string; agent_type: string; availability_zone: string | null }[];
    assert.deepEqual(
      agents
        .filter((a) => a.alive)
        .map((a) => `${a.agent_type}@${a.host}`)
        .sort(),
      ['DHCP agent@network', 'L3 agent@network', 'Linux bridge agent@compute1', 'Linux bridge agent@compute2', 'Linux bridge agent@network', 'Metadata agent@network'],
    );
    // [agent] availability_zone (default nova) is reported by the DHCP and L3 agents only, as in Neutron
    const zones = Object.fromEntries(agents.map((a) => [`${a.agent_type}@${a.host}`, a.availability_zone]));
    assert.equal(zones['DHCP agent@network'], 'nova');
    assert.equal(zones['L3 agent@network'], 'nova');
    assert.equal(zones['Linux bridge agent@compute1'], null);
  });

  describe('the default topology: private behind router1, public outside', () => {
    let web = '';
    const fipWaitMs: number[] = [];
    const INTERNET = `${P}internet`;
    const fromOutside = async (ip: string) => (await sh('ip', ['netns', 'exec', INTERNET, 'ping', '-c', '1', '-W', '1', ip])).code === 0;
    /** The name the instance behind address answers with on TCP 7000 (from the outside), or '' when none answers. */
    const whoAnswers = async (ip: string) => {
      const probe =
        "const s=require('net').connect(7000,process.argv[1]);let d='';s.setTimeout(500,()=>s.destroy());s.on('data',(x)=>d+=x);s.on('close',()=>console.log(d.trim()));s.on('error',()=>{});";
      return (await sh('ip', ['netns', 'exec', INTERNET, process.execPath, '-e', probe, ip], { timeoutMs: 5000 })).stdout.trim();
    };
    const nameServer = (name: string) => {
      const srv = spawn(
        process.execPath,
        [CLI, 'instance', 'exec', name, '--config-file', CONF, '--', process.execPath, '-e', `require('net').createServer((s)=>s.end('${name}\\n')).listen(7000,()=>console.log('listening'))`],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(srv);
      return new Promise<void>((resolve, reject) => {
        srv.stdout!.once('data', () => resolve());
        srv.once('exit', (code) => reject(new Error(`name server in ${name} exited ${code}`)));
      });
    };

    it('lab up made public, private and router1; an instance on private takes its address by DHCP', async () => {
      const routers = (await api('GET', '/routers?name=router1')).routers;
      assert.equal(routers.length, 1);
      const pub = (await api('GET', '/networks?name=public')).networks[0];
      assert.equal(pub['router:external'], true);
      assert.equal(routers[0].external_gateway_info.network_id, pub.id);
      web = (await api('POST', '/security-groups', { security_group: { name: 'web' } })).security_group.id;
      for (const rule of [{ protocol: 'icmp' }, { protocol: 'tcp', port_range_min: 7000, port_range_max: 7000 }]) {
        await api('POST', '/security-group-rules', { security_group_rule: { security_group_id: web, direction: 'ingress', ethertype: 'IPv4', remote_ip_prefix: '0.0.0.0/0', ...rule } });
      }
      await ok('instance', 'boot', 'w1', '--network', 'private', '--host', 'compute1', '--security-group', 'web', '--config-file', CONF, '--timeout', '20');
      const w1 = JSON.parse(readFileSync(join(DIR, 'instances', 'w1.json'), 'utf8'));
      const port = (await api('GET', `/ports/${w1.port_id}`)).port;
      const want = port.fixed_ips[0].ip_address as string;
      assert.match(want, /^10\.0\.0\./);
      const addr = await inInstance('w1', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0');
      assert.match(addr.stdout, new RegExp(`inet ${want.replace(/\./g, '\\.')}/24`), `w1 has its port's address by DHCP: ${addr.stdout}`);
      const route = await inInstance('w1', 'ip', '-4', 'route', 'show', 'default');
      assert.match(route.stdout, /default via 10\.0\.0\.1 /, route.stdout);
    });

    it('the instance reaches the internet by SNAT (the outside has no route to 10.0.0.0/24)', async () => {
      assert.ok(await pings('w1', '198.51.100.1'), 'w1 → 198.51.100.1 through router1');
      const routes = (await sh('ip', ['-n', INTERNET, 'route', 'get', '10.0.0.5'])).code;
      assert.notEqual(routes, 0, 'the outside cannot route to the private network, so the answers came back to the SNAT address');
    });

    it('a floating IP lets the outside in, and no longer after disassociation; moving it answers within a second', async () => {
      await nameServer('w1');
      await ok('instance', 'boot', 'w2', '--network', 'private', '--host', 'compute2', '--security-group', 'web', '--config-file', CONF, '--timeout', '20');
      await nameServer('w2');
      const pub = (await api('GET', '/networks?name=public')).networks[0];
      const w1 = JSON.parse(readFileSync(join(DIR, 'instances', 'w1.json'), 'utf8'));
      const w2 = JSON.parse(readFileSync(join(DIR, 'instances', 'w2.json'), 'utf8'));
      const fip = (await api('POST', '/floatingips', { floatingip: { floating_network_id: pub.id } })).floatingip;
      assert.equal(await fromOutside(fip.floating_ip_address), false, 'an unassociated floating IP answers nothing');

      const reachedBy = async (name: string, ms = 10_000) => {
        const t0 = Date.now();
        while (Date.now() - t0 < ms) {
          if ((await whoAnswers(fip.floating_ip_address)) === name) return Date.now() - t0;
          await sleep(20);
        }
        return -1;
      };
      await api('PUT', `/floatingips/${fip.id}`, { floatingip: { port_id: w1.port_id } });
      const first = await reachedBy('w1');
      assert.ok(first >= 0, 'the outside reaches w1 through its floating IP');
      assert.ok(await fromOutside(fip.floating_ip_address), 'and ping answers');

      await api('PUT', `/floatingips/${fip.id}`, { floatingip: { port_id: null } });
      const end = Date.now() + 10_000;
      while ((await fromOutside(fip.floating_ip_address)) && Date.now() < end) await sleep(100);
      assert.equal(await fromOutside(fip.floating_ip_address), false, 'no longer after disassociation');

      await api('PUT', `/floatingips/${fip.id}`, { floatingip: { port_id: w1.port_id } });
      assert.ok((await reachedBy('w1')) >= 0, 'associated with w1 again');
      const t0 = Date.now();
      await api('PUT', `/floatingips/${fip.id}`, { floatingip: { port_id: w2.port_id } });
      const moved = await reachedBy('w2', 5000);
      fipWaitMs.push(moved < 0 ? -1 : Date.now() - t0);
      assert.ok(moved >= 0 && moved < 1000, `after the move the floating IP reaches w2 within a second (took ${moved} ms)`);
      // the agent reports the status after it applied the change; the answer may come first
      let status = '';
      for (const end = Date.now() + 5000; status !== 'ACTIVE' && Date.now() < end; await sleep(100)) status = (await api('GET', `/floatingips/${fip.id}`)).floatingip.status;
      assert.equal(status, 'ACTIVE', 'the L3 agent reported the floating IP ACTIVE');
    });
  });

  it('instances on two hosts on one VXLAN network ping each other', async () => {
    net1 = await network('net1', '10.0.0.0/24');
    const a = await boot('a', 'net1', 'compute1', '10.0.0.11');
    await boot('b', 'net1', 'compute2', '10.0.0.12');
    assert.equal(a.netns, `${P}vm-a`);
    assert.ok((await ifindexes(`${P}compute1`)).has(a.tap), `${a.tap} is in ${P}compute1`);
    const port = (await api('GET', `/ports/${a.port_id}`)).port;
    assert.equal(port.status, 'ACTIVE');
    assert.equal(port['binding:host_id'], 'compute1');
    assert.ok(await pings('a', '10.0.0.12'), 'a (compute1) → b (compute2) over VXLAN');
    assert.ok(await pings('b', '10.0.0.11'), 'b → a');
  });

  it('an instance on another VXLAN network cannot reach them (same addresses, other VNI)', async () => {
    await network('net2', '10.0.0.0/24');
    await boot('d', 'net2', 'compute1', '10.0.0.12');
    await boot('e', 'net2', 'compute2', '10.0.0.11');
    assert.ok(await pings('d', '10.0.0.11'), 'positive control: d → e inside net2');
    // d has b's address and e has a's: only L2 isolation keeps them apart
    assert.ok(!(await pings('d', '10.0.0.13', 2)), 'nothing at .13');
    const arp = await inInstance('d', 'ip', 'neigh', 'show', '10.0.0.11');
    const eMac = JSON.parse(readFileSync(join(DIR, 'instances', 'e.json'), 'utf8')).mac;
    assert.match(arp.stdout, new RegExp(eMac), 'd resolved .11 to e, not to a on net1');
    assert.ok(!(await pings('a', '10.0.0.13', 2)), 'a does not reach net2');
  });

  it('a flat network on physnet1 works across hosts', async () => {
    await network('flat1', '192.168.50.0/24', { 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' });
    await boot('f1', 'flat1', 'compute1', '192.168.50.11');
    await boot('f2', 'flat1', 'compute2', '192.168.50.12');
    assert.ok(await pings('f1', '192.168.50.12'), 'f1 → f2 through eth2 and the provider underlay');
    assert.ok(!(await pings('f1', '10.0.0.12', 2)), 'the flat network does not reach net1');
  });

  describe('security groups', () => {
    let defaultSg = '';
    let otherSg = '';

    it('ingress from another group is dropped by default; a rule opens it, deleting it closes it', async () => {
      defaultSg = (await api('GET', '/security-groups?name=default')).security_groups[0].id;
      otherSg = (await api('POST', '/security-groups', { security_group: { name: 'other' } })).security_group.id;
      await boot('c', 'net1', 'compute2', '10.0.0.14', '--security-group', 'other');
      assert.ok((await pings('c', '10.0.0.12', 2)) === false, 'c (other) → b (default): dropped');
      assert.ok(await pings('a', '10.0.0.12'), 'control: a → b, both default');
      const rule = (
        await api('POST', '/security-group-rules', { security_group_rule: { security_group_id: defaultSg, direction: 'ingress', ethertype: 'IPv4', protocol: 'icmp', remote_group_id: otherSg } })
      ).security_group_rule;
      assert.ok(await pingBecomes('c', '10.0.0.12', true), 'the rule opens icmp from other → default, with no restart');
      await api('DELETE', `/security-group-rules/${rule.id}`);
      assert.ok(await pingBecomes('c', '10.0.0.12', false), 'deleting the rule closes it again');
    });

    it("an address group's addresses open and close a rule that names it, as they change (address-group)", async () => {
      const ag = (await api('POST', '/address-groups', { address_group: { name: 'lab-ag', addresses: ['192.0.2.0/24'] } })).address_group;
      const rule = (
        await api('POST', '/security-group-rules', { security_group_rule: { security_group_id: defaultSg, direction: 'ingress', ethertype: 'IPv4', protocol: 'icmp', remote_address_group_id: ag.id } })
      ).security_group_rule;
      assert.ok(await pingBecomes('c', '10.0.0.12', false, 3000), "c's address is not in the group yet");
      await api('PUT', `/address-groups/${ag.id}/add_addresses`, { addresses: ['10.0.0.14/32'] });
      assert.ok(await pingBecomes('c', '10.0.0.12', true), 'adding c to the address group opens icmp to b, with no restart');
      await api('PUT', `/address-groups/${ag.id}/remove_addresses`, { addresses: ['10.0.0.14/32'] });
      assert.ok(await pingBecomes('c', '10.0.0.12', false), 'removing it closes it again');
      await api('DELETE', `/security-group-rules/${rule.id}`);
      await api('DELETE', `/address-groups/${ag.id}`);
    });

    it('an established TCP connection allowed by a rule survives an unrelated rule change', async () => {
      await api('POST', '/security-group-rules', {
        security_group_rule: { security_group_id: defaultSg, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 5000, port_range_max: 5000, remote_group_id: otherSg },
      });
      const server = join(DIR, 'echo-server.mjs');
      writeFileSync(server, "import net from 'node:net';\nnet.createServer((s) => s.pipe(s)).listen(5000, '0.0.0.0', () => console.log('listening'));\n");
      const client = join(DIR, 'echo-client.mjs');
      // one byte every 50 ms for 5 s; reports when echoes came back and whether the connection broke
      writeFileSync(
        client,
        "import net from 'node:net';\nconst t0 = Date.now(); const echoes = []; let error = null;\n" +
          "const s = net.connect(5000, process.argv[2], () => { const i = setInterval(() => s.write('x'), 50); setTimeout(() => { clearInterval(i); s.end(); }, 5000); });\n" +
          "s.on('data', (d) => { for (let k = 0; k < d.length; k++) echoes.push(Date.now() - t0); });\n" +
          "s.on('error', (e) => { error = e.message; });\ns.on('close', () => { console.log(JSON.stringify({ echoes, error })); });\n",
      );
      const srv = spawn(process.execPath, [CLI, 'instance', 'exec', 'b', '--config-file', CONF, '--', process.execPath, server], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.stdout!.once('data', () => resolve());
        srv.once('exit', (code) => reject(new Error(`echo server exited ${code}`)));
      });
      const run = inInstance('c', process.execPath, client, '10.0.0.12');
      await sleep(1500);
      const t = Date.now();
      // unrelated: another group's rule and a rule on default for another port
      await api('POST', '/security-group-rules', {
        security_group_rule: { security_group_id: defaultSg, direction: 'ingress', ethertype: 'IPv4', protocol: 'udp', port_range_min: 53, port_range_max: 53, remote_ip_prefix: '0.0.0.0/0' },
      });
      const changedAt = Date.now() - t + 1500;
      const r = await run;
      assert.equal(r.code, 0, r.stderr);
      const { echoes, error } = JSON.parse(r.stdout.trim().split('\n').pop()!);
      assert.equal(error, null, `the connection broke: ${error}`);
      const late = echoes.filter((ms: number) => ms > changedAt + 1500).length;
      assert.ok(late >= 20, `echoes kept coming after the rule change (${late} in the last ${(5000 - changedAt - 1500) / 1000} s; ${echoes.length} in all)`);
      srv.kill('SIGKILL');
    });

    it('forged source IP and MAC are dropped; port_security_enabled=false lets them through', async () => {
      const open = (await api('POST', '/security-groups', { security_group: { name: 'open' } })).security_group.id;
      await api('POST', '/security-group-rules', { security_group_rule: { security_group_id: open, direction: 'ingress', ethertype: 'IPv4', protocol: 'icmp', remote_ip_prefix: '0.0.0.0/0' } });
      await boot('o', 'net1', 'compute1', '10.0.0.15', '--security-group', 'open');
      const c = JSON.parse(readFileSync(join(DIR, 'instances', 'c.json'), 'utf8'));
      assert.ok(await pingBecomes('c', '10.0.0.15', true), 'control: c → o (o takes icmp from anywhere)');

      await inInstance('c', 'ip', 'addr', 'add', '10.0.0.200/32', 'dev', 'eth0');
      const forgedIp = async () => (await inInstance('c', 'ping', '-c', '2', '-W', '1', '-I', '10.0.0.200', '10.0.0.15')).code === 0;
      const forgedMac = async () => {
        await inInstance('c', 'ip', 'link', 'set', 'eth0', 'address', 'fa:16:3e:00:be:ef');
        await inInstance('o', 'ip', 'neigh', 'flush', 'all');
        await inInstance('c', 'ip', 'neigh', 'flush', 'all');
        const got = (await inInstance('c', 'ping', '-c', '2', '-W', '1', '10.0.0.15')).code === 0;
        await inInstance('c', 'ip', 'link', 'set', 'eth0', 'address', c.mac);
        await inInstance('o', 'ip', 'neigh', 'flush', 'all');
        await inInstance('c', 'ip', 'neigh', 'flush', 'all');
        return got;
      };
      assert.equal(await forgedIp(), false, 'a forged source IP is dropped');
      assert.equal(await forgedMac(), false, 'a forged source MAC is dropped');
      assert.ok(await pings('c', '10.0.0.15'), 'with its own MAC and IP c gets through again');

      await api('PUT', `/ports/${c.port_id}`, { port: { security_groups: [], port_security_enabled: false } });
      const end = Date.now() + 10_000;
      while (!(await forgedIp()) && Date.now() < end) await sleep(200);
      assert.equal(await forgedIp(), true, 'without port security a forged source IP passes');
      assert.equal(await forgedMac(), true, 'without port security a forged source MAC passes');
    });
  });

  it('kill -9 of the compute1 agent under 10 pings/s, then restart: at most 1 lost, devices kept', async () => {
    const a = JSON.parse(readFileSync(join(DIR, 'instances', 'a.json'), 'utf8'));
    const bridge = `brq${net1.slice(0, 11)}`;
    const before = await ifindexes(`${P}compute1`);
    assert.ok(before.has(a.tap) && before.has(bridge), `${a.tap} and ${bridge} exist in ${P}compute1`);
    const ping = inInstance('a', 'ping', '-i', '0.1', '-w', '10', '-q', '10.0.0.12');
    await sleep(1500);
    const pidFile = join(DIR, 'run', 'agent-compute1.pid');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(DIR), 'the pid file names the lab agent');
    process.kill(pid, 'SIGKILL');
    await sleep(1000);
    await ok('lab', 'restart-agent', 'compute1', '--prefix', P, '--dir', DIR);
    const r = await ping;
    const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
    assert.ok(m, r.stdout + r.stderr);
    const lost = Number(m[1]) - Number(m[2]);
    assert.ok(Number(m[1]) >= 90, `about 100 pings sent (${m[1]})`);
    assert.ok(lost <= 1, `${lost} of ${m[1]} pings lost across the agent restart`);
    const afterwards = await ifindexes(`${P}compute1`);
    assert.equal(afterwards.get(a.tap), before.get(a.tap), 'the tap was not recreated');
    assert.equal(afterwards.get(bridge), before.get(bridge), 'the bridge was not recreated');
    assert.ok(await pings('a', '10.0.0.12'), 'still wired after the restart');
  });

  it('instance delete removes its namespace, devices, rules and port', async () => {
    const o = JSON.parse(readFileSync(join(DIR, 'instances', 'o.json'), 'utf8'));
    const host = `${P}compute1`;
    const rules = async () => (await sh('ip', ['netns', 'exec', host, 'nft', 'list', 'ruleset'])).stdout;
    assert.ok((await rules()).includes(o.tap), `the firewall of ${host} names ${o.tap} while o exists`);
    await ok('instance', 'delete', 'o', '--config-file', CONF);
    assert.ok(!(await labNetns()).includes(o.netns), 'netns gone');
    assert.ok(!(await ifindexes(host)).has(o.tap), 'tap gone');
    const end = Date.now() + 10_000;
    while ((await rules()).includes(o.tap) && Date.now() < end) await sleep(200);
    assert.ok(!(await rules()).includes(o.tap), `no rule names ${o.tap}`);
    assert.ok(!(await rules()).includes(o.mac), `no rule names ${o.mac}`);
    const res = await fetch(`${lab.url}/v2.0/ports/${o.port_id}`);
    assert.equal(res.status, 404, 'port deleted');
    const list = await ok('instance', 'list', '--config-file', CONF);
    assert.doesNotMatch(list, /^o\s/m);
  });

  it('lab down leaves no namespace and no process of the lab, and can run again', async () => {
    const out = await ok('lab', 'down', '--prefix', P, '--dir', DIR);
    assert.match(out, /is down/);
    assert.deepEqual(await labNetns(), [], 'no namespace with the prefix');
    assert.deepEqual(labPids(), [], 'no process of the lab');
    assert.ok(!(await sh('rabbitmqctl', ['list_vhosts'])).stdout.includes(`neutrino-${P}lab`), 'vhost deleted');
    assert.match(await ok('lab', 'down', '--prefix', P, '--dir', DIR), /nothing to do/);
  });
});
