// `neutrino agent <kind>`: one agent process for one host.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { probeVlanSupport } from '../linux/kernel-features.js';
import { requirePreflight } from '../linux/preflight.js';
import { openBus } from '../rpc/index.js';
import type { L2Dataplane } from './l2/dataplane.js';
import { L2Agent } from './l2/l2-agent.js';
import { LinuxBridgeDataplane } from './linuxbridge/linuxbridge-dataplane.js';
import { OvsDataplane } from './openvswitch/ovs-dataplane.js';
import { startDhcpAgent } from './dhcp/start.js';
import { l3AgentSettings, startL3Agent } from './l3/start.js';
import { metadataAgentSettings, startMetadataAgent } from './metadata/start.js';
import { agentExtensionNames } from './agent-extensions.js';
import { QosL2Extension } from './l2/extensions/qos/qos-extension.js';

export const AGENT_KINDS = ['linuxbridge', 'openvswitch', 'dhcp', 'l3', 'metadata'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

export interface RunningAgent {
  stop(): Promise<void>;
}

/** inProcess: the agent runs in the server's process (`neutrino up`), so memory:// reaches the server */
export async function runAgent(kind: AgentKind, config: Config, log: Logger, hostOverride?: string, opts: { inProcess?: boolean } = {}): Promise<RunningAgent> {
  const transport = config.str('DEFAULT', 'transport_url');
  if (transport.startsWith('memory:') && !opts.inProcess) {
    throw new Error('[DEFAULT] transport_url = memory:// only reaches consumers inside one process: an agent process needs the same rabbit://… URL as the server');
  }
  // refuse at once, naming what is missing, rather than report alive and fail per network later
  await requirePreflight(`the ${kind} agent`, kind, { config, services: false });
  const host = hostOverride || config.str('DEFAULT', 'host') || hostname();
  if (kind === 'dhcp' || kind === 'l3' || kind === 'metadata') return runServiceAgent(kind, config, log, host, transport);
  const l2Extensions = agentExtensionNames(config, 'l2');
  if (kind === 'openvswitch' && l2Extensions.includes('qos')) {
    throw new Error("[agent] extensions = qos: QoS is not built for the Open vSwitch agent (only the Linux bridge agent enforces policies); remove qos from this host's [agent] extensions");
  }
  let dataplane: L2Dataplane;
  if (kind === 'linuxbridge') {
    const vlan = await probeVlanSupport();
    if (!vlan.supported) log.warn({ event: 'agent.no_vlan', reason: vlan.reason }, `VLAN networks cannot be served on this host: ${vlan.reason}`);
    dataplane = await LinuxBridgeDataplane.fromConfig(config, log, vlan);
  } else {
    dataplane = await OvsDataplane.fromConfig(config, log);
  }
  let bus;
  try {
    bus = await openBus(transport, { log, responseTimeoutMs: config.int('DEFAULT', 'rpc_response_timeout') * 1000, connectionName: `neutrino:${kind}-agent:${host}:${process.pid}` });
  } catch (e) {
    await dataplane.close();
    throw e;
  }
  const extensions = l2Extensions.includes('qos') ? [await QosL2Extension.create({ bus, log, netns: config.str('agent', 'host_namespace') || null })] : [];
  const agent = new L2Agent({ bus, log, host, reportInterval: config.int('agent', 'report_interval'), auditInterval: config.int('agent', 'audit_interval'), dataplane, extensions });
  try {
    await agent.start();
  } catch (e) {
    await agent.stop().catch(() => undefined);
    await bus.close();
    throw e;
  }
  return {
    async stop() {
      await agent.stop();
      await bus.close();
    },
  };
}

/** The DHCP, L3 and metadata agents: no L2 dataplane. */
async function runServiceAgent(kind: 'dhcp' | 'l3' | 'metadata', config: Config, log: Logger, host: string, transport: string): Promise<RunningAgent> {
  // refuse what is not built before connecting anywhere
  if (kind === 'l3') l3AgentSettings(config);
  if (kind === 'metadata') metadataAgentSettings(config);
  const bus = await openBus(transport, { log, responseTimeoutMs: config.int('DEFAULT', 'rpc_response_timeout') * 1000, connectionName: `neutrino:${kind}-agent:${host}:${process.pid}` });
  try {
    const start = { dhcp: startDhcpAgent, l3: startL3Agent, metadata: startMetadataAgent }[kind];
    const agent = await start({ bus, log, host, config });
    return {
      async stop() {
        await agent.stop();
        await bus.close();
      },
    };
  } catch (e) {
    await bus.close();
    throw e;
  }
}
