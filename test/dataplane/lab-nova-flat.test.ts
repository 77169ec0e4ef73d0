// nova-network's Flat mode in a lab, end to end (real kernel, the server and agents as processes
// over RabbitMQ): the operator's bridge br100 (eth2 under it) exists on every host; the
// network and the floating pool are made with neutrino-manage, nothing by hand through the API.
// Instances booted without --network take the flat network, get their address injected (an
// /etc/network/interfaces file under /etc/netns/<ns>/, no DHCP server on the network), reach
// each other across hosts and the lab's internet through the mode gateway (the network host's
// router nova-network-gateway, SNAT out on pool public); auto_assign_floating_ip gives each a
// floating IP reachable from the internet namespace, released when the instance is deleted.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { labDriver, sh, sleep } from '../helpers/lab-driver.js';

const lab = labDriver('nf');
const { P, DIR, CONF, neutrino, api } = lab;
const INTERNET = `${P}internet`;
const EXTRA = join(DIR, 'nova.conf');
const MANAGE = new URL('../../src/cli/manage.js', import.meta.url).pathname;
const HOSTS = ['network', 'compute1', 'compute2'];

/** neutrino-manage as the operator runs it on the controller (the lab's database and bus) */
const manage = (...args: string[]) => sh('nsenter', [`--net=/run/netns/${P}controller`, '--', process.execPath, MANAGE, '--config-file', CONF, '--config-file', EXTRA, ...args]);
const record = (name: string) =>
  JSON.parse(readFileSync(join(DIR, 'instances', `${name}.json`), 'utf8')) as { port_id: string; netns: string; fixed_ips: { ip_address: string }[]; injected_file?: string };
const fromInternet = async (ip: string) => (await sh('ip', ['netns', 'exec', INTERNET, 'ping', '-c', '1', '-W', '1', ip])).code === 0;

async function until(what: string, fn: () => Promise<boolean>, ms = 20_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - t0;
    if (Date.now() - t0 > ms) assert.fail(`${what}: not within ${ms / 1000} s`);
    await sleep(200);
  }
}

