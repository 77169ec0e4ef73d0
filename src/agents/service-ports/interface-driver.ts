// [DEFAULT] interface_driver of the DHCP and L3 agents: where a service port's host end (its
// tap) goes once its veth is made (veth-plug.ts).
// - linuxbridge (Neutron's BridgeInterfaceDriver): nowhere; the Linux bridge agent finds the
//   tap by its name and puts it into the network's bridge.
// - openvswitch (Neutron's OVSInterfaceDriver with ovs_use_veth): the tap joins the integration
//   bridge with external_ids iface-id / iface-status / attached-mac, so the Open vSwitch agent
//   of the host sees it in OVSDB, tags it with its network's local VLAN and reports it up. It
//   starts on the dead VLAN, isolated until the agent has wired it. The gateway port (qg-)
//   joins br-int too: the external network is a flat or VLAN network on a physnet the agent
//   reaches through [ovs] bridge_mappings (Neutron without external_network_bridge).
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { ConfigError } from '../../config/config.js';
import { servicePortDevice, TAP_PREFIX, tapName, type ServicePortPrefix } from '../../contract/device-names.js';
import { DEAD_VLAN } from '../openvswitch/names.js';
import { run } from '../../linux/exec.js';
import { detectDatapathType, Ovs, vsctlString } from '../../linux/ovs.js';

/** a service port (DHCP, router) to plug into its namespace */
export interface ServicePort {
  /** '' = the real host */
  hostNamespace: string;
  /** the service namespace (it must exist) */
  namespace: string;
  portId: string;
  mac: string;
  mtu: number;
  prefix: ServicePortPrefix;
}

export interface InterfaceDriver {
  readonly name: 'linuxbridge' | 'openvswitch';
  /** The taps of these ports were just made: attach them where the L2 agent looks. */
  plugged(ports: ServicePort[]): Promise<void>;
  /** These service devices (ns-/qr-/qg-…, inside a namespace being taken away) are gone: detach their taps. */
  unplugged(devices: string[]): Promise<void>;
}

/** The tap of a service device: tap + the same 11 characters of the port id. */
export const tapOfServiceDevice = (dev: string): string => `${TAP_PREFIX}${dev.slice(3)}`;

export const LINUX_BRIDGE_INTERFACE_DRIVER: InterfaceDriver = {
  name: 'linuxbridge',
  plugged: () => Promise.resolve(),
  unplugged: () => Promise.resolve(),
};

export class OvsInterfaceDriver implements InterfaceDriver {
  readonly name = 'openvswitch';

  constructor(
    private readonly ovs: Ovs,
    private readonly bridge: string,
    private readonly log?: Logger,
    /** the userspace datapath (netdev): see plugged() */
    private readonly userspace = false,
  ) {}

  /** One ovs-vsctl transaction for all the ports, committed without waiting for ovs-vswitchd (the agent tags the row). */
  async plugged(ports: ServicePort[]): Promise<void> {
    if (!ports.length) return;
    const cmds: string[][] = [];
    for (const p of ports) {
      const tap = tapName(p.portId);
      cmds.push(
        ['--may-exist', 'add-port', this.bridge, tap, `tag=${DEAD_VLAN}`],
        ['set', 'Interface', tap, `external_ids:iface-id=${p.portId}`, 'external_ids:iface-status=active', `external_ids:attached-mac=${vsctlString(p.mac.toLowerCase())}`],
      );
    }
    await this.ovs.vsctl(cmds, { noWait: true });
    // the userspace datapath drops a packet whose checksum the sender left to the NIC (a veth
    // passes it on partial) when it goes into a VXLAN tunnel: the service port's own end
    // computes its checksums in software (as Neutron's DHCP agent fills DHCP checksums)
    if (this.userspace) {
      for (const p of ports) await run('ethtool', ['-K', servicePortDevice(p.prefix, p.portId), 'tx', 'off'], { netns: p.namespace, allowFailure: true });
    }
    this.log?.info(
      { event: 'interface.ovs_plugged', bridge: this.bridge, devices: ports.map((p) => servicePortDevice(p.prefix, p.portId)) },
      `${ports.length} service port(s) attached to ${this.bridge}`,
    );
  }

  async unplugged(devices: string[]): Promise<void> {
    if (!devices.length) return;
    await this.ovs.vsctl(devices.map((d) => ['--if-exists', 'del-port', this.bridge, tapOfServiceDevice(d)]));
  }
}

const OVS_NAMES = ['openvswitch', 'neutron.agent.linux.interface.OVSInterfaceDriver'];

/** [DEFAULT] interface_driver, with [ovs] integration_bridge and ovsdb_connection for the openvswitch one. */
export async function interfaceDriverFromConfig(c: Config, log?: Logger): Promise<InterfaceDriver> {
  const name = c.str('DEFAULT', 'interface_driver');
  if (!OVS_NAMES.includes(name)) return LINUX_BRIDGE_INTERFACE_DRIVER;
  const connection = c.str('ovs', 'ovsdb_connection');
  let ovs: Ovs;
  try {
    ovs = Ovs.fromConnection(connection);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const bridge = c.str('ovs', 'integration_bridge');
  let state: Awaited<ReturnType<Ovs['state']>>;
  try {
    state = await ovs.state();
  } catch (e) {
    throw new ConfigError(
      `[DEFAULT] interface_driver = openvswitch: cannot reach OVSDB at [ovs] ovsdb_connection = ${connection}: ${(e as Error).message.split('\n')[0]} (are ovsdb-server and ovs-vswitchd running?)`,
    );
  }
  // the Open vSwitch agent makes br-int (it may start after this agent): until it is there, plugs fail and are retried
  if (!state.bridges.has(bridge))
    log?.warn(
      { event: 'interface.no_integration_bridge', bridge, ovsdb_connection: connection },
      `[ovs] integration_bridge ${bridge} does not exist yet on ${connection}: the Open vSwitch agent of this host makes it`,
    );
  const userspace = state.bridges.get(bridge)?.datapathType === 'netdev' || (!state.bridges.has(bridge) && detectDatapathType().type === 'netdev');
  return new OvsInterfaceDriver(ovs, bridge, log, userspace);
}
