// Floating IP port forwardings through the real `openstack` CLI (Debian's
// python3-openstackclient) against a Neutrino server with the port_forwarding plugin, in
// noauth mode: what the CLI prints is compared with what the API holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliServer } from '../helpers/cli-server.js';

describe('openstack CLI: floating ip port forwarding', () => {
  const pfx = `pf${process.pid}`;

  const h = cliServer('pf', { DEFAULT: { service_plugins: 'router,port_forwarding' } });

  const api = h.api;

  it('create, list (with filters), show, set and delete', async () => {
    const ext = await h.osc.json(['network', 'create', '--external', `${pfx}-ext`]);
    await h.osc.json(['subnet', 'create', '--network', ext.id, '--subnet-range', '172.30.0.0/24', `${pfx}-ext-v4`]);
    const net = await h.osc.json(['network', 'create', `${pfx}-net`]);
    const sub = await h.osc.json(['subnet', 'create', '--network', net.id, '--subnet-range', '10.170.0.0/24', `${pfx}-v4`]);
    const router = await h.osc.json(['router', 'create', '--external-gateway', ext.id, `${pfx}-r`]);
    await h.osc.ok(['router', 'add', 'subnet', router.id, sub.id]);
    const a = await h.osc.json(['port', 'create', '--network', net.id, `${pfx}-a`]);
    const b = await h.osc.json(['port', 'create', '--network', net.id, `${pfx}-b`]);
    const ipA = a.fixed_ips[0].ip_address as string;
    const ipB = b.fixed_ips[0].ip_address as string;
    const fip = await h.osc.json(['floating', 'ip', 'create', ext.id]);

    const ssh = await h.osc.json([
      'floating',
      'ip',
      'port',
      'forwarding',
      'create',
      '--internal-ip-address',
      ipA,
      '--port',
      a.id,
      '--internal-protocol-port',
      '22',
      '--external-protocol-port',
      '2222',
      '--protocol',
      'tcp',
      '--description',
      'ssh to a',
      fip.floating_ip_address,
    ]);
    assert.equal(ssh.internal_port, 22);
    assert.equal(ssh.external_port, 2222);
    assert.equal(ssh.internal_ip_address, ipA);
    assert.equal(ssh.internal_port_id, a.id);
    assert.equal(ssh.protocol, 'tcp');
    assert.equal(ssh.description, 'ssh to a');
    const stored = (await api('GET', `/v2.0/floatingips/${fip.id}/port_forwardings/${ssh.id}`)).port_forwarding;
    assert.equal(stored.external_port, 2222);
    assert.equal(stored.internal_port_id, a.id);

    const web = await h.osc.json([
      'floating',
      'ip',
      'port',
      'forwarding',
      'create',
      '--internal-ip-address',
      ipB,
      '--port',
      b.id,
      '--internal-protocol-port',
      '80',
      '--external-protocol-port',
      '8080',
      '--protocol',
      'tcp',
      fip.id,
    ]);
    // a second forwarding of the same external port is refused with Neutron's message
    const dup = await h.osc.run([
      'floating',
      'ip',
      'port',
      'forwarding',
      'create',
      '--internal-ip-address',
      ipB,
      '--port',
      b.id,
      '--internal-protocol-port',
      '81',
      '--external-protocol-port',
      '8080',
      '--protocol',
      'tcp',
      fip.id,
    ]);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /duplicate port forwarding/);

    const listed = await h.osc.json(['floating', 'ip', 'port', 'forwarding', 'list', fip.id]);
    assert.deepEqual(listed.map((p: { ID: string }) => p.ID).sort(), [ssh.id, web.id].sort());
    const byPort = await h.osc.json(['floating', 'ip', 'port', 'forwarding', 'list', '--port', b.id, fip.id]);
    assert.deepEqual(
      byPort.map((p: { ID: string }) => p.ID),
      [web.id],
    );
    const byExt = await h.osc.json(['floating', 'ip', 'port', 'forwarding', 'list', '--external-protocol-port', '2222', fip.id]);
    assert.deepEqual(
      byExt.map((p: { ID: string }) => p.ID),
      [ssh.id],
    );

    await h.osc.ok(['floating', 'ip', 'port', 'forwarding', 'set', '--internal-protocol-port', '8081', '--description', 'web', fip.id, web.id]);
    const shown = await h.osc.json(['floating', 'ip', 'port', 'forwarding', 'show', fip.id, web.id]);
    assert.equal(shown.internal_port, 8081);
    assert.equal(shown.description, 'web');
    assert.equal((await api('GET', `/v2.0/floatingips/${fip.id}/port_forwardings/${web.id}`)).port_forwarding.internal_port, 8081);

    // a floating IP with forwardings is not associated with a port
    const assoc = await h.osc.run(['floating', 'ip', 'set', '--port', a.id, fip.id]);
    assert.notEqual(assoc.code, 0);
    assert.match(assoc.stderr, /in use by Port Forwarding/);

    await h.osc.ok(['floating', 'ip', 'port', 'forwarding', 'delete', fip.id, ssh.id, web.id]);
    assert.deepEqual((await api('GET', `/v2.0/floatingips/${fip.id}/port_forwardings`)).port_forwardings, []);
    assert.equal((await api('GET', `/v2.0/floatingips/${fip.id}`)).floatingip.router_id, null);
  });
});
