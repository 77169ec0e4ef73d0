// vlan: 802.1Q-tagged segments of physical networks. `network_vlan_ranges` names the
// physical networks (physnet, or physnet:min:max when project networks may take from it).
import { InvalidInput, VlanIdInUse } from '../../../api/errors.js';
import type { Config } from '../../../config/config.js';
import type { Trx } from '../../../db/transaction.js';
import { physnetMtu } from './physnet-mtu.js';
import { isTaken, take, takeLowestFree } from './segment-pool.js';
import { parseRange, type Range, type Segment, type TypeDriver } from './type-driver.js';

export const VLAN_BOUNDS: Range = { min: 1, max: 4094 };

export class VlanTypeDriver implements TypeDriver {
  readonly type = 'vlan';
  /** physnet → ranges project networks may use (empty: provider networks only) */
  readonly ranges = new Map<string, Range[]>();
  constructor(private readonly config: Config) {
    for (const entry of config.list('ml2_type_vlan', 'network_vlan_ranges')) {
      const [physnet, ...rest] = entry.split(':');
      if (!physnet) throw new Error(`[ml2_type_vlan] network_vlan_ranges: '${entry}' has no physical network`);
      const list = this.ranges.get(physnet) ?? [];
      if (rest.length) list.push(parseRange(rest.join(':'), VLAN_BOUNDS, `[ml2_type_vlan] network_vlan_ranges entry ${entry}`));
      this.ranges.set(physnet, list);
    }
  }
  validateProviderSegment(seg: Segment): Segment {
    const id = seg.segmentation_id;
    if (seg.physical_network === null) {
      if (id !== null) throw InvalidInput({ msg: 'segmentation_id requires physical_network for VLAN provider network' });
    } else if (!this.ranges.has(seg.physical_network)) {
      throw InvalidInput({ msg: `physical_network '${seg.physical_network}' unknown for VLAN provider network ([ml2_type_vlan] network_vlan_ranges)` });
    }
    if (id !== null && (id < VLAN_BOUNDS.min || id > VLAN_BOUNDS.max)) {
      throw InvalidInput({ msg: `provider:segmentation_id out of range (${VLAN_BOUNDS.min} through ${VLAN_BOUNDS.max})` });
    }
    return seg;
  }
  async reserveProviderSegment(trx: Trx, seg: Segment, networkId: string): Promise<Segment> {
    if (seg.physical_network !== null && seg.segmentation_id !== null) {
      // any VLAN of a known physnet may be given, in the tenant ranges or not, if it is free
      if (await isTaken(trx, 'vlan', seg.physical_network, seg.segmentation_id)) {
        throw VlanIdInUse({ vlan_id: seg.segmentation_id, physical_network: seg.physical_network });
      }
      await take(trx, 'vlan', seg.physical_network, seg.segmentation_id, networkId);
      return seg;
    }
    // partial: a free VLAN from the ranges of the given physnet, or of any physnet
    const physnets = seg.physical_network !== null ? [seg.physical_network] : [...this.ranges.keys()];
    const got = await this.takeFrom(trx, physnets, networkId);
    if (!got) throw InvalidInput({ msg: `no free VLAN in [ml2_type_vlan] network_vlan_ranges for physical_network ${seg.physical_network ?? '(any)'}` });
    return got;
  }
  async allocateTenantSegment(trx: Trx, networkId: string): Promise<Segment | null> {
    return this.takeFrom(trx, [...this.ranges.keys()], networkId);
  }
  private async takeFrom(trx: Trx, physnets: string[], networkId: string): Promise<Segment | null> {
    for (const physnet of physnets) {
      const id = await takeLowestFree(trx, 'vlan', physnet, this.ranges.get(physnet) ?? [], networkId);
      if (id !== null) return { network_type: 'vlan', physical_network: physnet, segmentation_id: id };
    }
    return null;
  }
  mtu(physnet: string | null): number {
    return physnetMtu(this.config, physnet);
  }
}
