// The Open vSwitch agent refuses, before it touches anything, the options it does not honour.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { OvsDataplane } from '../../src/agents/openvswitch/ovs-dataplane.js';
import { Config } from '../../src/config/config.js';

const log = pino({ level: 'silent' });
const start = (sections: Record<string, Record<string, string>>) =>
  OvsDataplane.fromConfig(
    Config.load([], { ovs: { ovsdb_connection: 'unix:/nonexistent/neutrino-test/db.sock', ...sections.ovs }, ...Object.fromEntries(Object.entries(sections).filter(([k]) => k !== 'ovs')) }),
    log,
  );

describe('Open vSwitch agent options', () => {
  it('refuses the nftables firewall (it filters Linux bridge ports only); accepts openvswitch', async () => {
    await assert.rejects(start({ securitygroup: { firewall_driver: 'nftables' } }), /firewall_driver = nftables: the Open vSwitch agent filters ports with the openvswitch driver/);
    // accepted: the start goes on to OVSDB (which is not there)
    await assert.rejects(start({ securitygroup: { firewall_driver: 'openvswitch' } }), /cannot reach OVSDB/);
  });

  it('refuses tunnel types other than vxlan, the ARP responder without l2population, and VXLAN without l2population or local_ip', async () => {
    const fw = { firewall_driver: 'noop' };
    await assert.rejects(start({ securitygroup: fw, agent: { tunnel_types: 'gre' } }), /tunnel_types: gre not supported/);
    await assert.rejects(start({ securitygroup: fw, agent: { arp_responder: 'true', l2_population: 'false' } }), /arp_responder = true needs l2_population = true/);
    await assert.rejects(start({ securitygroup: fw, agent: { tunnel_types: 'vxlan', l2_population: 'false' } }), /l2_population = false/);
    await assert.rejects(start({ securitygroup: fw, agent: { tunnel_types: 'vxlan' } }), /local_ip is empty/);
  });

  it('refuses datapath_type = system on a kernel without the openvswitch module, and says why', async (t) => {
    if (existsSync('/sys/module/openvswitch')) return t.skip('this kernel has the openvswitch module');
    await assert.rejects(start({ securitygroup: { firewall_driver: 'noop' }, ovs: { datapath_type: 'system' } }), /datapath_type = system, but this kernel has no openvswitch module/);
  });

  it('says when OVSDB cannot be reached', async () => {
    await assert.rejects(start({ securitygroup: { firewall_driver: 'noop' } }), /cannot reach OVSDB at \[ovs\] ovsdb_connection = unix:\/nonexistent/);
  });
});
