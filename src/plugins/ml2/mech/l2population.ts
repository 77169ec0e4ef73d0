// l2population: tells every host where the other hosts' ports of each overlay network are,
// so VXLAN needs no multicast (unicast flood lists and static FDB entries instead).
// Acts when a port becomes ACTIVE (the data plane is there) and when it goes down or away.
import { jsonColumn } from '../../../common/json.js';
import { FLOODING_ENTRY, type FdbEntries } from '../../../contract/l2.js';
import type { Services } from '../../services.js';
import type { AgentStore } from '../../agents/agent-store.js';
import type { MechanismDriver, PortEvent } from './mechanism-driver.js';

const TUNNEL_TYPES = ['vxlan'];

export class L2populationMechanismDriver implements MechanismDriver {
  readonly name = 'l2population';
  constructor(
    private readonly s: Services,
    private readonly agents: AgentStore,
  ) {}

  /** host → tunnel endpoint, from what live L2 agents report */
  private async endpoints(hosts: string[]): Promise<Map<string, string>> {
    if (!hosts.length) return new Map();
    const rows = await this.s.db.kysely.selectFrom('agents').selectAll().where('host', 'in', hosts).execute();
    const out = new Map<string, string>();
    for (const a of rows) {
      const ip = jsonColumn<Record<string, unknown>>(a.configurations, {}).tunneling_ip;
      if (typeof ip === 'string' && ip && this.agents.isAlive(a)) out.set(a.host, ip);
    }
    return out;
  }

  /** Other bound ports of the network with their host, MAC, addresses and status: the ACTIVE
   *  ones are the forwarding entries; the hosts of all of them are who needs to hear of a change
   *  (a host is bound to a port before its device comes up, so a host joining the network at the
   *  same moment is never missed). */
  private async boundPorts(networkId: string, exceptPort: string) {
    return this.s.db.kysely
      .selectFrom('ports as p')
      .innerJoin('ml2_port_bindings as b', 'b.port_id', 'p.id')
      .leftJoin('ipallocations as i', 'i.port_id', 'p.id')
      .select(['p.id', 'p.mac_address', 'p.status', 'b.host', 'i.ip_address'])
      .where('p.network_id', '=', networkId)
      .where('p.id', '!=', exceptPort)
      .where('b.host', '!=', '')
      .execute();
  }

  /** the hosts other than `host` with a port bound on the network */
  private otherHosts(bound: { host: string }[], host: string): string[] {
    const out = new Set(bound.map((b) => b.host));
    out.delete(host);
    return [...out];
  }

  private entries(port: PortEvent, endpoint: string, pairs: [string, string][]): FdbEntries {
    return { [port.networkId]: { segment_id: port.segment!.segmentation_id, network_type: port.segment!.network_type, ports: { [endpoint]: pairs } } };
  }

  private pairsOf(port: PortEvent): [string, string][] {
    return port.ips.map((ip) => [port.mac, ip] as [string, string]);
  }

  async updatePortPostcommit(port: PortEvent, original: PortEvent | null): Promise<void> {
    const wasActive = original?.status === 'ACTIVE' && original.host !== '';
    const isActive = port.status === 'ACTIVE' && port.host !== '';
    if (original && wasActive && (!isActive || original.host !== port.host)) await this.portGone(original);
    if (isActive && (!wasActive || original?.host !== port.host)) await this.portUp(port);
  }

  async deletePortPostcommit(port: PortEvent): Promise<void> {
    if (port.status === 'ACTIVE' && port.host) await this.portGone(port);
  }

  private async portUp(port: PortEvent): Promise<void> {
    if (!port.segment || !TUNNEL_TYPES.includes(port.segment.network_type)) return;
    const bound = await this.boundPorts(port.networkId, port.portId);
    const others = bound.filter((o) => o.status === 'ACTIVE');
    const hosts = [...new Set([port.host, ...others.map((o) => o.host)])];
    const eps = await this.endpoints(hosts);
    const mine = eps.get(port.host);
    if (!mine) return;
    const firstOnHost = !others.some((o) => o.host === port.host);
    // the other hosts of the network learn this port (and this host, for flooding, if it is new
    // to the network); hosts without a port there have nothing to do with it (Neutron tells every
    // agent: O(hosts) messages per port)
    this.s.notifier.addFdbEntries(this.entries(port, mine, [...(firstOnHost ? [FLOODING_ENTRY] : []), ...this.pairsOf(port)]), this.otherHosts(bound, port.host));
    if (firstOnHost) {
      // the host new to the network learns everyone else
      const ports: Record<string, [string, string][]> = {};
      for (const o of others) {
        const ep = eps.get(o.host);
        if (!ep || o.host === port.host) continue;
        ports[ep] ??= [FLOODING_ENTRY];
        if (o.ip_address) ports[ep].push([o.mac_address, o.ip_address]);
      }
      if (Object.keys(ports).length) {
        this.s.notifier.addFdbEntries({ [port.networkId]: { segment_id: port.segment.segmentation_id, network_type: port.segment.network_type, ports } }, [port.host]);
      }
    }
  }

  /** A restarted agent's full picture: every other host's endpoint and ports on each of these
   *  overlay networks, in one cast (fanouts it missed while it was down are covered). */
  async refreshHost(host: string, networkIds: string[]): Promise<void> {
    if (!networkIds.length) return;
    const rows = await this.s.db.kysely
      .selectFrom('ports as p')
      .innerJoin('ml2_port_bindings as b', 'b.port_id', 'p.id')
      .innerJoin('networksegments as s', 's.id', 'b.segment_id')
      .leftJoin('ipallocations as i', 'i.port_id', 'p.id')
      .select(['p.network_id', 'p.mac_address', 'b.host', 'i.ip_address', 's.network_type', 's.segmentation_id'])
      .where('p.network_id', 'in', networkIds)
      .where('p.status', '=', 'ACTIVE')
      .where('b.host', '!=', '')
      .execute();
    const overlay = rows.filter((r) => TUNNEL_TYPES.includes(r.network_type));
    const eps = await this.endpoints([...new Set(overlay.map((r) => r.host))]);
    const entries: FdbEntries = {};
    for (const r of overlay) {
      // every network is named, even one with no other host: whatever the agent has there is stale
      const net = (entries[r.network_id] ??= { segment_id: r.segmentation_id, network_type: r.network_type, ports: {} });
      const ep = eps.get(r.host);
      if (!ep || r.host === host) continue;
      const pairs = (net.ports[ep] ??= [FLOODING_ENTRY]);
      if (r.ip_address) pairs.push([r.mac_address, r.ip_address]);
    }
    this.s.notifier.addFdbEntries(entries, [host], true);
  }

  private async portGone(port: PortEvent): Promise<void> {
    if (!port.segment || !TUNNEL_TYPES.includes(port.segment.network_type)) return;
    const eps = await this.endpoints([port.host]);
    const mine = eps.get(port.host);
    if (!mine) return;
    const bound = await this.boundPorts(port.networkId, port.portId);
    const lastOnHost = !bound.some((o) => o.status === 'ACTIVE' && o.host === port.host);
    this.s.notifier.removeFdbEntries(this.entries(port, mine, [...(lastOnHost ? [FLOODING_ENTRY] : []), ...this.pairsOf(port)]), this.otherHosts(bound, port.host));
  }
}