describe(`nova-network Flat mode in the lab (prefix ${P})`, { timeout: 10 * 60_000 }, () => {
  let networkId = '';

  before(async () => {
    writeFileSync(
      EXTRA,
      [
        '[DEFAULT]',
        'network_manager = nova.network.manager.FlatManager',
        'flat_network_bridge = br100',
        'default_floating_pool = public',
        'public_interface = eth3',
        'auto_assign_floating_ip = true',
        '[linux_bridge]',
        'physical_interface_mappings = eth3:eth3',
        '[ml2_type_flat]',
        'flat_networks = br100,eth3',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    lab.url = `http://127.0.0.1:${port}`;
    const r = await neutrino('lab', 'up', '--computes', '2', '--prefix', P, '--dir', DIR, '--port', String(port), '--no-external', '--service-plugins', 'nova_network', '--extra-config', EXTRA);
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout}\n${r.stderr}`);
    // the operator's part of Flat mode: br100 on every host, the physical NIC under it
    for (const h of HOSTS) {
      const made = await sh('sh', ['-c', `printf 'link add br100 type bridge\\nlink set eth2 master br100\\nlink set eth2 up\\nlink set br100 up\\n' | ip -n ${P}${h} -batch -`]);
      assert.equal(made.code, 0, made.stderr);
    }
  });

  after(async () => {
    await lab.teardown();
  });

  it('neutrino-manage makes the pool and the flat network; the network host becomes their gateway', async () => {
    const pool = await manage('floating', 'create', '--ip_range', '172.24.4.0/26', '--pool', 'public', '--interface', 'eth3', '--gateway', '172.24.4.1');
    assert.equal(pool.code, 0, `${pool.stdout}\n${pool.stderr}`);
    assert.match(pool.stdout, /no gateway out yet: no Flat or FlatDHCP network yet/);
    const net = await manage('network', 'create', '--label', 'flat', '--fixed_range_v4', '10.0.0.0/27', '--num_networks', '1', '--network_size', '32', '--bridge', 'br100');
    assert.equal(net.code, 0, `${net.stdout}\n${net.stderr}`);
    assert.match(net.stdout, /gateway router nova-network-gateway/);
    assert.match(net.stdout, /gateway 10\.0\.0\.1 of 10\.0\.0\.0\/27 is nova-network-gateway's/);
    const nets = (await api('GET', '/networks?name=flat')).networks;
    assert.equal(nets.length, 1);
    networkId = nets[0].id;
    assert.deepEqual(nets[0].tags, ['nova-network:flat']);
    const [router] = (await api('GET', '/routers?name=nova-network-gateway')).routers;
    const gw = router.external_gateway_info.external_fixed_ips[0].ip_address as string;
    await until(`the mode gateway ${gw} answers from the internet namespace`, () => fromInternet(gw), 60_000);
  });

  it('an instance booted without --network takes the flat network with its address injected, no DHCP', async () => {
    const r = await neutrino('instance', 'boot', 'f1', '--host', 'compute1', '--config-file', CONF, '--timeout', '30');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /address injected/);
    const rec = record('f1');
    assert.equal(rec.injected_file, `/etc/netns/${rec.netns}/network/interfaces`);
    const file = readFileSync(rec.injected_file!, 'utf8');
    const ip = rec.fixed_ips[0].ip_address;
    assert.match(file, /iface eth0 inet static/);
    assert.match(file, new RegExp(`address ${ip.replace(/\./g, '\\.')}\\b`));
    assert.match(file, /netmask 255\.255\.255\.224/);
    assert.match(file, /gateway 10\.0\.0\.1/);
    const addr = await lab.inInstance('f1', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0');
    assert.match(addr.stdout, new RegExp(`${ip.replace(/\./g, '\\.')}/27`));
    const route = await lab.inInstance('f1', 'ip', 'route', 'show', 'default');
    assert.match(route.stdout, /default via 10\.0\.0\.1/);
    // no DHCP server on a Flat network: no qdhcp namespace or dnsmasq for it on the network host
    const nsList = (await sh('ip', ['netns', 'list'])).stdout;
    assert.doesNotMatch(nsList, new RegExp(`qdhcp-${networkId}`));
    const ports = (await api('GET', `/ports?network_id=${networkId}&device_owner=network:dhcp`)).ports;
    assert.equal(ports.length, 0, 'no DHCP port on the flat network');
  });

  it('instances on two hosts reach each other over br100 and the internet through the network host (SNAT)', async () => {
    const r = await neutrino('instance', 'boot', 'f2', '--host', 'compute2', '--config-file', CONF, '--timeout', '30');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const f2 = record('f2').fixed_ips[0].ip_address;
    assert.ok(await lab.pingBecomes('f1', f2, true, 15_000), `f1 → f2 ${f2} across hosts`);
    assert.ok(await lab.pingBecomes('f1', '10.0.0.1', true, 15_000), 'f1 → its gateway on the network host');
    assert.ok(await lab.pingBecomes('f2', '198.51.100.1', true, 15_000), 'f2 → a host on the internet, SNAT on the network host');
  });

  it('auto_assign_floating_ip: each instance has a floating IP from the pool, reachable from the internet; released on delete', async () => {
    const rec = record('f1');
    let fip = '';
    await until('f1 has an auto-assigned floating IP', async () => {
      const list = (await api('GET', `/floatingips?port_id=${rec.port_id}`)).floatingips;
      fip = list[0]?.floating_ip_address ?? '';
      return list.length === 1;
    });
    assert.match(fip, /^172\.24\.4\.([2-9]|[1-5]\d|6[0-2])$/, `${fip} is from the pool 172.24.4.0/26`);
    // as in nova (secgroup-add-rule default icmp): the project's default group lets pings in
    const [group] = (await api('GET', `/ports/${rec.port_id}`)).port.security_groups as string[];
    await api('POST', '/security-group-rules', { security_group_rule: { security_group_id: group, direction: 'ingress', ethertype: 'IPv4', protocol: 'icmp', remote_ip_prefix: '0.0.0.0/0' } });
    await until(`floating IP ${fip} answers from the internet namespace`, () => fromInternet(fip), 30_000);
    const listed = await manage('floating', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${fip.replace(/\./g, '\\.')}\\s+\\S+\\s+public\\s+eth3`));
    const del = await neutrino('instance', 'delete', 'f1', '--config-file', CONF);
    assert.equal(del.code, 0, `${del.stdout}\n${del.stderr}`);
    assert.equal(existsSync(rec.injected_file!), false, 'the injected file goes with the instance');
    await until('the floating IP is released', async () => (await api('GET', `/floatingips?floating_ip_address=${fip}`)).floatingips.length === 0);
    await until(`${fip} no longer answers`, async () => !(await fromInternet(fip)), 15_000);
  });
});
