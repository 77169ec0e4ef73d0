// `neutrino agent dhcp`: builds the DHCP agent from the config and starts it.
import { join, resolve } from 'node:path';
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
  return new DhcpAgent({
    bus: o.bus,
    log: o.log,
    host: o.host,
    reportInterval: c.int('agent', 'report_interval'),
    hostNamespace: c.str('agent', 'host_namespace'),
    // absolute: dnsmasq runs with another working directory and reads these paths later
    dhcpDir: join(resolve(c.str('DEFAULT', 'state_path')), 'dhcp'),
    leaseDuration: c.int('DEFAULT', 'dhcp_lease_duration'),
    leaseMax: c.int('DEFAULT', 'dnsmasq_lease_max'),
    dnsServers: c.list('DEFAULT', 'dnsmasq_dns_servers'),
    domain: c.str('DEFAULT', 'dhcp_domain'),
  });
}

export async function startDhcpAgent(o: DhcpAgentStartOptions): Promise<{ stop(): Promise<void> }> {
  const agent = dhcpAgentFromConfig(o);
  try {
    await agent.start();
  } catch (e) {
    await agent.stop().catch(() => undefined);
    throw e;
  }
  return agent;
}
