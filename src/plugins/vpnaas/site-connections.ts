// /v2.0/vpn/ipsec-site-connections (neutron-vpnaas's vpn_db and VpnReferenceValidator, with the
// *Swan drivers' IpsecVpnValidator): a connection of a VPN service to a peer, with either peer
// CIDRs (a service with a subnet) or local and peer endpoint groups (a service without). It
// starts PENDING_CREATE; the agent reports ACTIVE or DOWN from the IKE daemon.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery } from '../../api/resource.js';
import { parseCidr } from '../../common/ip-address.js';
import { bool, int, rowsForIds, type IdSet } from '../../db/rows.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import type { Services } from '../services.js';
import {
  ExternalNetworkHasNoSubnet,
  IKEPolicyNotFound,
  IPsecPolicyNotFound,
  IPsecSiteConnectionDpdIntervalValueError,
  IPsecSiteConnectionMtuError,
  IPsecSiteConnectionNotFound,
  IpsecValidationFailure,
  InvalidEndpointGroup,
  MissingPeerCidrs,
  MissingRequiredEndpointGroup,
  MixedIPVersionsForIPSecConnection,
  MixedIPVersionsForIPSecEndpoints,
  MixedIPVersionsForPeerCidrs,
  PeerCidrsInvalid,
  VPNEndpointGroupNotFound,
  VPNPeerAddressNotResolved,
  VPNServiceNotFound,
  VPNStateInvalidToUpdate,
  WrongEndpointGroupType,
} from './errors.js';
import { checkSubnetOnRouter, inPendingStatus } from './vpn-services.js';
import { siteConnectionDef } from './resources.js';
import type { IpsecSiteConnectionTable, VpnServiceTable } from '../../db/vpnaas-tables.js';

const IP_MIN_MTU: Record<number, number> = { 4: 68, 6: 1280 };

/** What a validation needs of a connection as it will be. */
interface Planned {
  peer_address: string;
  peer_cidrs: string[];
  local_ep_group_id: string | null;
  peer_ep_group_id: string | null;
  dpd_interval: number;
  dpd_timeout: number;
  mtu: number;
  ipsecpolicy_id: string;
}

