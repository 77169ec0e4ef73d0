// ML2's type manager: loads the type drivers named in [ml2] type_drivers, gives each network
// its segments (the admin's provider segments, or one from the first project network type
// with room) and works out the network's MTU from them.
import { randomUUID } from 'node:crypto';
import { InvalidInput, NoNetworkAvailable } from '../../../api/errors.js';
import type { Config } from '../../../config/config.js';
import type { NetworkSegmentTable } from '../../../db/schema.js';
import type { Trx } from '../../../db/transaction.js';
import { groupBy } from '../../../db/rows.js';
import { timestamp } from '../../../common/time.js';
import { FlatTypeDriver } from './flat.js';
import { LocalTypeDriver } from './local.js';
import type { Segment, TypeDriver } from './type-driver.js';
import { VlanTypeDriver } from './vlan.js';
import { VxlanTypeDriver } from './vxlan.js';

const TYPE_DRIVERS: Record<string, new (config: Config) => TypeDriver> = {
  local: LocalTypeDriver,
  flat: FlatTypeDriver,
  vlan: VlanTypeDriver,
  vxlan: VxlanTypeDriver,
};

export class TypeManager {
  readonly drivers = new Map<string, TypeDriver>();
  private readonly tenantTypes: string[];

  constructor(config: Config) {
    for (const name of config.list('ml2', 'type_drivers')) {
      const make = TYPE_DRIVERS[name];
      if (!make) throw new Error(`[ml2] type_drivers: unknown type driver '${name}' (known: ${Object.keys(TYPE_DRIVERS).join(', ')})`);
      this.drivers.set(name, new make(config));
    }
    this.tenantTypes = config.list('ml2', 'tenant_network_types');
    for (const t of this.tenantTypes) {
      if (!this.drivers.has(t)) throw new Error(`[ml2] tenant_network_types: '${t}' is not one of [ml2] type_drivers (${[...this.drivers.keys()].join(', ')})`);
    }
  }

  private driver(type: string | null): TypeDriver {
    if (type === null) throw InvalidInput({ msg: 'network_type required' });
    const d = this.drivers.get(type);
    if (!d) throw InvalidInput({ msg: `network_type value '${type}' not supported` });
    return d;
  }

  /** Checks admin-given segments before anything is written (400s name the field). */
  validate(requested: Segment[]): Segment[] {
    const out = requested.map((s) => this.driver(s.network_type).validateProviderSegment(s));
    const seen = new Set<string>();
    for (const s of out) {
      const key = `${s.network_type}|${s.physical_network}|${s.segmentation_id}`;
      if (s.segmentation_id !== null && seen.has(key)) throw InvalidInput({ msg: 'Duplicate segment in segments' });
      seen.add(key);
    }
    return out;
  }

  /** Reserves or allocates the network's segments and stores them; returns them in order. */
  async createSegments(trx: Trx, networkId: string, requested: Segment[]): Promise<NetworkSegmentTable[]> {
    const segments: Segment[] = [];
    if (requested.length) {
      for (const s of requested) segments.push(await this.driver(s.network_type).reserveProviderSegment(trx, s, networkId));
    } else {
      let got: Segment | null = null;
      for (const t of this.tenantTypes) {
        got = await this.drivers.get(t)!.allocateTenantSegment(trx, networkId);
        if (got) break;
      }
      if (!got) throw NoNetworkAvailable({});
      segments.push(got);
    }
    const now = timestamp();
    const rows = segments.map((s, i) => ({
      id: randomUUID(),
      network_id: networkId,
      network_type: s.network_type,
      physical_network: s.physical_network,
      segmentation_id: s.segmentation_id,
      segment_index: i,
      created_at: now,
      updated_at: now,
    }));
    await trx.insertInto('networksegments').values(rows).execute();
    return rows;
  }

  /** Reserves one more admin-given segment of a network (segment's POST /v2.0/segments); checked by validate() first. */
  async reserve(trx: Trx, networkId: string, seg: Segment): Promise<Segment> {
    return this.driver(seg.network_type).reserveProviderSegment(trx, seg, networkId);
  }

  /** Gives a deleted segment's id back to its type's pool (a network's deletion does it for all by cascade). */
  async release(trx: Trx, seg: Pick<NetworkSegmentTable, 'network_id' | 'network_type' | 'physical_network' | 'segmentation_id'>): Promise<void> {
    await trx
      .deleteFrom('ml2_segment_allocations')
      .where('network_id', '=', seg.network_id)
      .where('network_type', '=', seg.network_type)
      .where('physical_network', '=', seg.physical_network ?? '')
      .where('segmentation_id', '=', seg.segmentation_id ?? 0)
      .execute();
  }

  /** The largest MTU every segment of the network can carry. */
  maxMtu(segments: Pick<NetworkSegmentTable, 'network_type' | 'physical_network'>[]): number {
    return Math.min(...segments.map((s) => this.drivers.get(s.network_type)?.mtu(s.physical_network) ?? Infinity));
  }

  async segmentsOf(trx: Trx, networkIds: string[]): Promise<Map<string, NetworkSegmentTable[]>> {
    if (!networkIds.length) return new Map();
    const rows = await trx.selectFrom('networksegments').selectAll().where('network_id', 'in', networkIds).orderBy('segment_index').execute();
    return groupBy(rows, (r) => r.network_id);
  }
}

/** Provider attributes as the API shows them: one segment as provider:*, several as `segments`. */
export function providerView(segments: NetworkSegmentTable[]): Record<string, unknown> {
  const view = (s: NetworkSegmentTable) => ({
    'provider:network_type': s.network_type,
    'provider:physical_network': s.physical_network,
    'provider:segmentation_id': s.segmentation_id,
  });
  if (segments.length === 1) return view(segments[0]);
  if (segments.length === 0) return { 'provider:network_type': null, 'provider:physical_network': null, 'provider:segmentation_id': null };
  return { segments: segments.map(view) };
}
