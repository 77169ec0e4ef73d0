// nova-network's networks on the core model: `network create` makes Neutron networks and
// subnets (with their segments) plus the mode's row, all in one transaction; list, delete and
// project (dis)association read and change the same rows the Networking API serves.
import { randomUUID } from 'node:crypto';
import { adminContext, type RequestContext } from '../../api/context.js';
import { InvalidInput } from '../../api/errors.js';
import { cidrLast, formatCidr, parseCidr } from '../../common/ip-address.js';
import { jsonColumn } from '../../common/json.js';
import { timestamp } from '../../common/time.js';
import { AUTO_DELETE_OWNERS } from '../../contract/device-owners.js';
import type { NetworkSegmentTable, NetworkTable, NovaNetworkTable, SubnetTable } from '../../db/schema.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import type { CoreParts } from './core-parts.js';
import type { Services } from '../services.js';
import { removeAllTags } from '../tags/tag-store.js';
import { BridgeConflict, CidrConflict, NetworkHasInstances, NetworkNotFoundForCidr, NetworkStillAssociated, VlanConflict } from './errors.js';
import { MODE_TAG_PREFIX, modeHasDhcp, type NovaMode } from './modes.js';
import { type NetworkCreateRequest, type NetworkPlan, planNetworks } from './network-plan.js';
import { DEVICE_OWNER_QUARANTINE } from './fixed-ip-quarantine.js';
import { DEVICE_OWNER_RESERVED } from './reserved-ips.js';

/** A nova-network network as `network list` shows it. */
export interface NovaNetworkView {
  id: string;
  label: string;
  mode: NovaMode;
  cidr: string;
  gateway: string | null;
  dhcpStart: string | null;
  dns1: string | null;
  dns2: string | null;
  vlan: number | null;
  bridge: string;
  bridgeInterface: string | null;
  multiHost: boolean;
  /** null: in the pool, no project's yet */
  projectId: string | null;
}

/** The tag a nova-network network carries: `nova-network:<mode>` (a hint; nova_networks.mode is the record). */
export const modeTag = (mode: NovaMode): string => `${MODE_TAG_PREFIX}${mode}`;

/** Project of a network no project owns yet (a VLAN pool network, a flat network shared by all). */
export const NO_PROJECT = '';

/** Ports that go with a nova network when it is deleted: DHCP, reservations, quarantine. */
const NETWORK_OWNED = [...AUTO_DELETE_OWNERS, DEVICE_OWNER_RESERVED, DEVICE_OWNER_QUARANTINE];

/** Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 200;

async function insertChunked<T extends keyof import('../../db/schema.js').Database>(trx: Trx, table: T, rows: object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK)
    await trx
      .insertInto(table)
      .values(rows.slice(i, i + CHUNK) as never)
      .execute();
}

export class NovaNetworks {
  constructor(
    private readonly s: Services,
    private readonly core: CoreParts,
  ) {}

  /**
   * Checks the request against the database and makes every network in one transaction
   * (nothing is written when one check fails). `progress` hears each step.
   */
  async create(req: NetworkCreateRequest, progress: (step: string) => void = () => undefined): Promise<NovaNetworkView[]> {
    const plan = planNetworks(req);
    const segment = (n: NetworkPlan['networks'][number]) =>
      req.mode === 'vlan' ? { network_type: 'vlan', physical_network: n.bridgeInterface, segmentation_id: n.vlan } : { network_type: 'flat', physical_network: n.bridge, segmentation_id: null };
    this.checkTypes(req.mode, segment(plan.networks[0]));
    const ctx = adminContext(req.projectId ?? NO_PROJECT, 'neutrino-manage');
    progress(`checked ${plan.networks.length} network(s) in ${req.fixedRangeV4}`);
    const made = await inTransaction(this.s.db, async (trx, uow) => {
      await this.checkFree(trx, plan);
      progress('the range, VLANs and bridges are free');
      const project = req.projectId ?? NO_PROJECT;
      if (project) await this.core.groups.ensureDefault(trx, project);
      const now = timestamp();
      const networks: NetworkTable[] = [];
      const segments: NetworkSegmentTable[] = [];
      const allocations: object[] = [];
      const subnets: SubnetTable[] = [];
      const modes: NovaNetworkTable[] = [];
      const mtu = this.s.types.maxMtu([segment(plan.networks[0])]);
      const dhcp = modeHasDhcp(req.mode) ? 1 : 0;
      for (const n of plan.networks) {
        const id = randomUUID();
        const seg = segment(n);
        const std = { project_id: project, name: n.label, description: '', created_at: now, updated_at: now, revision_number: 0 };
        networks.push({
          id,
          ...std,
          status: 'ACTIVE',
          admin_state_up: 1,
          // flat networks are every project's, as in nova; a pool network is its project's alone
          shared: req.mode !== 'vlan' && !project ? 1 : 0,
          router_external: 0,
          mtu,
          port_security_enabled: 1,
        });
        segments.push({ id: randomUUID(), network_id: id, ...seg, segment_index: 0 });
        allocations.push({ network_type: seg.network_type, physical_network: seg.physical_network!, segmentation_id: seg.segmentation_id ?? 0, network_id: id });
        subnets.push({
          id: randomUUID(),
          ...std,
          network_id: id,
          ip_version: 4,
          cidr: n.cidr,
          gateway_ip: n.gateway,
          enable_dhcp: dhcp,
          ipv6_ra_mode: null,
          ipv6_address_mode: null,
          allocation_pools: JSON.stringify([n.pool]),
          dns_nameservers: JSON.stringify(plan.dns),
          host_routes: '[]',
          subnetpool_id: null,
        });
        modes.push({ network_id: id, mode: req.mode, bridge: n.bridge, bridge_interface: n.bridgeInterface, multi_host: req.multiHost ? 1 : 0, created_at: now });
      }
      await insertChunked(trx, 'networks', networks);
      await insertChunked(trx, 'networksegments', segments);
      await insertChunked(trx, 'ml2_segment_allocations', allocations);
      await insertChunked(trx, 'subnets', subnets);
      await insertChunked(trx, 'nova_networks', modes);
      // the mode shows through the Networking API too: `neutrino instance boot` finds the network by it
      await insertChunked(
        trx,
        'tags',
        networks.map((n) => ({ resource_id: n.id, tag: modeTag(req.mode) })),
      );
      await this.s.callbacks.publish('network', 'precommit_create', { context: ctx, trx, uow, networks });
      progress(`wrote ${networks.length} network(s)`);
      return { networks, subnets };
    });
    for (const n of made.networks) this.s.log.info({ event: 'network.create', network_id: n.id, project_id: n.project_id, mode: req.mode, request_id: ctx.requestId }, 'nova-network network created');
    // DHCP is set up where a network is used: a flat DHCP network now, a VLAN pool network
    // when a project takes it (nova ran dnsmasq only for networks in use)
    if (req.mode === 'flatdhcp' || (req.mode === 'vlan' && req.projectId)) await this.announceSubnets(ctx, made.subnets);
    return this.list({ ids: made.networks.map((n) => n.id) });
  }

  /** The mode's network type must be loaded, its physical network known to it. */
  private checkTypes(mode: NovaMode, seg: { network_type: string; physical_network: string | null; segmentation_id: number | null }): void {
    if (!this.s.types.drivers.has(seg.network_type)) {
      throw InvalidInput({ msg: `${mode} networks are ${seg.network_type} networks, but [ml2] type_drivers does not load ${seg.network_type}` });
    }
    try {
      this.s.types.validate([seg]);
    } catch (e) {
      const where = mode === 'vlan' ? `add ${seg.physical_network} to [ml2_type_vlan] network_vlan_ranges` : `add ${seg.physical_network} to [ml2_type_flat] flat_networks`;
      throw InvalidInput({ msg: `${(e as Error).message.replace(/\.$/, '')}; ${where} on the server and this command` });
    }
  }

  /** The range overlaps no subnet, the VLANs and bridges are free (one query each). */
  private async checkFree(trx: Trx, plan: NetworkPlan): Promise<void> {
    const asked = plan.request.fixedRangeV4;
    for (const o of await trx.selectFrom('subnets').select(['cidr', 'network_id']).where('ip_version', '=', 4).execute()) {
      const c = parseCidr(o.cidr)!;
      // the covered part is a run of whole networks: compare it as an interval
      if (c.network <= plan.covered.last && cidrLast(c) >= plan.covered.first) {
        throw CidrConflict({ cidr: asked, other: formatCidr(c), network: o.network_id });
      }
    }
    const first = plan.networks[0];
    if (first.vlan !== null) {
      const last = plan.networks[plan.networks.length - 1].vlan!;
      const taken = await trx
        .selectFrom('ml2_segment_allocations')
        .select(['segmentation_id', 'network_id'])
        .where('network_type', '=', 'vlan')
        .where('physical_network', '=', first.bridgeInterface!)
        .where('segmentation_id', '>=', first.vlan)
        .where('segmentation_id', '<=', last)
        .orderBy('segmentation_id')
        .executeTakeFirst();
      if (taken) throw VlanConflict({ vlan: taken.segmentation_id, interface: first.bridgeInterface!, network: taken.network_id });
    } else {
      const taken = await trx.selectFrom('ml2_segment_allocations').select('network_id').where('network_type', '=', 'flat').where('physical_network', '=', first.bridge).executeTakeFirst();
      if (taken) throw BridgeConflict({ bridge: first.bridge, network: taken.network_id });
    }
    const bridges = new Set(plan.networks.map((n) => n.bridge));
    for (const b of await trx.selectFrom('nova_networks').select(['bridge', 'network_id']).execute()) {
      if (bridges.has(b.bridge)) throw BridgeConflict({ bridge: b.bridge, network: b.network_id });
    }
  }

  /** After commit: the DHCP agents hear of the subnets (the first schedules the network). */
  private async announceSubnets(ctx: RequestContext, subnets: SubnetTable[]): Promise<void> {
    const shown = [];
    for (const row of subnets) shown.push({ row, shown: await this.core.subnets.show(ctx, row.id, null) });
    await this.s.callbacks.publish('subnet', 'after_create', { context: ctx, subnets: shown });
  }

  async list(filter: { ids?: string[] } = {}, trx: Trx = this.s.db.kysely): Promise<NovaNetworkView[]> {
    let q = trx
      .selectFrom('nova_networks as m')
      .innerJoin('networks as n', 'n.id', 'm.network_id')
      .innerJoin('subnets as s', (j) => j.onRef('s.network_id', '=', 'n.id').on('s.ip_version', '=', 4))
      .leftJoin('networksegments as g', (j) => j.onRef('g.network_id', '=', 'n.id').on('g.segment_index', '=', 0))
      .select([
        'n.id',
        'n.name',
        'n.project_id',
        'm.mode',
        'm.bridge',
        'm.bridge_interface',
        'm.multi_host',
        's.cidr',
        's.gateway_ip',
        's.allocation_pools',
        's.dns_nameservers',
        'g.network_type',
        'g.segmentation_id',
      ]);
    if (filter.ids) q = q.where('n.id', 'in', filter.ids.length ? filter.ids : ['']);
    const rows = await q.execute();
    const views = rows.map((r) => {
      const pools = jsonColumn<{ start: string }[]>(r.allocation_pools, []);
      const dns = jsonColumn<string[]>(r.dns_nameservers, []);
      return {
        id: r.id,
        label: r.name,
        mode: r.mode as NovaMode,
        cidr: r.cidr,
        gateway: r.gateway_ip,
        dhcpStart: pools[0]?.start ?? null,
        dns1: dns[0] ?? null,
        dns2: dns[1] ?? null,
        vlan: r.network_type === 'vlan' ? r.segmentation_id : null,
        bridge: r.bridge,
        bridgeInterface: r.bridge_interface,
        multiHost: r.multi_host === 1,
        projectId: r.project_id || null,
      };
    });
    // in address order, as nova-manage lists them
    const key = (v: NovaNetworkView) => parseCidr(v.cidr)!.network;
    return views.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  /** The nova network with this range (or network id), locked for a change. */
  private async findByCidr(trx: Trx, cidrOrId: string): Promise<{ network: NetworkTable; cidr: string; mode: NovaMode }> {
    const parsed = parseCidr(cidrOrId);
    const cidr = parsed && cidrOrId.includes('/') ? formatCidr(parsed) : null;
    let q = trx.selectFrom('nova_networks as m').innerJoin('subnets as s', 's.network_id', 'm.network_id').select(['m.network_id', 's.cidr', 'm.mode']).where('s.ip_version', '=', 4);
    q = cidr ? q.where('s.cidr', '=', cidr) : q.where('m.network_id', '=', cidrOrId);
    const found = await q.executeTakeFirst();
    if (!found) throw NetworkNotFoundForCidr({ cidr: cidrOrId });
    const network = (await lockedIf(this.s.db, trx.selectFrom('networks').selectAll().where('id', '=', found.network_id), true).executeTakeFirstOrThrow()) as NetworkTable;
    return { network, cidr: found.cidr, mode: found.mode as NovaMode };
  }

  private async instancePorts(trx: Trx, networkId: string): Promise<number> {
    const r = await trx
      .selectFrom('ports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('network_id', '=', networkId)
      .where('device_owner', 'not in', NETWORK_OWNED)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** `network delete`: refused while a project holds it or instances are on it; one transaction. */
  async delete(cidrOrId: string): Promise<NovaNetworkView> {
    const ctx = adminContext(NO_PROJECT, 'neutrino-manage');
    const { view, subnets } = await inTransaction(this.s.db, async (trx, uow) => {
      const { network, cidr, mode } = await this.findByCidr(trx, cidrOrId);
      const [view] = await this.list({ ids: [network.id] }, trx);
      if (mode === 'vlan' && network.project_id) throw NetworkStillAssociated({ cidr, project: network.project_id });
      const used = await this.instancePorts(trx, network.id);
      if (used) throw NetworkHasInstances({ cidr, ports: used });
      const ports = await trx.selectFrom('ports').select('id').where('network_id', '=', network.id).execute();
      const subnets = await trx.selectFrom('subnets').select('id').where('network_id', '=', network.id).execute();
      await removeAllTags(this.s.db, trx, [network.id, ...ports.map((p) => p.id), ...subnets.map((s) => s.id)]);
      await trx.deleteFrom('ipallocations').where('network_id', '=', network.id).execute();
      await trx.deleteFrom('ports').where('network_id', '=', network.id).execute();
      await trx.deleteFrom('subnets').where('network_id', '=', network.id).execute();
      await this.s.callbacks.publish('network', 'precommit_delete', { context: ctx, trx, uow, network });
      // segments, their allocations and the mode's row go with it (foreign keys, on delete cascade)
      await trx.deleteFrom('networks').where('id', '=', network.id).execute();
      uow.onCommit(() => subnets.forEach((s) => this.s.ipam.invalidate(s.id)));
      return { view, subnets };
    });
    this.s.log.info({ event: 'network.delete', network_id: view.id, subnets: subnets.length, request_id: ctx.requestId }, 'nova-network network deleted');
    await this.s.callbacks.publish('network', 'after_delete', { context: ctx, networkId: view.id });
    return view;
  }

  /**
   * `network modify --project P | --disassociate-project`: the Neutron network (and its subnet)
   * change owner. Refused while instances of the old owner are on it.
   */
  async setProject(cidrOrId: string, projectId: string | null): Promise<NovaNetworkView> {
    const target = projectId ?? NO_PROJECT;
    const ctx = adminContext(target, 'neutrino-manage');
    const { network, firstUse, subnets } = await inTransaction(this.s.db, async (trx, uow) => {
      const { network, cidr, mode } = await this.findByCidr(trx, cidrOrId);
      if (network.project_id === target) return { network, firstUse: false, subnets: [] as SubnetTable[] };
      const used = await this.instancePorts(trx, network.id);
      if (used) throw NetworkHasInstances({ cidr, ports: used });
      if (target) await this.core.groups.ensureDefault(trx, target);
      const now = timestamp();
      const set: Partial<NetworkTable> = { project_id: target, updated_at: now, revision_number: network.revision_number + 1 };
      // a flat network of no project is everyone's; given to one project it is that project's
      const changes = mode === 'vlan' ? {} : { shared: !target };
      await this.s.callbacks.publish('network', 'precommit_update', { context: ctx, trx, uow, before: { ...network, project_id: target }, changes, set });
      await trx.updateTable('networks').set(set).where('id', '=', network.id).execute();
      await trx.updateTable('subnets').set({ project_id: target, updated_at: now }).where('network_id', '=', network.id).execute();
      const subnets = (await trx.selectFrom('subnets').selectAll().where('network_id', '=', network.id).execute()) as SubnetTable[];
      return { network: { ...network, ...set } as NetworkTable, firstUse: mode === 'vlan' && !network.project_id && !!target, subnets };
    });
    this.s.log.info(
      { event: 'network.update', network_id: network.id, project_id: target, request_id: ctx.requestId },
      target ? 'nova-network network associated' : 'nova-network network disassociated',
    );
    await this.s.callbacks.publish('network', 'after_update', { context: ctx, network });
    if (firstUse) await this.announceSubnets(ctx, subnets);
    return (await this.list({ ids: [network.id] }))[0];
  }
}
