// vxlan: overlay segments identified by a VNI, carried between hosts' tunnel endpoints.
import { InvalidInput, TunnelIdInUse } from '../../../api/errors.js';
import type { Config } from '../../../config/config.js';
import type { Trx } from '../../../db/transaction.js';
import { isTaken, take, takeLowestFree } from './segment-pool.js';
import { parseRange, type Range, type Segment, type TypeDriver } from './type-driver.js';

export const VNI_BOUNDS: Range = { min: 1, max: 2 ** 24 - 1 };
/** outer Ethernet 14 + IPv4 20 (IPv6 40) + UDP 8 + VXLAN 8 */
const VXLAN_OVERHEAD = { 4: 50, 6: 70 } as const;

export class VxlanTypeDriver implements TypeDriver {
  readonly type = 'vxlan';
  readonly ranges: Range[];
  constructor(private readonly config: Config) {
    this.ranges = config.list('ml2_type_vxlan', 'vni_ranges').map((r) => parseRange(r, VNI_BOUNDS, '[ml2_type_vxlan] vni_ranges'));
  }
  validateProviderSegment(seg: Segment): Segment {
    if (seg.physical_network !== null) throw InvalidInput({ msg: 'provider:physical_network specified for vxlan network' });
    const id = seg.segmentation_id;
    if (id !== null && (id < VNI_BOUNDS.min || id > VNI_BOUNDS.max)) {
      throw InvalidInput({ msg: `provider:segmentation_id out of range (${VNI_BOUNDS.min} through ${VNI_BOUNDS.max})` });
    }
    return seg;
  }
  async reserveProviderSegment(trx: Trx, seg: Segment, networkId: string): Promise<Segment> {
    if (seg.segmentation_id === null) {
      const got = await this.allocateTenantSegment(trx, networkId);
      if (!got) throw InvalidInput({ msg: 'no free VNI in [ml2_type_vxlan] vni_ranges' });
      return got;
    }
    if (await isTaken(trx, 'vxlan', '', seg.segmentation_id)) throw TunnelIdInUse({ tunnel_id: seg.segmentation_id });
    await take(trx, 'vxlan', '', seg.segmentation_id, networkId);
    return seg;
  }
  async allocateTenantSegment(trx: Trx, networkId: string): Promise<Segment | null> {
    const id = await takeLowestFree(trx, 'vxlan', '', this.ranges, networkId);
    return id === null ? null : { network_type: 'vxlan', physical_network: null, segmentation_id: id };
  }
  mtu(): number {
    const pathMtu = this.config.int('ml2', 'path_mtu') || this.config.int('DEFAULT', 'global_physnet_mtu');
    return pathMtu - VXLAN_OVERHEAD[this.config.int('ml2', 'overlay_ip_version') === 6 ? 6 : 4];
  }
}
