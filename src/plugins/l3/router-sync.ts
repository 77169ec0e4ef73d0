// sync_routers' answer (src/contract/l3.ts): every router asked for with its
// gateway, interfaces, routes and floating IPs, in seven queries however many routers.
import { DEVICE_OWNER_ROUTER_GW, DEVICE_OWNER_ROUTER_INTF } from '../../contract/device-owners.js';
import type { SyncPort, SyncRouter } from '../../contract/l3.js';
import type { Db } from '../../db/connection.js';
import { parseCidr } from '../../common/ip-address.js';
import { bool, groupBy, rowsForIds } from '../../db/rows.js';

/**
 * As Neutron's get_sync_data(active=True): routers that are administratively down are left
 * out, so the agent removes them as it does routers that are gone.
 */
export async function syncData(db: Db, routerIds: string[], host: string | null = null): Promise<SyncRouter[]> {
  if (!routerIds.length) return [];
  const k = db.kysely;
  const routers = await rowsForIds(db, routerIds, 'id', (where) => k.selectFrom('routers').selectAll().where(where).where('admin_state_up', '=', 1).orderBy('id').execute());
  if (!routers.length) return [];
  const ids = routers.map((r) => r.id);
  const ports = await rowsForIds(db, ids, 'rp.router_id', (where) =>
    k
      .selectFrom('routerports as rp')
      .innerJoin('ports as p', 'p.id', 'rp.port_id')
      .select(['rp.router_id', 'rp.port_type', 'p.id', 'p.network_id', 'p.mac_address', 'p.device_owner', 'p.admin_state_up', 'p.created_at'])
      .where(where)
      .execute(),
  );
  // l3-ha: this host's agent's HA port of each HA router
  const haIds = routers.filter((r) => r.ha === 1).map((r) => r.id);
  const haPorts =
    host !== null && haIds.length
      ? await rowsForIds(db, haIds, 'h.router_id', (where) =>
          k
            .selectFrom('ha_router_agent_port_bindings as h')
            .innerJoin('agents as a', 'a.id', 'h.l3_agent_id')
            .innerJoin('ports as p', 'p.id', 'h.port_id')
            .select(['h.router_id', 'h.state', 'p.id', 'p.network_id', 'p.mac_address', 'p.device_owner', 'p.admin_state_up', 'p.created_at'])
            .where(where)
            .where('a.host', '=', host)
            .execute(),
        )
      : [];
  const haByRouter = new Map(haPorts.map((p) => [p.router_id, p]));
  const portIds = [...ports.map((p) => p.id), ...haPorts.map((p) => p.id)];
  const ips = groupBy(await rowsForIds(db, portIds, 'port_id', (where) => k.selectFrom('ipallocations').select(['port_id', 'subnet_id', 'ip_address']).where(where).execute()), (a) => a.port_id);
  const subnetIds = [...new Set([...ips.values()].flat().map((a) => a.subnet_id))];
  const subnets = new Map(
    (
      await rowsForIds(db, subnetIds, 'id', (where) =>
        k.selectFrom('subnets').select(['id', 'cidr', 'gateway_ip', 'ip_version', 'ipv6_ra_mode', 'ipv6_address_mode', 'dns_nameservers']).where(where).execute(),
      )
    ).map((s) => [s.id, s]),
  );
  const netIds = [...new Set([...ports, ...haPorts].map((p) => p.network_id))];
  const mtus = new Map((await rowsForIds(db, netIds, 'id', (where) => k.selectFrom('networks').select(['id', 'mtu']).where(where).execute())).map((n) => [n.id, n.mtu]));
  const routes = groupBy(
    await rowsForIds(db, ids, 'router_id', (where) => k.selectFrom('routerroutes').selectAll().where(where).orderBy('destination').orderBy('nexthop').execute()),
    (r) => r.router_id,
  );
  const fips = groupBy(await rowsForIds(db, ids, 'router_id', (where) => k.selectFrom('floatingips').selectAll().where(where).orderBy('floating_ip_address').execute()), (f) => f.router_id!);

  const syncPort = (p: Omit<(typeof ports)[number], 'router_id' | 'port_type'>): SyncPort => {
    const fixed = (ips.get(p.id) ?? []).filter((a) => subnets.has(a.subnet_id));
    return {
      id: p.id,
      network_id: p.network_id,
      mac_address: p.mac_address,
      device_owner: p.device_owner,
      admin_state_up: bool(p.admin_state_up),
      fixed_ips: fixed.map((a) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address, prefixlen: parseCidr(subnets.get(a.subnet_id)!.cidr)!.prefixlen })),
      subnets: fixed.map((a) => {
        const s = subnets.get(a.subnet_id)!;
        if (s.ip_version !== 6) return { id: s.id, cidr: s.cidr, gateway_ip: s.gateway_ip, ip_version: 4 };
        // IPv6: what the router advertises (src/agents/l3/radvd-config.ts)
        return {
          id: s.id,
          cidr: s.cidr,
          gateway_ip: s.gateway_ip,
          ip_version: 6,
          ipv6_ra_mode: s.ipv6_ra_mode,
          ipv6_address_mode: s.ipv6_address_mode,
          dns_nameservers: JSON.parse(s.dns_nameservers || '[]') as string[],
        };
      }),
      mtu: mtus.get(p.network_id) ?? 0,
    };
  };
  const byRouter = groupBy(ports, (p) => p.router_id);
  return routers.map((r) => {
    const mine = byRouter.get(r.id) ?? [];
    const gw = mine.find((p) => p.port_type === DEVICE_OWNER_ROUTER_GW && p.id === r.gw_port_id);
    return {
      id: r.id,
      name: r.name,
      project_id: r.project_id,
      admin_state_up: bool(r.admin_state_up),
      status: r.status,
      routes: (routes.get(r.id) ?? []).map((x) => ({ destination: x.destination, nexthop: x.nexthop })),
      enable_snat: bool(r.enable_snat),
      gw_port: gw ? syncPort(gw) : null,
      _interfaces: mine
        .filter((p) => p.port_type === DEVICE_OWNER_ROUTER_INTF)
        .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id))
        .map(syncPort),
      _floatingips: (fips.get(r.id) ?? [])
        .filter((f) => f.fixed_port_id !== null)
        .map((f) => ({
          id: f.id,
          floating_ip_address: f.floating_ip_address,
          floating_network_id: f.floating_network_id,
          fixed_ip_address: f.fixed_ip_address!,
          port_id: f.fixed_port_id!,
          status: f.status,
        })),
      // a floating IP with a router and no port is one of port forwardings (src/plugins/port_forwarding/)
      port_forwardings_fip_set: (fips.get(r.id) ?? []).filter((f) => f.fixed_port_id === null).map((f) => `${f.floating_ip_address}/32`),
      ha: r.ha === 1,
      ...(r.ha === 1 ? { ha_vr_id: r.ha_vr_id ?? 0, _ha_interface: haByRouter.has(r.id) ? syncPort(haByRouter.get(r.id)!) : null, _ha_state: haByRouter.get(r.id)?.state ?? 'unknown' } : {}),
      distributed: false,
    };
  });
}
