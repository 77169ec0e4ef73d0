// `neutrino agent dhcp`: builds the DHCP agent from the config and starts it.
import { startOrUndo } from '../agent-core.js';
import { statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { Bus } from '../../rpc/bus.js';
import { DhcpAgent } from './dhcp-agent.js';

export interface DhcpAgentStartOptions {
  bus: Bus;
  log: Logger;
  host: string;
  config: Config;
}

export function dhcpAgentFromConfig(o: DhcpAgentStartOptions): DhcpAgent {
  const c = o.config;
  // read for its check: a Neutron config naming the openvswitch driver must fail here, not plug wrongly
  c.str('DEFAULT', 'interface_driver');
  const dhcpDir = join(resolve(c.str('DEFAULT', 'state_path')), 'dhcp');
  const unreachable = closedAncestor(dhcpDir);
  if (unreachable) {
    o.log.warn(
      { event: 'dhcp.dnsmasq_user', dir: unreachable, dhcp_dir: dhcpDir },
      `${unreachable} is closed to other users, so dnsmasq, after dropping to nobody, could not read its files again on SIGHUP: it runs as root (--user=root). Give ${unreachable} o+x, or put state_path elsewhere, to let it drop privileges`,
    );
  }
  return new DhcpAgent({
    bus: o.bus,
    log: o.log,
    host: o.host,
    reportInterval: c.int('agent', 'report_interval'),
    availabilityZone: c.str('agent', 'availability_zone'),
    hostNamespace: c.str('agent', 'host_namespace'),
    // absolute: dnsmasq runs with another working directory and reads these paths later
    dhcpDir,
    leaseDuration: c.int('DEFAULT', 'dhcp_lease_duration'),
    leaseMax: c.int('DEFAULT', 'dnsmasq_lease_max'),
    dnsServers: c.list('DEFAULT', 'dnsmasq_dns_servers'),
    domain: c.str('DEFAULT', 'dhcp_domain'),
    dnsmasqUser: unreachable ? 'root' : null,
  });
}

/**
 * The first existing directory on the way to dir that other users cannot enter (no o+x), or
 * null. dnsmasq reads its files as root at start but as nobody on every SIGHUP, so a state_path
 * under a 0700 directory (mkdtemp) would leave it blind to every change after the first.
 */
export function closedAncestor(dir: string): string | null {
  const parts = resolve(dir).split(sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const p = sep + parts.slice(0, i).join(sep);
    let st;
    try {
      st = statSync(p);
    } catch {
      return null; // the rest is made by the agent, 0755
    }
    if (st.isDirectory() && (st.mode & 0o001) === 0) return p;
  }
  return null;
}

export async function startDhcpAgent(o: DhcpAgentStartOptions): Promise<{ stop(): Promise<void> }> {
  const agent = dhcpAgentFromConfig(o);
  return startOrUndo(agent);
}
