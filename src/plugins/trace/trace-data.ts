// What a trace reads from the database: ports with their addresses, groups and binding;
// networks with segments; subnets; routers with interfaces, gateway, extra routes and the L3
// agent's host; floating IPs; the rules of groups; the live agents of a host. Small lookups by
// key: a trace touches a handful of rows, however large the cloud.
import { jsonColumn } from '../../common/json.js';
import { AGENT_TYPE_L3, L2_AGENT_TYPES } from '../../contract/agent-types.js';
import { DEVICE_OWNER_ROUTER_GW, DEVICE_OWNER_ROUTER_INTF } from '../../contract/device-owners.js';
import type { Db } from '../../db/connection.js';
import type { StoredRule } from './rule-match.js';

export interface PortView {
  id: string;
  name: string;
  network_id: string;
  mac_address: string;
  admin_state_up: boolean;
  status: string;
  device_id: string;
  device_owner: string;
  port_security_enabled: boolean;
  allowed_address_pairs: { ip_address: string; mac_address?: string }[];
  fixed_ips: { subnet_id: string; ip_address: string }[];
  security_groups: string[];
  /** binding:host_id, or null when unbound */
  host: string | null;
}

export interface NetworkView {
  id: string;
  name: string;
  router_external: boolean;
  segments: { network_type: string; physical_network: string | null; segmentation_id: number | null }[];
}

export interface SubnetView {
  id: string;
  network_id: string;
  cidr: string;
  gateway_ip: string | null;
  ip_version: number;
}

export interface RouterView {
  id: string;
  name: string;
  enable_snat: boolean;
  admin_state_up: boolean;
  /** the hosts of the L3 agents it is scheduled to */
  hosts: string[];
  interfaces: { port: PortView; subnet: SubnetView; ip: string }[];
  gateway: { port: PortView; subnet: SubnetView; ip: string } | null;
  /** every address of the gateway port with its subnet (IPv4 and IPv6) */
  gateways: { port: PortView; subnet: SubnetView; ip: string }[];
  routes: { destination: string; nexthop: string }[];
}

export interface FloatingIpView {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  fixed_port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
}

export interface LiveAgent {
  agent_type: string;
  host: string;
  tunneling_ip: string | null;
}

export class TraceData {
  private readonly ports = new Map<string, PortView | null>();
  private readonly groupNames = new Map<string, string>();

  constructor(
    private readonly db: Db,
    /** whether an agent row is alive now (agent_down_time) */
    private readonly alive: (row: { heartbeat_timestamp: string }) => boolean,
  ) {}

  async port(id: string): Promise<PortView | null> {
    if (this.ports.has(id)) return this.ports.get(id)!;
    const row = await this.db.kysely.selectFrom('ports').selectAll().where('id', '=', id).executeTakeFirst();
    const view = row ? (await this.views([row]))[0] : null;
    this.ports.set(id, view);
    return view;
  }

  /** The ports of an instance (device_id), compute ports first. */
  async portsOfDevice(deviceId: string): Promise<PortView[]> {
    const rows = await this.db.kysely.selectFrom('ports').selectAll().where('device_id', '=', deviceId).orderBy('created_at').execute();
    const views = await this.views(rows);
    return views.sort((a, b) => Number(a.device_owner.startsWith('network:')) - Number(b.device_owner.startsWith('network:')));
  }

  /** The port holding ip as a fixed IP, on one of networks (any network when none given). */
  async portWithIp(ip: string, networks?: string[]): Promise<PortView | null> {
    let q = this.db.kysely.selectFrom('ipallocations').select('port_id').where('ip_address', '=', ip);
    if (networks?.length) q = q.where('network_id', 'in', networks);
    const hit = await q.executeTakeFirst();
    return hit ? this.port(hit.port_id) : null;
  }

  private async views(
    rows: {
      id: string;
      name: string;
      network_id: string;
      mac_address: string;
      admin_state_up: number;
      status: string;
      device_id: string;
      device_owner: string;
      port_security_enabled: number;
      allowed_address_pairs: string;
    }[],
  ): Promise<PortView[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    const [ips, groups, bindings] = await Promise.all([
      this.db.kysely.selectFrom('ipallocations').select(['port_id', 'subnet_id', 'ip_address']).where('port_id', 'in', ids).execute(),
      this.db.kysely.selectFrom('securitygroupportbindings').select(['port_id', 'security_group_id']).where('port_id', 'in', ids).execute(),
      this.db.kysely.selectFrom('ml2_port_bindings').select(['port_id', 'host']).where('port_id', 'in', ids).execute(),
    ]);
    return rows.map((r) => {
      const view: PortView = {
        id: r.id,
        name: r.name,
        network_id: r.network_id,
        mac_address: r.mac_address,
        admin_state_up: !!r.admin_state_up,
        status: r.status,
        device_id: r.device_id,
        device_owner: r.device_owner,
        port_security_enabled: !!r.port_security_enabled,
        allowed_address_pairs: jsonColumn(r.allowed_address_pairs, []),
        fixed_ips: ips.filter((i) => i.port_id === r.id).map((i) => ({ subnet_id: i.subnet_id, ip_address: i.ip_address })),
        security_groups: groups
          .filter((g) => g.port_id === r.id)
          .map((g) => g.security_group_id)
          .sort(),
        host: bindings.find((b) => b.port_id === r.id)?.host || null,
      };
      this.ports.set(r.id, view);
      return view;
    });
  }

