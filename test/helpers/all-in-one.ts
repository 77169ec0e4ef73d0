// What the `neutrino up` tests (on this host, and with --lab) both prove of an instance.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { type Out, sh } from './lab-driver.js';

/**
 * Boots vm1 on `private` without --config-file: it gets a DHCP address, goes out to
 * 198.51.100.1 by SNAT, and answers a floating IP pinged from the prefix's internet namespace.
 * Returns the ids of the ports there are then (for the caller's cleanup checks).
 */
export async function bootReachingOutAndIn(o: {
  neutrino: (...args: string[]) => Promise<Out>;
  // biome-ignore lint/suspicious/noExplicitAny: API bodies in tests
  api: (method: string, path: string, body?: unknown) => Promise<any>;
  prefix: string;
}): Promise<string[]> {
  const { neutrino, api, prefix: P } = o;
  const boot = await neutrino('instance', 'boot', 'vm1', '--network', 'private');
  assert.equal(boot.code, 0, `${boot.stdout}\n${boot.stderr}`);
  assert.match(boot.stdout, /DHCP lease 10\.0\.0\.\d+\/24 router 10\.0\.0\.1/);
  assert.ok((existsSync('/run/netns') ? readdirSync('/run/netns') : []).includes(`${P}vm-vm1`));
  const out = await neutrino('instance', 'exec', 'vm1', '--', 'ping', '-c', '1', '-W', '2', '198.51.100.1');
  assert.equal(out.code, 0, `out by SNAT:\n${out.stdout}\n${out.stderr}`);

  const pub = (await api('GET', '/networks?name=public')).networks[0];
  const port = (await api('GET', '/ports?name=vm1')).ports[0];
  const ports = ((await api('GET', '/ports')).ports as { id: string }[]).map((p) => p.id);
  const fip = (await api('POST', '/floatingips', { floatingip: { floating_network_id: pub.id, port_id: port.id } })).floatingip;
  const sg = (await api('GET', '/security-groups?name=default')).security_groups[0];
  await api('POST', '/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', protocol: 'icmp' } });
  let ok = false;
  for (let i = 0; i < 10 && !ok; i++) ok = (await sh('ip', ['netns', 'exec', `${P}internet`, 'ping', '-c', '1', '-W', '1', fip.floating_ip_address])).code === 0;
  assert.ok(ok, `${fip.floating_ip_address} answers from ${P}internet`);
  return ports;
}