export class SiteConnectionPlugin implements Handler {
  constructor(
    private readonly s: Services,
    private readonly changed: (routerIds: string[]) => void,
  ) {}

  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('ipsec_site_connections as c').selectAll('c');
    if (!ctx.isAdmin) qb = qb.where('c.project_id', '=', ctx.projectId);
    return qb;
  }

  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<IpsecSiteConnectionTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('c.id', '=', id), lock).executeTakeFirst();
    if (!row) throw IPsecSiteConnectionNotFound({ ipsec_site_conn_id: id });
    return row;
  }

  private async peerCidrs(trx: Trx, ids: IdSet): Promise<Map<string, string[]>> {
    const rows = await rowsForIds(this.s.db, ids, 'ipsec_site_connection_id', (where) =>
      trx.selectFrom('ipsecpeercidrs').select(['ipsec_site_connection_id', 'cidr']).where(where).orderBy('cidr').execute(),
    );
    const by = new Map<string, string[]>();
    for (const r of rows) by.set(r.ipsec_site_connection_id, [...(by.get(r.ipsec_site_connection_id) ?? []), r.cidr]);
    return by;
  }

  async render(trx: Trx, rows: IpsecSiteConnectionTable[], ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const cidrs = await this.peerCidrs(trx, ids);
    return rows.map((r) => ({
      id: r.id,
      project_id: r.project_id,
      tenant_id: r.project_id,
      name: r.name,
      description: r.description,
      peer_address: r.peer_address,
      peer_id: r.peer_id,
      local_id: r.local_id,
      route_mode: r.route_mode,
      mtu: Number(r.mtu),
      auth_mode: r.auth_mode,
      psk: r.psk,
      initiator: r.initiator,
      dpd: { action: r.dpd_action, interval: Number(r.dpd_interval), timeout: Number(r.dpd_timeout) },
      admin_state_up: bool(r.admin_state_up),
      status: r.status,
      vpnservice_id: r.vpnservice_id,
      ikepolicy_id: r.ikepolicy_id,
      ipsecpolicy_id: r.ipsecpolicy_id,
      peer_cidrs: cidrs.get(r.id) ?? [],
      local_ep_group_id: r.local_ep_group_id,
      peer_ep_group_id: r.peer_ep_group_id,
    }));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows, ids } = await listRows<IpsecSiteConnectionTable>(siteConnectionDef, this.visible(trx, ctx), q, 'c');
    return this.render(trx, rows, ids);
  }

  async show(ctx: RequestContext, id: string): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, [await this.find(trx, ctx, id)]))[0];
  }

  private async service(trx: Trx, ctx: RequestContext, id: string): Promise<VpnServiceTable> {
    let qb = trx.selectFrom('vpnservices').selectAll().where('id', '=', id);
    if (!ctx.isAdmin) qb = qb.where('project_id', '=', ctx.projectId);
    const row = await qb.executeTakeFirst();
    if (!row) throw VPNServiceNotFound({ vpnservice_id: id });
    return row;
  }

  private async group(trx: Trx, ctx: RequestContext, id: string): Promise<{ type: string; endpoints: string[] }> {
    let qb = trx.selectFrom('vpn_endpoint_groups').selectAll().where('id', '=', id);
    if (!ctx.isAdmin) qb = qb.where('project_id', '=', ctx.projectId);
    const g = await qb.executeTakeFirst();
    if (!g) throw VPNEndpointGroupNotFound({ endpoint_group_id: id });
    const endpoints = (await trx.selectFrom('vpn_endpoints').select('endpoint').where('endpoint_group_id', '=', id).execute()).map((e) => e.endpoint);
    return { type: g.endpoint_type, endpoints };
  }

  /** The reference validator and the *Swan driver's, on the connection as it will be. */
  private async validate(trx: Trx, ctx: RequestContext, c: Planned, svc: VpnServiceTable): Promise<void> {
    let localVersion: number;
    let peerVersion: number;
    if (svc.subnet_id) {
      if (!c.peer_cidrs.length) throw MissingPeerCidrs({});
      const epgs = [c.local_ep_group_id && 'local', c.peer_ep_group_id && 'peer'].filter((x): x is string => !!x);
      if (epgs.length) throw InvalidEndpointGroup({ which: epgs.join(' and '), suffix: epgs.length > 1 ? 's' : '' });
      const subnet = await trx.selectFrom('subnets').select('ip_version').where('id', '=', svc.subnet_id).executeTakeFirstOrThrow();
      localVersion = Number(subnet.ip_version);
      const versions = new Set(c.peer_cidrs.map((p) => parseCidr(p)?.version));
      if (versions.size > 1) throw MixedIPVersionsForPeerCidrs({});
      peerVersion = [...versions][0] as number;
    } else {
      if (c.peer_cidrs.length) throw PeerCidrsInvalid({});
      const missing = [!c.local_ep_group_id && 'local', !c.peer_ep_group_id && 'peer'].filter((x): x is string => !!x);
      if (missing.length) throw MissingRequiredEndpointGroup({ which: missing.join(' and '), suffix: missing.length > 1 ? 's' : '' });
      const local = await this.group(trx, ctx, c.local_ep_group_id!);
      if (local.type !== 'subnet') throw WrongEndpointGroupType({ group_type: local.type, which: c.local_ep_group_id!, expected: 'subnet' });
      const subnets = await trx.selectFrom('subnets').select(['id', 'ip_version']).where('id', 'in', local.endpoints).execute();
      for (const sn of subnets) await checkSubnetOnRouter(trx, svc.router_id, sn.id);
      const lv = new Set(subnets.map((sn) => Number(sn.ip_version)));
      if (lv.size > 1) throw MixedIPVersionsForIPSecEndpoints({ group: c.local_ep_group_id! });
      localVersion = [...lv][0];
      const peer = await this.group(trx, ctx, c.peer_ep_group_id!);
      if (peer.type !== 'cidr') throw WrongEndpointGroupType({ group_type: peer.type, which: c.peer_ep_group_id!, expected: 'cidr' });
      const pv = new Set(peer.endpoints.map((p) => parseCidr(p)?.version));
      if (pv.size > 1) throw MixedIPVersionsForIPSecEndpoints({ group: c.peer_ep_group_id! });
      peerVersion = [...pv][0] as number;
    }
    if (localVersion !== peerVersion) throw MixedIPVersionsForIPSecConnection({});
    if (c.dpd_timeout <= c.dpd_interval) throw IPsecSiteConnectionDpdIntervalValueError({ attr: 'dpd_timeout' });
    if (c.mtu && c.mtu < IP_MIN_MTU[localVersion]) throw IPsecSiteConnectionMtuError({ mtu: c.mtu, version: localVersion });
    // resolve_peer_address: no DNS lookups here, an address is required
    const version = isIP(c.peer_address);
    if (!version) throw VPNPeerAddressNotResolved({ peer_address: c.peer_address });
    if (!(version === 4 ? svc.external_v4_ip : svc.external_v6_ip)) throw ExternalNetworkHasNoSubnet({ router_id: svc.router_id, ip_version: version === 6 ? 'IPv6' : 'IPv4' });
    // the strongSwan driver: ESP in tunnel mode only (AH and transport mode are not built)
    const ipsec = await trx.selectFrom('ipsecpolicies').select(['transform_protocol', 'encapsulation_mode']).where('id', '=', c.ipsecpolicy_id).executeTakeFirstOrThrow();
    if (ipsec.transform_protocol !== 'esp') throw IpsecValidationFailure({ resource: 'IPsec Policy', key: 'transform_protocol', value: ipsec.transform_protocol });
    if (ipsec.encapsulation_mode !== 'tunnel') throw IpsecValidationFailure({ resource: 'IPsec Policy', key: 'encapsulation_mode', value: ipsec.encapsulation_mode });
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    const routers: string[] = [];
    const rows = await inTransaction(this.s.db, async (trx) => {
      const out: IpsecSiteConnectionTable[] = [];
      for (const i of items) {
        authorize(i);
        const svc = await this.service(trx, ctx, i.vpnservice_id as string);
        const own = (q: 'ikepolicies' | 'ipsecpolicies', id: string) => {
          let qb = trx.selectFrom(q).select('id').where('id', '=', id);
          if (!ctx.isAdmin) qb = qb.where('project_id', '=', ctx.projectId);
          return qb.executeTakeFirst();
        };
        if (!(await own('ikepolicies', i.ikepolicy_id as string))) throw IKEPolicyNotFound({ ikepolicy_id: i.ikepolicy_id as string });
        if (!(await own('ipsecpolicies', i.ipsecpolicy_id as string))) throw IPsecPolicyNotFound({ ipsecpolicy_id: i.ipsecpolicy_id as string });
        const dpd = i.dpd as { action?: string; interval?: number; timeout?: number };
        const row: IpsecSiteConnectionTable = {
          id: randomUUID(),
          project_id: i.project_id as string,
          name: i.name as string,
          description: i.description as string,
          peer_address: i.peer_address as string,
          peer_id: i.peer_id as string,
          local_id: i.local_id as string,
          route_mode: 'static',
          mtu: i.mtu as number,
          initiator: i.initiator as string,
          auth_mode: 'psk',
          psk: i.psk as string,
          dpd_action: dpd.action ?? 'hold',
          dpd_interval: dpd.interval ?? 30,
          dpd_timeout: dpd.timeout ?? 120,
          status: 'PENDING_CREATE',
          admin_state_up: int(i.admin_state_up as boolean),
          vpnservice_id: svc.id,
          ipsecpolicy_id: i.ipsecpolicy_id as string,
          ikepolicy_id: i.ikepolicy_id as string,
          local_ep_group_id: i.local_ep_group_id as string | null,
          peer_ep_group_id: i.peer_ep_group_id as string | null,
        };
        const peerCidrs = [...new Set((i.peer_cidrs as string[] | null) ?? [])];
        await this.validate(trx, ctx, { ...row, peer_cidrs: peerCidrs }, svc);
        await trx.insertInto('ipsec_site_connections').values(row).execute();
        if (peerCidrs.length)
          await trx
            .insertInto('ipsecpeercidrs')
            .values(peerCidrs.map((cidr) => ({ cidr, ipsec_site_connection_id: row.id })))
            .execute();
        routers.push(svc.router_id);
        out.push(row);
      }
      return out;
    });
    for (const r of rows)
      this.s.log.info({ event: 'ipsec_site_connection.create', ipsec_site_connection_id: r.id, vpnservice_id: r.vpnservice_id, request_id: ctx.requestId }, 'IPsec site connection created');
    this.changed(routers);
    return this.render(this.s.db.kysely, rows);
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, _ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    let routerId = '';
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      const [shown] = await this.render(trx, [row]);
      authorize(shown);
      const svc = await this.service(trx, ctx, row.vpnservice_id);
      routerId = svc.router_id;
      const set: Partial<IpsecSiteConnectionTable> = {};
      for (const k of ['name', 'description', 'local_id', 'peer_address', 'peer_id', 'mtu', 'initiator', 'psk', 'local_ep_group_id', 'peer_ep_group_id'] as const) {
        if (k in changes) (set as Record<string, unknown>)[k] = changes[k];
      }
      if ('admin_state_up' in changes) set.admin_state_up = int(changes.admin_state_up as boolean);
      const dpd = changes.dpd as { action?: string; interval?: number; timeout?: number } | undefined;
      if (dpd?.action !== undefined) set.dpd_action = dpd.action;
      if (dpd?.interval !== undefined) set.dpd_interval = dpd.interval;
      if (dpd?.timeout !== undefined) set.dpd_timeout = dpd.timeout;
      const next = { ...row, ...set };
      const peerCidrs = 'peer_cidrs' in changes ? [...new Set((changes.peer_cidrs as string[] | null) ?? [])] : (shown.peer_cidrs as string[]);
      await this.validate(trx, ctx, { ...next, peer_cidrs: peerCidrs }, svc);
      if (inPendingStatus(row.status)) throw VPNStateInvalidToUpdate({ id, state: row.status });
      if (Object.keys(set).length) await trx.updateTable('ipsec_site_connections').set(set).where('id', '=', id).execute();
      if ('peer_cidrs' in changes) {
        await trx.deleteFrom('ipsecpeercidrs').where('ipsec_site_connection_id', '=', id).execute();
        if (peerCidrs.length)
          await trx
            .insertInto('ipsecpeercidrs')
            .values(peerCidrs.map((cidr) => ({ cidr, ipsec_site_connection_id: id })))
            .execute();
      }
      return next;
    });
    this.s.log.info(
      { event: 'ipsec_site_connection.update', ipsec_site_connection_id: id, changed: Object.keys(changes).filter((k) => k !== 'psk'), request_id: ctx.requestId },
      'IPsec site connection updated',
    );
    this.changed([routerId]);
    return (await this.render(this.s.db.kysely, [row]))[0];
  }

  async delete(ctx: RequestContext, id: string, _ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    let routerId = '';
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, [row]))[0]);
      routerId = (await trx.selectFrom('vpnservices').select('router_id').where('id', '=', row.vpnservice_id).executeTakeFirstOrThrow()).router_id;
      await trx.deleteFrom('ipsecpeercidrs').where('ipsec_site_connection_id', '=', id).execute();
      await trx.deleteFrom('ipsec_site_connections').where('id', '=', id).execute();
    });
    this.s.log.info({ event: 'ipsec_site_connection.delete', ipsec_site_connection_id: id, request_id: ctx.requestId }, 'IPsec site connection deleted');
    this.changed([routerId]);
  }
}
