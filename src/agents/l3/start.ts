// `neutrino agent l3`: reads the L3 agent's options, refuses what is not built, starts it.
import { startOrUndo } from '../agent-core.js';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { ConfigError } from '../../config/config.js';
import { namespaceExists } from '../../linux/netns.js';
import type { Bus } from '../../rpc/bus.js';
import { L3Agent } from './l3-agent.js';
import { join, resolve } from 'node:path';
import { MetadataProxies } from '../metadata-proxy/metadata-proxies.js';
import { proxyUser } from '../metadata-proxy/proxy-user.js';
import { requireHaproxy } from '../metadata-proxy/require-haproxy.js';
import { agentExtensionNames } from '../agent-extensions.js';
import { serviceNamespace } from '../../contract/device-names.js';
import { buildL3Extensions } from './extensions/registry.js';
import { RouterAdvertisements } from './router-advertisements.js';
import { VrrpRouters } from './ha/vrrp-routers.js';
import { findBinary } from '../../linux/preflight.js';
import { interfaceDriverFromConfig } from '../service-ports/interface-driver.js';

export interface L3AgentStartOptions {
  bus: Bus;
  log: Logger;
  host: string;
  config: Config;
}

/** The L3 agent's own options, checked: only legacy routers are built. */
export function l3AgentSettings(config: Config): { hostNamespace: string; reportInterval: number; availabilityZone: string; auditInterval: number; extensions: string[] } {
  const mode = config.str('DEFAULT', 'agent_mode');
  if (mode !== 'legacy') {
    const what = mode.startsWith('dvr') ? 'distributed routers (DVR) are not built' : "it is not one of Neutron's agent modes";
    throw new ConfigError(`[DEFAULT] agent_mode = ${mode}: ${what}; use agent_mode = legacy (one qrouter namespace per router on this network host)`);
  }
  // read for its check: linuxbridge or openvswitch (interfaceDriverFromConfig reaches OVSDB at start)
  config.str('DEFAULT', 'interface_driver');
  const hostNamespace = config.str('agent', 'host_namespace');
  if (hostNamespace && !namespaceExists(hostNamespace)) {
    throw new ConfigError(`[agent] host_namespace = ${hostNamespace}: no such network namespace (create it with: ip netns add ${hostNamespace})`);
  }
  const extensions = agentExtensionNames(config, 'l3');
  return {
    hostNamespace,
    reportInterval: Number(config.get('agent', 'report_interval')),
    availabilityZone: config.str('agent', 'availability_zone'),
    auditInterval: config.int('agent', 'audit_interval'),
    extensions,
  };
}

export async function startL3Agent(o: L3AgentStartOptions): Promise<{ stop(): Promise<void> }> {
  const s = l3AgentSettings(o.config);
  let metadataProxies: MetadataProxies | undefined;
  if (o.config.bool('DEFAULT', 'enable_metadata_proxy')) {
    await requireHaproxy('[DEFAULT] enable_metadata_proxy = true');
    const socket = resolve(o.config.str('DEFAULT', 'metadata_proxy_socket'));
    metadataProxies = new MetadataProxies({ kind: 'router', dir: join(resolve(o.config.str('DEFAULT', 'state_path')), 'metadata-proxy'), socket, user: proxyUser(socket), log: o.log });
  }
  let agent: L3Agent | undefined;
  const extensions = await buildL3Extensions(s.extensions, {
    bus: o.bus,
    log: o.log,
    host: o.host,
    config: o.config,
    hostNamespace: s.hostNamespace,
    namespaceOf: (id) => serviceNamespace('qrouter', id, s.hostNamespace),
    routersUpdated: (ids) => agent?.routersUpdated(ids),
  });
  // IPv6 router advertisements are core L3 agent behaviour (Neutron's ra.py)
  const routerAdvertisements = new RouterAdvertisements({ dir: join(resolve(o.config.str('DEFAULT', 'state_path')), 'ra'), log: o.log });
  // l3-ha: keepalived per HA router, when keepalived is installed (an HA router on a host without it fails its pass, loudly)
  const vrrp = findBinary('keepalived')
    ? new VrrpRouters({
        dir: join(resolve(o.config.str('DEFAULT', 'state_path')), 'ha'),
        log: o.log,
        advertInt: Number(o.config.get('DEFAULT', 'ha_vrrp_advert_int')),
        onState: (id, state) => agent?.haStateChanged(id, state),
      })
    : undefined;
  agent = new L3Agent({
    vrrp,
    bus: o.bus,
    log: o.log,
    host: o.host,
    hostNamespace: s.hostNamespace,
    reportInterval: s.reportInterval,
    availabilityZone: s.availabilityZone,
    metadataProxies,
    auditInterval: s.auditInterval,
    extensions,
    routerAdvertisements,
    interfaceDriver: await interfaceDriverFromConfig(o.config, o.log),
  });
  return startOrUndo(agent);
}
