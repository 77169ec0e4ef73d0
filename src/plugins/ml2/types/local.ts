// local: a network that lives on one host only; nothing to allocate.
import type { Config } from '../../../config/config.js';
import { refuse, type Segment, type TypeDriver } from './type-driver.js';

export class LocalTypeDriver implements TypeDriver {
  readonly type = 'local';
  constructor(private readonly config: Config) {}
  validateProviderSegment(seg: Segment): Segment {
    refuse(seg, 'physical_network');
    refuse(seg, 'segmentation_id');
    return { network_type: 'local', physical_network: null, segmentation_id: null };
  }
  async reserveProviderSegment(_trx: unknown, seg: Segment): Promise<Segment> {
    return seg;
  }
  async allocateTenantSegment(): Promise<Segment> {
    return { network_type: 'local', physical_network: null, segmentation_id: null };
  }
  mtu(): number {
    return this.config.int('DEFAULT', 'global_physnet_mtu');
  }
}