  async network(id: string): Promise<NetworkView | null> {
    const [row, segments] = await Promise.all([
      this.db.kysely.selectFrom('networks').select(['id', 'name', 'router_external']).where('id', '=', id).executeTakeFirst(),
      this.db.kysely.selectFrom('networksegments').select(['network_type', 'physical_network', 'segmentation_id']).where('network_id', '=', id).orderBy('segment_index').execute(),
    ]);
    return row ? { id: row.id, name: row.name, router_external: !!row.router_external, segments } : null;
  }

  async subnetsOf(networkId: string): Promise<SubnetView[]> {
    return this.db.kysely.selectFrom('subnets').select(['id', 'network_id', 'cidr', 'gateway_ip', 'ip_version']).where('network_id', '=', networkId).execute();
  }

  async subnet(id: string): Promise<SubnetView | null> {
    return (await this.db.kysely.selectFrom('subnets').select(['id', 'network_id', 'cidr', 'gateway_ip', 'ip_version']).where('id', '=', id).executeTakeFirst()) ?? null;
  }

  /** The router whose interface holds ip on subnet (a subnet's gateway), if any. */
  async routerInterfaceAt(subnetId: string, ip: string): Promise<string | null> {
    const row = await this.db.kysely
      .selectFrom('routerports as rp')
      .innerJoin('ipallocations as i', 'i.port_id', 'rp.port_id')
      .select('rp.router_id')
      .where('rp.port_type', '=', DEVICE_OWNER_ROUTER_INTF)
      .where('i.subnet_id', '=', subnetId)
      .where('i.ip_address', '=', ip)
      .executeTakeFirst();
    return row?.router_id ?? null;
  }

  async router(id: string): Promise<RouterView | null> {
    const row = await this.db.kysely.selectFrom('routers').select(['id', 'name', 'enable_snat', 'admin_state_up', 'gw_port_id']).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const [rports, routes, agents] = await Promise.all([
      this.db.kysely.selectFrom('routerports').select(['port_id', 'port_type']).where('router_id', '=', id).execute(),
      this.db.kysely.selectFrom('routerroutes').select(['destination', 'nexthop']).where('router_id', '=', id).execute(),
      this.db.kysely.selectFrom('routerl3agentbindings as b').innerJoin('agents as a', 'a.id', 'b.l3_agent_id').select('a.host').where('b.router_id', '=', id).execute(),
    ]);
    const portRows = await this.db.kysely
      .selectFrom('ports')
      .selectAll()
      .where(
        'id',
        'in',
        rports.map((p) => p.port_id),
      )
      .execute()
      .then((rows) => (rows.length ? this.views(rows) : []));
    const subnetIds = [...new Set(portRows.flatMap((p) => p.fixed_ips.map((f) => f.subnet_id)))];
    const subnets = subnetIds.length ? await this.db.kysely.selectFrom('subnets').select(['id', 'network_id', 'cidr', 'gateway_ip', 'ip_version']).where('id', 'in', subnetIds).execute() : [];
    const attach = (p: PortView) => p.fixed_ips.map((f) => ({ port: p, subnet: subnets.find((s) => s.id === f.subnet_id)!, ip: f.ip_address })).filter((x) => x.subnet);
    const interfaces = rports.filter((r) => r.port_type === DEVICE_OWNER_ROUTER_INTF).flatMap((r) => attach(portRows.find((p) => p.id === r.port_id)!));
    const gwPort = portRows.find((p) => p.id === row.gw_port_id && rports.some((r) => r.port_id === p.id && r.port_type === DEVICE_OWNER_ROUTER_GW));
    const gateways = gwPort ? attach(gwPort) : [];
    const gw = gateways.find((x) => x.subnet.ip_version === 4) ?? gateways[0] ?? null;
    return {
      id: row.id,
      name: row.name,
      enable_snat: !!row.enable_snat,
      admin_state_up: !!row.admin_state_up,
      hosts: agents.map((a) => a.host),
      interfaces,
      gateway: gw,
      gateways,
      routes,
    };
  }

