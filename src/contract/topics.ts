// Bus topic names, as Neutron's (neutron_lib.agent.topics), so operators recognise them on the
// broker. Server and agents both take them from here; src/rpc only carries the messages.
export const PLUGIN = 'q-plugin';
export const REPORTS = 'q-reports-plugin';
/** L3 agents' calls to the server (sync_routers …; see contract/l3.ts) */
export const L3_PLUGIN = 'q-l3-plugin';
export const DHCP_AGENT = 'dhcp_agent';
export const L3_AGENT = 'l3_agent';

/** Server → L2 agents fanouts: q-agent-notifier-<table>-<operation>. */
export const agentNotifier = (table: string, operation: string): string => `q-agent-notifier-${table}-${operation}`;

export const PORT_UPDATE = agentNotifier('port', 'update');
export const PORT_DELETE = agentNotifier('port', 'delete');
export const NETWORK_UPDATE = agentNotifier('network', 'update');
export const NETWORK_DELETE = agentNotifier('network', 'delete');
export const SECURITY_GROUP_UPDATE = agentNotifier('security_group', 'update');
export const TUNNEL_UPDATE = agentNotifier('tunnel', 'update');
export const L2POP_UPDATE = agentNotifier('l2population', 'update');

/** A topic addressed to one host's consumer. */
export const onHost = (topic: string, host: string): string => `${topic}.${host}`;
