// nova-network's FlatDHCP mode in a lab, end to end: every host's Linux bridge agent makes br100
// itself with flat_interface (eth2) under it; the network is made with neutrino-manage; an
// instance booted without --network takes its address by DHCP from dnsmasq on the network host;
// deleting it releases the lease at once (dhcp_release) and holds the address for
// fixed_ip_disassociate_timeout seconds (the quarantine port) before it is free again.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { labDriver, sh, sleep } from '../helpers/lab-driver.js';

const lab = labDriver('nd');
const { P, DIR, CONF, neutrino, api } = lab;
const EXTRA = join(DIR, 'nova.conf');
const MANAGE = new URL('../../src/cli/manage.js', import.meta.url).pathname;
const HOLD_S = 6;

const manage = (...args: string[]) => sh('nsenter', [`--net=/run/netns/${P}controller`, '--', process.execPath, MANAGE, '--config-file', CONF, '--config-file', EXTRA, ...args]);
const record = (name: string) => JSON.parse(readFileSync(join(DIR, 'instances', `${name}.json`), 'utf8')) as { port_id: string; mac: string; netns: string; fixed_ips: { ip_address: string }[] };

async function until(what: string, fn: () => Promise<boolean>, ms = 20_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - t0;
    if (Date.now() - t0 > ms) assert.fail(`${what}: not within ${ms / 1000} s`);
    await sleep(200);
  }
}

describe(`nova-network FlatDHCP mode in the lab (prefix ${P})`, { timeout: 10 * 60_000 }, () => {
  let networkId = '';

  before(async () => {
    writeFileSync(
      EXTRA,
      [
        '[DEFAULT]',
        'network_manager = flatdhcp',
        'flat_network_bridge = br100',
        'flat_interface = eth2',
        `fixed_ip_disassociate_timeout = ${HOLD_S}`,
        '[linux_bridge]',
        'physical_interface_mappings = public:eth3',
        '[ml2_type_flat]',
        'flat_networks = br100',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    lab.url = `http://127.0.0.1:${port}`;
    const r = await neutrino('lab', 'up', '--computes', '1', '--prefix', P, '--dir', DIR, '--port', String(port), '--no-external', '--service-plugins', 'nova_network', '--extra-config', EXTRA);
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout}\n${r.stderr}`);
  });

  after(async () => {
    await lab.teardown({ keepDir: !!process.env.KEEP_LAB_DIR });
  });

  it('the agents made br100 with eth2 under it on every host', async () => {
    for (const h of ['network', 'compute1']) {
      const link = await sh('ip', ['-n', `${P}${h}`, '-o', 'link', 'show', 'eth2']);
      assert.match(link.stdout, /master br100/, `${h}: eth2 is under br100`);
    }
  });

  it('an instance booted without --network takes its address by DHCP from the network host', async () => {
    const net = await manage('network', 'create', '--label', 'fdhcp', '--fixed_range_v4', '10.1.0.0/28', '--network_size', '16');
    assert.equal(net.code, 0, `${net.stdout}\n${net.stderr}`);
    const nets = (await api('GET', '/networks?name=fdhcp')).networks;
    networkId = nets[0].id;
    assert.deepEqual(nets[0].tags, ['nova-network:flatdhcp']);
    const r = await neutrino('instance', 'boot', 'g1', '--host', 'compute1', '--config-file', CONF, '--timeout', '30');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /address by DHCP/);
    const g1 = record('g1');
    const leases = join(DIR, 'hosts', 'network', 'dhcp', networkId, 'leases');
    assert.match(readFileSync(leases, 'utf8'), new RegExp(`${g1.mac} ${g1.fixed_ips[0].ip_address.replace(/\./g, '\\.')}`), "dnsmasq's lease");
  });

  it('delete releases the lease at once (dhcp_release) and quarantines the address for fixed_ip_disassociate_timeout', async () => {
    const g1 = record('g1');
    const ip = g1.fixed_ips[0].ip_address;
    const del = await neutrino('instance', 'delete', 'g1', '--config-file', CONF);
    assert.equal(del.code, 0, `${del.stdout}\n${del.stderr}`);
    const leases = join(DIR, 'hosts', 'network', 'dhcp', networkId, 'leases');
    await until('the lease is released', async () => !existsSync(leases) || !readFileSync(leases, 'utf8').includes(g1.mac), 10_000);
    const held = (await api('GET', `/ports?network_id=${networkId}&device_owner=network:quarantine`)).ports;
    assert.equal(held.length, 1);
    assert.deepEqual(
      held[0].fixed_ips.map((f: { ip_address: string }) => f.ip_address),
      [ip],
      'held in quarantine',
    );
    const t = await until(
      'the address comes out of quarantine',
      async () => (await api('GET', `/ports?network_id=${networkId}&device_owner=network:quarantine`)).ports[0].fixed_ips.length === 0,
      (HOLD_S + 10) * 1000,
    );
    assert.ok(t > 1000, `held for a while (${t} ms after the check)`);
  });
});
