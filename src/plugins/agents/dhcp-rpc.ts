// What DHCP agents ask the server on q-plugin (Neutron's DhcpRpcCallback): the networks they
// serve with their subnets and ports, and their own DHCP ports. A network listing is a fixed
// five queries however many networks and ports it holds (subqueries, no per-network loop).
import { adminContext } from '../../api/context.js';
import { createItems, updateChanges } from '../../api/request-body.js';
import { ALLOW_ALL, type ApiObject } from '../../api/resource.js';
import { jsonColumn } from '../../common/json.js';
import { AGENT_TYPE_DHCP } from '../../contract/agent-types.js';
import { DEVICE_OWNER_DHCP } from '../../contract/device-owners.js';
import type { DhcpNetwork, DhcpPort, DhcpSubnet } from '../../contract/dhcp.js';
import type { IpAllocationTable, PortTable, SubnetTable } from '../../db/schema.js';
import type { Endpoints } from '../../rpc/bus.js';
import type { PortPlugin } from '../ml2/ports.js';
import type { Services } from '../services.js';
import { bool, groupBy } from '../../db/rows.js';

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v === '') throw new TypeError(`${what} must be a non-empty string`);
  return v;
};

export class DhcpRpcCallbacks {
  constructor(
    private readonly s: Services,
    private readonly ports: PortPlugin,
  ) {}

  endpoints(): Endpoints {
    return {
      get_active_networks_info: (a: { host: string }) => this.activeNetworks(str(a.host, 'host')),
      get_network_info: (a: { network_id: string; host?: string }) => this.networkInfo(str(a.network_id, 'network_id'), a.host),
      create_dhcp_port: (a: { port: { port?: ApiObject } & ApiObject; host: string }) => this.createDhcpPort(a.port.port ?? a.port, str(a.host, 'host')),
      update_dhcp_port: (a: { port_id: string; port: { port?: ApiObject } & ApiObject; host: string }) => this.updateDhcpPort(str(a.port_id, 'port_id'), a.port.port ?? a.port),
      release_dhcp_port: (a: { network_id: string; device_id: string; host: string }) => this.releaseDhcpPort(str(a.network_id, 'network_id'), str(a.device_id, 'device_id')),
    };
  }

  /** Every admin-up network scheduled to the host's enabled DHCP agent, complete. */
  async activeNetworks(host: string): Promise<DhcpNetwork[]> {
    const k = this.s.db.kysely;
    const ids = k
      .selectFrom('networkdhcpagentbindings as b')
      .innerJoin('agents as a', 'a.id', 'b.dhcp_agent_id')
      .select('b.network_id')
      .where('a.host', '=', host)
      .where('a.agent_type', '=', AGENT_TYPE_DHCP)
      .where('a.admin_state_up', '=', 1);
    return this.build(
      k.selectFrom('networks').selectAll().where('id', 'in', ids).where('admin_state_up', '=', 1).execute(),
      k.selectFrom('subnets').selectAll().where('network_id', 'in', ids).execute(),
      k.selectFrom('ports').selectAll().where('network_id', 'in', ids).execute(),
      k.selectFrom('ipallocations').selectAll().where('network_id', 'in', ids).execute(),
      k.selectFrom('ml2_port_bindings as pb').innerJoin('ports as p', 'p.id', 'pb.port_id').select(['pb.port_id', 'pb.host']).where('p.network_id', 'in', ids).execute(),
    );
  }

  /** One network; null when it is gone, or (host given) no longer served by that host's agent. */
  async networkInfo(networkId: string, host?: string): Promise<DhcpNetwork | null> {
    if (host) {
      const served = await this.s.db.kysely
        .selectFrom('networkdhcpagentbindings as b')
        .innerJoin('agents as a', 'a.id', 'b.dhcp_agent_id')
        .select('b.network_id')
        .where('b.network_id', '=', networkId)
        .where('a.host', '=', host)
        .where('a.agent_type', '=', AGENT_TYPE_DHCP)
        .executeTakeFirst();
      if (!served) return null;
    }
    return (await this.networks([networkId]))[0] ?? null;
  }

  async networks(networkIds: string[]): Promise<DhcpNetwork[]> {
    if (!networkIds.length) return [];
    const k = this.s.db.kysely;
    return this.build(
      k.selectFrom('networks').selectAll().where('id', 'in', networkIds).execute(),
      k.selectFrom('subnets').selectAll().where('network_id', 'in', networkIds).execute(),
      k.selectFrom('ports').selectAll().where('network_id', 'in', networkIds).execute(),
      k.selectFrom('ipallocations').selectAll().where('network_id', 'in', networkIds).execute(),
      k.selectFrom('ml2_port_bindings as pb').innerJoin('ports as p', 'p.id', 'pb.port_id').select(['pb.port_id', 'pb.host']).where('p.network_id', 'in', networkIds).execute(),
    );
  }

