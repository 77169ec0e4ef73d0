// flat: a physical network carried untagged; one flat network per physical network.
import { FlatNetworkInUse, InvalidInput } from '../../../api/errors.js';
import type { Config } from '../../../config/config.js';
import type { Trx } from '../../../db/transaction.js';
import { physnetMtu } from './physnet-mtu.js';
import { isTaken, take } from './segment-pool.js';
import { refuse, type Segment, type TypeDriver } from './type-driver.js';

export class FlatTypeDriver implements TypeDriver {
  readonly type = 'flat';
  private readonly allowed: string[];
  constructor(private readonly config: Config) {
    this.allowed = config.list('ml2_type_flat', 'flat_networks');
  }
  validateProviderSegment(seg: Segment): Segment {
    if (!seg.physical_network) throw InvalidInput({ msg: 'physical_network required for flat provider network' });
    refuse(seg, 'segmentation_id');
    if (!this.allowed.includes('*') && !this.allowed.includes(seg.physical_network)) {
      throw InvalidInput({ msg: `physical_network '${seg.physical_network}' unknown for flat provider network ([ml2_type_flat] flat_networks)` });
    }
    return { network_type: 'flat', physical_network: seg.physical_network, segmentation_id: null };
  }
  async reserveProviderSegment(trx: Trx, seg: Segment, networkId: string): Promise<Segment> {
    const physnet = seg.physical_network!;
    if (await isTaken(trx, 'flat', physnet, 0)) throw FlatNetworkInUse({ physical_network: physnet });
    await take(trx, 'flat', physnet, 0, networkId);
    return seg;
  }
  async allocateTenantSegment(): Promise<null> {
    // as Neutron: flat networks are provider networks only
    return null;
  }
  mtu(physnet: string | null): number {
    return physnetMtu(this.config, physnet);
  }
}
