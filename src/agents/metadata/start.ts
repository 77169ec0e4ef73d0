// `neutrino agent metadata`: reads the metadata agent's options, refuses what cannot work, starts it.
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { ConfigError } from '../../config/config.js';
import type { Bus } from '../../rpc/bus.js';
import { startOrUndo } from '../agent-core.js';
import { proxyUser } from '../metadata-proxy/proxy-user.js';
import { MetadataAgent } from './metadata-agent.js';

export function metadataAgentSettings(c: Config): { socket: string; secret: string; serviceHost: string; servicePort: number } {
  const secret = c.str('DEFAULT', 'metadata_proxy_shared_secret');
  if (!secret) throw new ConfigError('[DEFAULT] metadata_proxy_shared_secret is empty: set the same secret as the server (the metadata service refuses unsigned requests)');
  c.str('DEFAULT', 'nova_metadata_protocol');
  return { socket: resolve(c.str('DEFAULT', 'metadata_proxy_socket')), secret, serviceHost: c.str('DEFAULT', 'nova_metadata_host'), servicePort: c.int('DEFAULT', 'nova_metadata_port') };
}

export async function startMetadataAgent(o: { bus: Bus; log: Logger; host: string; config: Config }): Promise<{ stop(): Promise<void> }> {
  const s = metadataAgentSettings(o.config);
  const agent = new MetadataAgent({
    bus: o.bus,
    log: o.log,
    host: o.host,
    reportInterval: Number(o.config.get('agent', 'report_interval')),
    socket: s.socket,
    proxyGroup: proxyUser(s.socket)?.group ?? null,
    serviceHost: s.serviceHost,
    servicePort: s.servicePort,
    secret: s.secret,
  });
  return startOrUndo(agent);
}