  private async build(
    nq: Promise<{ id: string; name: string; project_id: string; admin_state_up: number; mtu: number }[]>,
    sq: Promise<SubnetTable[]>,
    pq: Promise<PortTable[]>,
    aq: Promise<IpAllocationTable[]>,
    bq: Promise<{ port_id: string; host: string }[]>,
  ): Promise<DhcpNetwork[]> {
    // the five queries are independent: on PostgreSQL they run on separate connections at once
    const [nets, subnets, ports, allocs, bindings] = await Promise.all([nq, sq, pq, aq, bq]);
    const byPort = groupBy(allocs, (a) => a.port_id);
    const hostOf = new Map(bindings.map((b) => [b.port_id, b.host]));
    const subnetsBy = groupBy(subnets, (s) => s.network_id);
    const portsBy = groupBy(ports, (p) => p.network_id);
    return nets.map((n) => ({
      id: n.id,
      name: n.name,
      project_id: n.project_id,
      admin_state_up: bool(n.admin_state_up),
      mtu: n.mtu,
      subnets: (subnetsBy.get(n.id) ?? []).map(
        (s): DhcpSubnet => ({
          id: s.id,
          network_id: s.network_id,
          cidr: s.cidr,
          ip_version: s.ip_version,
          gateway_ip: s.gateway_ip,
          enable_dhcp: bool(s.enable_dhcp),
          dns_nameservers: jsonColumn(s.dns_nameservers, []),
          host_routes: jsonColumn(s.host_routes, []),
          ipv6_address_mode: s.ipv6_address_mode,
          ipv6_ra_mode: s.ipv6_ra_mode,
        }),
      ),
      ports: (portsBy.get(n.id) ?? []).map(
        (p): DhcpPort => ({
          id: p.id,
          network_id: p.network_id,
          mac_address: p.mac_address,
          device_owner: p.device_owner,
          device_id: p.device_id,
          admin_state_up: bool(p.admin_state_up),
          status: p.status,
          fixed_ips: (byPort.get(p.id) ?? []).map((a) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address })),
          extra_dhcp_opts: jsonColumn(p.extra_dhcp_opts, []),
          ...(p.dns_name ? { dns_name: p.dns_name } : {}),
          ...(hostOf.has(p.id) ? { 'binding:host_id': hostOf.get(p.id) } : {}),
        }),
      ),
    }));
  }

  /**
   * The agent's port on a network (device_owner network:dhcp), bound to its host so that the
   * host's L2 agent wires its tap; one address on each DHCP subnet unless it asks otherwise.
   * null when the network has gone meanwhile (as Neutron).
   */
  async createDhcpPort(port: ApiObject, host: string): Promise<DhcpPort | null> {
    const networkId = str(port.network_id, 'port.network_id');
    const net = await this.s.db.kysely.selectFrom('networks').select(['id', 'project_id']).where('id', '=', networkId).executeTakeFirst();
    if (!net) return null;
    // asked twice (an agent restarted mid-way, or a retry): the port it has already
    const existing = await this.s.db.kysely.selectFrom('ports').select('id').where('network_id', '=', networkId).where('device_id', '=', str(port.device_id, 'port.device_id')).executeTakeFirst();
    if (existing) return (await this.networkPort(networkId, existing.id)) ?? null;
    let fixed = port.fixed_ips as ApiObject[] | undefined;
    if (!fixed) {
      const subnets = await this.s.db.kysely.selectFrom('subnets').select('id').where('network_id', '=', networkId).where('enable_dhcp', '=', 1).execute();
      fixed = subnets.map((s) => ({ subnet_id: s.id }));
    }
    const ctx = adminContext(net.project_id, `dhcp-agent-${host}`);
    const body = {
      port: {
        network_id: networkId,
        // a network of no project (nova-network's flat networks, project_id ''): the port is no project's either (from the context)
        ...(net.project_id ? { project_id: net.project_id } : {}),
        device_id: str(port.device_id, 'port.device_id'),
        device_owner: DEVICE_OWNER_DHCP,
        name: (port.name as string | undefined) ?? '',
        fixed_ips: fixed,
        'binding:host_id': host,
        ...(port.mac_address ? { mac_address: port.mac_address } : {}),
      },
    };
    const { items } = createItems(this.ports.def, body, ctx);
    const [made] = await this.ports.create(ctx, items, ALLOW_ALL);
    this.s.log.info({ event: 'dhcp.port_create', port_id: made.id, network_id: networkId, host }, `DHCP port ${made.id as string} for ${host}`);
    return (await this.networkPort(networkId, made.id as string)) ?? null;
  }

  async updateDhcpPort(portId: string, changes: ApiObject): Promise<DhcpPort | null> {
    const row = await this.s.db.kysely.selectFrom('ports').select(['network_id', 'project_id']).where('id', '=', portId).executeTakeFirst();
    if (!row) return null;
    const ctx = adminContext(row.project_id, 'dhcp-agent');
    await this.ports.update(ctx, portId, updateChanges(this.ports.def, { port: changes }), null, ALLOW_ALL);
    return (await this.networkPort(row.network_id, portId)) ?? null;
  }

  async releaseDhcpPort(networkId: string, deviceId: string): Promise<boolean> {
    const ports = await this.s.db.kysely.selectFrom('ports').select(['id', 'project_id']).where('network_id', '=', networkId).where('device_id', '=', deviceId).execute();
    for (const p of ports) {
      await this.ports.delete(adminContext(p.project_id, 'dhcp-agent'), p.id, null, ALLOW_ALL).catch(() => undefined);
      this.s.log.info({ event: 'dhcp.port_release', port_id: p.id, network_id: networkId, device_id: deviceId }, `DHCP port ${p.id} released`);
    }
    return true;
  }

  private async networkPort(networkId: string, portId: string): Promise<DhcpPort | undefined> {
    const [net] = await this.networks([networkId]);
    return net?.ports.find((p) => p.id === portId);
  }
}
