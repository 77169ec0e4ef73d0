// `neutrino agent dhcp`: builds the DHCP agent from the config and starts it.
import { startOrUndo } from '../agent-core.js';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { OPTIONS } from '../../config/options.js';
import type { Bus } from '../../rpc/bus.js';
import { closedAncestor } from '../../common/closed-ancestor.js';
import { DhcpAgent } from './dhcp-agent.js';

export { closedAncestor };
import type { DhcpHostSettings } from './network-dhcp.js';
import { MetadataProxies } from '../metadata-proxy/metadata-proxies.js';
import { proxyUser } from '../metadata-proxy/proxy-user.js';
import { requireHaproxy } from '../metadata-proxy/require-haproxy.js';
import { interfaceDriverFromConfig, type InterfaceDriver } from '../service-ports/interface-driver.js';

export interface DhcpAgentStartOptions {
  bus: Bus;
  log: Logger;
  host: string;
  config: Config;
}

export function dhcpAgentFromConfig(o: DhcpAgentStartOptions, metadata?: DhcpHostSettings['metadata'], interfaceDriver?: InterfaceDriver): DhcpAgent {
  const c = o.config;
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
    auditInterval: c.int('agent', 'audit_interval'),
    availabilityZone: c.str('agent', 'availability_zone'),
    hostNamespace: c.str('agent', 'host_namespace'),
    // absolute: dnsmasq runs with another working directory and reads these paths later
    dhcpDir,
    leaseDuration: c.int('DEFAULT', 'dhcp_lease_duration'),
    leaseMax: c.int('DEFAULT', 'dnsmasq_lease_max'),
    dnsServers: c.list('DEFAULT', 'dnsmasq_dns_servers'),
    domain: dhcpDomain(c),
    dnsmasqUser: unreachable ? 'root' : null,
    metadata,
    interfaceDriver,
  });
}

/** The metadata proxies of isolated networks, when [DEFAULT] enable_isolated_metadata or force_metadata. */
export async function dhcpMetadataFromConfig(o: DhcpAgentStartOptions): Promise<DhcpHostSettings['metadata']> {
  const c = o.config;
  const force = c.bool('DEFAULT', 'force_metadata');
  if (!force && !c.bool('DEFAULT', 'enable_isolated_metadata')) return undefined;
  await requireHaproxy(force ? '[DEFAULT] force_metadata = true' : '[DEFAULT] enable_isolated_metadata = true');
  const socket = resolve(c.str('DEFAULT', 'metadata_proxy_socket'));
  return { force, proxies: new MetadataProxies({ kind: 'network', dir: join(resolve(c.str('DEFAULT', 'state_path')), 'metadata-proxy'), socket, user: proxyUser(socket), log: o.log }) };
}

export async function startDhcpAgent(o: DhcpAgentStartOptions): Promise<{ stop(): Promise<void> }> {
  const agent = dhcpAgentFromConfig(o, await dhcpMetadataFromConfig(o), await interfaceDriverFromConfig(o.config, o.log));
  return startOrUndo(agent);
}

/**
 * The domain of the names dnsmasq hands out: [DEFAULT] dns_domain, the server's, unless
 * dhcp_domain (Neutron's deprecated name) was set to something of its own; no trailing dot.
 */
export function dhcpDomain(c: Config): string {
  const dhcp = c.str('DEFAULT', 'dhcp_domain');
  return (dhcp !== OPTIONS.DEFAULT.dhcp_domain.default ? dhcp : c.str('DEFAULT', 'dns_domain')).replace(/\.$/, '');
}
