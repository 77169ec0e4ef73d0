// Which DHCP agent serves a network (dhcp_agents_per_network of them, the least loaded
// live ones in the network's availability zones, spread over them), decided the first time a
// port or subnet of the network needs it.
import { AGENT_TYPE_DHCP } from '../../contract/agent-types.js';
import type { AgentTable } from '../../db/schema.js';
import type { Services } from '../services.js';
import type { Trx } from '../../db/transaction.js';
import type { AgentStore } from './agent-store.js';
import { type AvailabilityZones, hintsOf, spreadOverZones } from '../availability-zones/availability-zones.js';

export class DhcpScheduler {
  /**
   * Networks scheduled inside a transaction that may not have committed yet: the notifier
   * tells their agents (network_create_end) after the commit, with the next event of the
   * network, and only if the binding is really there.
   */
  readonly recentlyScheduled = new Set<string>();

  constructor(
    private readonly s: Services,
    private readonly agents: AgentStore,
    private readonly zones: AvailabilityZones,
  ) {}

  /** The DHCP agents serving the network, scheduling it first if it has DHCP but no agent. */
  async agentsFor(trx: Trx, networkId: string): Promise<string[]> {
    const bound = await trx.selectFrom('networkdhcpagentbindings').select('dhcp_agent_id').where('network_id', '=', networkId).execute();
    if (bound.length || !this.s.config.bool('DEFAULT', 'network_auto_schedule')) return bound.map((b) => b.dhcp_agent_id);
    // as the agent's servedSubnets: an IPv6 SLAAC subnet gives dnsmasq nothing to serve (the
    // router advertises it), so a network with only those has no DHCP agent holding its ports
    const dhcp = await trx
      .selectFrom('subnets')
      .select('id')
      .where('network_id', '=', networkId)
      .where('enable_dhcp', '=', 1)
      .where((eb) => eb.or([eb('ip_version', '=', 4), eb(eb.fn.coalesce('ipv6_address_mode', 'ipv6_ra_mode', eb.val('')), '!=', 'slaac')]))
      .executeTakeFirst();
    if (!dhcp) return [];
    const chosen = await this.choose(trx, this.s.config.int('DEFAULT', 'dhcp_agents_per_network'), [], () => this.zonesOf(trx, networkId));
    if (!chosen.length) return [];
    await trx
      .insertInto('networkdhcpagentbindings')
      .values(chosen.map((a) => ({ network_id: networkId, dhcp_agent_id: a.id })))
      .execute();
    for (const a of chosen) this.s.log.info({ event: 'dhcp.schedule', network_id: networkId, agent_id: a.id, host: a.host }, `network ${networkId} scheduled to the DHCP agent on ${a.host}`);
    this.recentlyScheduled.add(networkId);
    return chosen.map((a) => a.id);
  }

  /** The zones the network's DHCP agents may be in ([] = any). */
  async zonesOf(trx: Trx, networkId: string): Promise<string[]> {
    const row = await trx.selectFrom('networks').select('availability_zone_hints').where('id', '=', networkId).executeTakeFirst();
    return this.zones.schedulingZones(row ? hintsOf(row) : []);
  }

  /** Live, enabled DHCP agents other than `exclude` in `zones` ([] = any), least loaded first and spread over the zones. */
  async choose(trx: Trx, n: number, exclude: string[], zones: string[] | (() => Promise<string[]>) = []): Promise<AgentTable[]> {
    const now = Date.now();
    const candidates = (await trx.selectFrom('agents').selectAll().where('agent_type', '=', AGENT_TYPE_DHCP).where('admin_state_up', '=', 1).execute()).filter(
      (a) => this.agents.isAlive(a, now) && !exclude.includes(a.id),
    );
    if (!candidates.length || n <= 0) return [];
    const load = new Map<string, number>();
    for (const r of await trx.selectFrom('networkdhcpagentbindings').select('dhcp_agent_id').execute()) load.set(r.dhcp_agent_id, (load.get(r.dhcp_agent_id) ?? 0) + 1);
    // the zones are looked up only when there is an agent to choose (not on every port of a network no agent serves)
    return spreadOverZones(
      candidates.sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) || a.host.localeCompare(b.host)),
      typeof zones === 'function' ? await zones() : zones,
    ).slice(0, n);
  }
}