  async floatingIpOf(portId: string, fixedIp: string): Promise<FloatingIpView | null> {
    return (
      (await this.db.kysely
        .selectFrom('floatingips')
        .select(['id', 'floating_ip_address', 'floating_network_id', 'fixed_port_id', 'fixed_ip_address', 'router_id'])
        .where('fixed_port_id', '=', portId)
        .where('fixed_ip_address', '=', fixedIp)
        .executeTakeFirst()) ?? null
    );
  }

  async floatingIpAt(address: string): Promise<FloatingIpView | null> {
    return (
      (await this.db.kysely
        .selectFrom('floatingips')
        .select(['id', 'floating_ip_address', 'floating_network_id', 'fixed_port_id', 'fixed_ip_address', 'router_id'])
        .where('floating_ip_address', '=', address)
        .executeTakeFirst()) ?? null
    );
  }

  /** The rules of the groups (in creation order) and their names. */
  async rules(groups: string[]): Promise<StoredRule[]> {
    if (!groups.length) return [];
    const [rules, names] = await Promise.all([
      this.db.kysely
        .selectFrom('securitygrouprules')
        .select(['id', 'security_group_id', 'direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id', 'remote_address_group_id'])
        .where('security_group_id', 'in', groups)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
      this.db.kysely.selectFrom('securitygroups').select(['id', 'name']).where('id', 'in', groups).execute(),
    ]);
    for (const n of names) this.groupNames.set(n.id, n.name);
    return rules;
  }

  /** A group's name for messages: "web (id)", or the id when it has no name. */
  groupLabel(id: string): string {
    const name = this.groupNames.get(id);
    return name ? `${name} (${id})` : id;
  }

  async loadGroupNames(ids: string[]): Promise<void> {
    const missing = ids.filter((i) => !this.groupNames.has(i));
    if (!missing.length) return;
    for (const n of await this.db.kysely.selectFrom('securitygroups').select(['id', 'name']).where('id', 'in', missing).execute()) this.groupNames.set(n.id, n.name);
  }

  /** The addresses (fixed IPs and allowed address pairs) of a group's member ports. */
  /** An address group's prefixes (address-group). */
  async addressGroupPrefixes(id: string): Promise<string[]> {
    return (await this.db.kysely.selectFrom('address_associations').select('address').where('address_group_id', '=', id).execute()).map((r) => r.address);
  }

  async members(group: string): Promise<string[]> {
    const rows = await this.db.kysely
      .selectFrom('securitygroupportbindings as b')
      .innerJoin('ports as p', 'p.id', 'b.port_id')
      .leftJoin('ipallocations as i', 'i.port_id', 'p.id')
      .select(['i.ip_address', 'p.allowed_address_pairs'])
      .where('b.security_group_id', '=', group)
      .execute();
    const out = new Set<string>();
    for (const r of rows) {
      if (r.ip_address) out.add(r.ip_address);
      for (const pair of jsonColumn<{ ip_address: string }[]>(r.allowed_address_pairs, [])) out.add(pair.ip_address);
    }
    return [...out];
  }

  /** The live L2 and L3 agents of the hosts. */
  async liveAgents(hosts: string[]): Promise<LiveAgent[]> {
    if (!hosts.length) return [];
    const rows = await this.db.kysely
      .selectFrom('agents')
      .select(['agent_type', 'host', 'configurations', 'heartbeat_timestamp', 'admin_state_up'])
      .where('host', 'in', hosts)
      .where('agent_type', 'in', [...L2_AGENT_TYPES, AGENT_TYPE_L3])
      .execute();
    return rows
      .filter((r) => this.alive(r))
      .map((r) => {
        const tunnelingIp = jsonColumn<Record<string, unknown>>(r.configurations, {}).tunneling_ip;
        return { agent_type: r.agent_type, host: r.host, tunneling_ip: typeof tunnelingIp === 'string' ? tunnelingIp : null };
      });
  }

  /** The tunnel endpoint of a host's L2 agent (alive or not: the model's view). */
  async tunnelIp(host: string): Promise<string | null> {
    const rows = await this.db.kysely.selectFrom('agents').select('configurations').where('host', '=', host).where('agent_type', 'in', L2_AGENT_TYPES).execute();
    for (const r of rows) {
      const ip = jsonColumn<Record<string, unknown>>(r.configurations, {}).tunneling_ip;
      if (typeof ip === 'string' && ip) return ip;
    }
    return null;
  }
}
