// The DHCP agent's domain: [DEFAULT] dns_domain (what the server's dns_assignment uses) unless
// dhcp_domain, Neutron's deprecated name, was set to something of its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dhcpDomain } from '../../src/agents/dhcp/start.js';
import { Config } from '../../src/config/config.js';

test('defaults: openstacklocal', () => {
  assert.equal(dhcpDomain(Config.load()), 'openstacklocal');
});

test('dns_domain is taken, without its trailing dot', () => {
  assert.equal(dhcpDomain(Config.load([], { DEFAULT: { dns_domain: 'example.org.' } })), 'example.org');
});

test('a dhcp_domain of its own wins over dns_domain', () => {
  assert.equal(dhcpDomain(Config.load([], { DEFAULT: { dns_domain: 'example.org', dhcp_domain: 'lab.local' } })), 'lab.local');
});
