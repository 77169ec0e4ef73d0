// Flat-mode injection: the /etc/network/interfaces file nova's flat_injected wrote, and what the
// instance's ifup makes of it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interfacesCommands, interfacesFileOf, renderInterfaces } from '../../src/compute/interfaces-file.js';

describe('injected interfaces file', () => {
  it('renders a static stanza as nova did and reads back to ip commands and DNS', () => {
    const text = renderInterfaces([{ dev: 'eth0', address: '10.0.0.3', prefixlen: 27, gateway: '10.0.0.1', dns: ['10.0.0.1', '8.8.8.8'] }]);
    assert.match(
      text,
      /auto eth0\niface eth0 inet static\n {4}address 10\.0\.0\.3\n {4}netmask 255\.255\.255\.224\n {4}broadcast 10\.0\.0\.31\n {4}gateway 10\.0\.0\.1\n {4}dns-nameservers 10\.0\.0\.1 8\.8\.8\.8/,
    );
    assert.deepEqual(interfacesCommands(text), { lines: ['addr add 10.0.0.3/27 dev eth0', 'route replace default via 10.0.0.1 dev eth0'], dns: ['10.0.0.1', '8.8.8.8'] });
  });

  it('takes CIDR addresses, leaves dhcp and loopback stanzas alone, refuses a netmask that is no prefix', () => {
    const text = 'auto lo\niface lo inet loopback\niface eth1 inet dhcp\n  address 1.2.3.4\niface eth0 inet static\n  address 192.0.2.5/24 # comment\n';
    assert.deepEqual(interfacesCommands(text), { lines: ['addr add 192.0.2.5/24 dev eth0'], dns: [] });
    assert.throws(() => interfacesCommands('iface eth0 inet static\n address 192.0.2.5\n netmask 255.0.255.0\n'), /not a prefix/);
    assert.equal(interfacesFileOf('vm-a'), '/etc/netns/vm-a/network/interfaces');
  });
});
