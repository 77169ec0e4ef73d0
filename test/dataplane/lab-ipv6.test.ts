// IPv6 router advertisements in a lab (real kernel, radvd, server and agents as processes over
// RabbitMQ): a SLAAC subnet on the lab's private network and another on a second network, both
// on router1; the L3 agent runs one radvd in router1's namespace advertising both prefixes
// (M/O flags as Neutron, the MTU); an instance on each takes its EUI-64 address from the
// advertisement (not configured by the boot) and reaches the other subnet through the router;
// a changed prefix set reloads radvd (same pid), and the router without IPv6 subnets stops it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { labDriver, sh, sleep } from '../helpers/lab-driver.js';

const lab = labDriver('v6');
const { P, DIR, CONF, neutrino, ok, api, inInstance } = lab;

const record = (name: string) => JSON.parse(readFileSync(join(DIR, 'instances', `${name}.json`), 'utf8')) as { port_id: string; fixed_ips: { ip_address: string }[]; mac: string };

/** The radvd of the router on the network host: its files live in the lab's network state_path. */
function radvdFiles(routerId: string): { conf: string; pid: string } | null {
  for (const base of [join(DIR, 'hosts', 'network')]) {
    const conf = join(base, 'ra', `${routerId}.conf`);
    if (existsSync(conf)) return { conf, pid: join(base, 'ra', `${routerId}.pid`) };
  }
  return null;
}

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe(`IPv6 router advertisements in the lab (prefix ${P})`, { timeout: 10 * 60_000 }, () => {
  let routerId = '';
  let v6a = '';
  let v6b = '';
  let v6c = '';

  before(async () => {
    const port = await freePort();
    lab.url = `http://127.0.0.1:${port}`;
    const r = await neutrino('lab', 'up', '--computes', '2', '--prefix', P, '--dir', DIR, '--port', String(port));
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout}\n${r.stderr}`);
  });

  after(async () => {
    await lab.teardown();
  });

  it('router1 advertises two SLAAC prefixes with one radvd', async () => {
    const priv = (await api('GET', '/networks?name=private')).networks[0];
    routerId = (await api('GET', '/routers?name=router1')).routers[0].id;
    const a = (await api('POST', '/subnets', { subnet: { network_id: priv.id, name: 'private-v6', ip_version: 6, cidr: 'fd00:a::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' } })).subnet;
    v6a = a.id;
    await api('PUT', `/routers/${routerId}/add_router_interface`, { subnet_id: a.id });
    const net6 = (await api('POST', '/networks', { network: { name: 'net6' } })).network;
    const b = (await api('POST', '/subnets', { subnet: { network_id: net6.id, name: 'net6-v6', ip_version: 6, cidr: 'fd00:b::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' } })).subnet;
    v6b = b.id;
    await api('PUT', `/routers/${routerId}/add_router_interface`, { subnet_id: b.id });
    const files = await until('radvd config of router1', () => radvdFiles(routerId) ?? undefined);
    const conf = await until('both prefixes in the radvd config', () => {
      const c = readFileSync(files.conf, 'utf8');
      return c.includes('fd00:a::/64') && c.includes('fd00:b::/64') ? c : undefined;
    });
    assert.match(conf, /AdvSendAdvert on;/);
    assert.match(conf, /AdvAutonomous on;/);
    assert.doesNotMatch(conf, /AdvManagedFlag on;/, 'SLAAC: no Managed flag');
    assert.doesNotMatch(conf, /AdvOtherConfigFlag on;/, 'SLAAC: no Other-config flag');
    assert.match(conf, /AdvLinkMTU \d+;/);
    assert.equal((conf.match(/^interface qr-/gm) ?? []).length, 2, conf);
    const pid = await until('radvd running', () => {
      try {
        const p = Number(readFileSync(files.pid, 'utf8').trim());
        return existsSync(`/proc/${p}`) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(files.conf) ? p : undefined;
      } catch {
        return undefined;
      }
    });
    const ns = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    assert.ok(ns.includes('radvd'));
    const netns = (await sh('ip', ['netns', 'identify', String(pid)])).stdout.trim();
    assert.ok(netns.startsWith(P) && netns.includes(`qrouter-${routerId}`), `radvd runs in router1's namespace (${netns})`);
  });

  it('instances take their EUI-64 addresses from the advertisement and reach each other through the router', async () => {
    await ok('instance', 'boot', 's1', '--network', 'private', '--host', 'compute1', '--config-file', CONF, '--timeout', '40');
    await ok('instance', 'boot', 's2', '--network', 'net6', '--host', 'compute2', '--config-file', CONF, '--timeout', '40');
    const s1 = record('s1');
    const s2 = record('s2');
    const ip1 = s1.fixed_ips.find((f) => f.ip_address.startsWith('fd00:a:'))!.ip_address;
    const ip2 = s2.fixed_ips.find((f) => f.ip_address.startsWith('fd00:b:'))!.ip_address;
    // the port's address is the EUI-64 of its MAC (IPAM), and the instance made the same one
    const mac = s1.mac.split(':').map((h) => Number.parseInt(h, 16));
    const eui = [((mac[0] ^ 2) << 8) | mac[1], (mac[2] << 8) | 0xff, (0xfe << 8) | mac[3], (mac[4] << 8) | mac[5]].map((x) => x.toString(16)).join(':');
    assert.equal(ip1, `fd00:a::${eui}`);
    const addr1 = (await inInstance('s1', 'ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global')).stdout;
    assert.match(addr1, new RegExp(`inet6 ${ip1}/64 .*dynamic`), `s1's address came from the advertisement (dynamic): ${addr1}`);
    const route = (await inInstance('s1', 'ip', '-6', 'route', 'show', 'default')).stdout;
    assert.match(route, /default via fe80::\S+ dev eth0 proto ra/, `the default route came from the advertisement: ${route}`);
    const mtu = (await inInstance('s1', 'cat', '/proc/sys/net/ipv6/conf/eth0/mtu')).stdout.trim();
    assert.ok(Number(mtu) > 0);
    const ping = await inInstance('s1', 'ping', '-6', '-c', '3', '-W', '2', ip2);
    assert.equal(ping.code, 0, `s1 → s2 (${ip2}) through router1: ${ping.stdout}${ping.stderr}`);
    const back = await inInstance('s2', 'ping', '-6', '-c', '2', '-W', '2', ip1);
    assert.equal(back.code, 0, `s2 → s1 (${ip1}): ${back.stdout}${back.stderr}`);
  });

  it("DHCPv6-stateful: the Managed flag, no autonomous prefix, and the port's exact address by DHCPv6", async () => {
    const net = (await api('POST', '/networks', { network: { name: 'net6s' } })).network;
    const c = (
      await api('POST', '/subnets', { subnet: { network_id: net.id, name: 'net6s-v6', ip_version: 6, cidr: 'fd00:c::/64', ipv6_ra_mode: 'dhcpv6-stateful', ipv6_address_mode: 'dhcpv6-stateful' } })
    ).subnet;
    v6c = c.id;
    await api('PUT', `/routers/${routerId}/add_router_interface`, { subnet_id: c.id });
    const files = radvdFiles(routerId)!;
    const conf = await until('the stateful prefix advertised', () => {
      const text = readFileSync(files.conf, 'utf8');
      return text.includes('fd00:c::/64') ? text : undefined;
    });
    const block = conf.slice(conf.lastIndexOf('interface', conf.indexOf('fd00:c::/64')));
    assert.match(block, /AdvManagedFlag on;/);
    assert.match(block, /AdvOtherConfigFlag on;/);
    assert.match(block.slice(block.indexOf('fd00:c::/64')), /AdvAutonomous off;/);
    // a fixed address that is not the first of the pool, so "the exact one" means something
    const want = 'fd00:c::1234';
    const boot = await ok('instance', 'boot', 's3', '--network', 'net6s', '--fixed-ip', want, '--host', 'compute1', '--config-file', CONF, '--timeout', '40');
    assert.match(boot, /IPv6 fd00:c::1234 by DHCPv6/, boot);
    const addr = (await inInstance('s3', 'ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global')).stdout;
    // DHCPv6 leases carry no prefix length (a /128, as on any VM); the prefix is on-link by the advertisement
    assert.match(addr, /inet6 fd00:c::1234\/128/, `s3 has its port's exact address by DHCPv6: ${addr}`);
    assert.doesNotMatch(addr, /inet6 fd00:c::(?!1234\/)/, `and no other address of the subnet (no SLAAC on a stateful prefix): ${addr}`);
    const onLink = (await inInstance('s3', 'ip', '-6', 'route', 'show', 'fd00:c::/64')).stdout;
    assert.match(onLink, /fd00:c::\/64 dev eth0 proto kernel .*expires \d+sec/, `the prefix is on-link by the advertisement (a route that expires with its valid lifetime): ${onLink}`);
    const s1 = record('s1');
    const ip1 = s1.fixed_ips.find((f) => f.ip_address.startsWith('fd00:a:'))!.ip_address;
    const ping = await until('s3 → s1 through the router', async () => ((await inInstance('s3', 'ping', '-6', '-c', '1', '-W', '2', ip1)).code === 0 ? true : undefined));
    assert.ok(ping);
  });

  it('a change of prefixes reloads radvd (same process); no IPv6 subnet left stops it', async () => {
    const files = radvdFiles(routerId)!;
    const pid = Number(readFileSync(files.pid, 'utf8').trim());
    await api('PUT', `/routers/${routerId}/remove_router_interface`, { subnet_id: v6b });
    await until('fd00:b::/64 gone from the config', () => (!readFileSync(files.conf, 'utf8').includes('fd00:b::/64') ? true : undefined));
    assert.equal(Number(readFileSync(files.pid, 'utf8').trim()), pid, 'reloaded, not restarted');
    assert.ok(existsSync(`/proc/${pid}`));
    await api('PUT', `/routers/${routerId}/remove_router_interface`, { subnet_id: v6a });
    await api('PUT', `/routers/${routerId}/remove_router_interface`, { subnet_id: v6c });
    await until('radvd stopped', () => (!existsSync(`/proc/${pid}`) && !existsSync(files.conf) ? true : undefined));
  });
});
