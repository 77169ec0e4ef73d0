// Finding what a boot refers to: networks, subnets and security groups by name or id (as the
// openstack CLI does), the host an instance goes to, and the namespace standing for it.
import { AGENT_TYPE_OVS, L2_AGENT_TYPES } from '../contract/agent-types.js';
import { ApiError, type Json, type NetworkApi } from './api-client.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface FixedIpSpec {
  subnet?: string;
  ip?: string;
}

/** `--fixed-ip IP` or `--fixed-ip subnet=ID|NAME,ip=IP` (ip-address= as the openstack CLI spells it). */
export function parseFixedIp(text: string): FixedIpSpec {
  if (!text.includes('=')) {
    if (!text.trim()) throw new Error('--fixed-ip needs an address or subnet=ID,ip=IP');
    return { ip: text.trim() };
  }
  const spec: FixedIpSpec = {};
  for (const part of text.split(',')) {
    const [k, ...rest] = part.split('=');
    const v = rest.join('=').trim();
    const key = k.trim();
    if (key === 'subnet' && v) spec.subnet = v;
    else if ((key === 'ip' || key === 'ip-address' || key === 'ip_address') && v) spec.ip = v;
    else throw new Error(`--fixed-ip ${text}: unknown or empty part "${part}" (use subnet=ID,ip=IP)`);
  }
  return spec;
}

/** One resource by id or by its unique name. */
export async function findOne(api: NetworkApi, collection: string, singular: string, ref: string): Promise<Json> {
  if (UUID_RE.test(ref)) {
    try {
      return (await api.get(`/${collection}/${ref}`))[singular];
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
  }
  const found = (await api.get(`/${collection}?name=${encodeURIComponent(ref)}`))[collection.replace('-', '_')] as Json[];
  if (found.length === 1) return found[0];
  if (found.length === 0) throw new Error(`no ${singular.replace('_', ' ')} named or with id ${JSON.stringify(ref)} (list them: openstack ${singular.replace('_', ' ')} list)`);
  throw new Error(`${found.length} ${collection.replace('-', ' ')} are named ${JSON.stringify(ref)}: give the id instead (${found.map((r) => r.id).join(', ')})`);
}

export interface HostChoice {
  host: string;
  /** '' = the real host */
  hostNamespace: string;
  agentType: string;
  /** the host's agent is Open vSwitch: where os-vif's ovs plug puts the tap */
  ovs?: { bridge: string; ovsdb_connection: string };
}

/**
 * The host to boot on and its namespace. Without --host: the only live L2 agent's host.
 * The namespace is the agent's reported host_namespace ('' = the real host); agents that do
 * not report one are looked up in the lab's map, else ''.
 */
export async function chooseHost(api: NetworkApi, wanted: string | undefined, labNamespaces: Record<string, string> = {}): Promise<HostChoice> {
  const q = wanted ? `?host=${encodeURIComponent(wanted)}` : '';
  const agents = ((await api.get(`/agents${q}`)).agents as Json[]).filter((a) => L2_AGENT_TYPES.includes(a.agent_type));
  const live = agents.filter((a) => a.alive && a.admin_state_up !== false);
  if (wanted) {
    if (agents.length === 0)
      throw new Error(
        `no L2 agent (Linux bridge or Open vSwitch) is registered on host ${wanted}: start one (neutrino agent linuxbridge --host ${wanted} …) or check the name (openstack network agent list)`,
      );
    if (live.length === 0)
      throw new Error(
        `the ${agents[0].agent_type} on host ${wanted} is not alive (last heartbeat ${agents[0].heartbeat_timestamp}): restart it (neutrino lab restart-agent ${wanted} in a lab) and try again`,
      );
  } else if (live.length !== 1) {
    const all = ((await api.get('/agents')).agents as Json[]).filter((a) => L2_AGENT_TYPES.includes(a.agent_type) && a.alive);
    throw new Error(
      all.length === 0
        ? 'no live L2 agent: start one (neutrino agent linuxbridge --host H …, or neutrino lab up) and try again'
        : `several hosts have a live L2 agent; pick one with --host: ${all
            .map((a) => a.host)
            .sort()
            .join(', ')}`,
    );
  }
  const agent = live[0];
  const reported = agent.configurations?.host_namespace;
  const hostNamespace = typeof reported === 'string' ? reported : (labNamespaces[agent.host] ?? '');
  const c = agent.configurations ?? {};
  const ovs = agent.agent_type === AGENT_TYPE_OVS && typeof c.ovsdb_connection === 'string' ? { bridge: String(c.integration_bridge ?? 'br-int'), ovsdb_connection: c.ovsdb_connection } : undefined;
  return { host: agent.host, hostNamespace, agentType: agent.agent_type, ...(ovs ? { ovs } : {}) };
}
