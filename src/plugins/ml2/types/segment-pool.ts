// Taken segments of one (type, physical network), read and written for allocation. Only taken
// segments are rows; a free one is the lowest id in the ranges that has no row. Two servers
// picking the same id collide on the primary key and the losing transaction is retried
// (src/plugins/transaction.ts), so the last free VLAN goes to exactly one network.
import type { Trx } from '../../../db/transaction.js';
import type { Range } from './type-driver.js';

export async function isTaken(trx: Trx, type: string, physnet: string, id: number): Promise<boolean> {
  const row = await trx
    .selectFrom('ml2_segment_allocations')
    .select('network_id')
    .where('network_type', '=', type)
    .where('physical_network', '=', physnet)
    .where('segmentation_id', '=', id)
    .executeTakeFirst();
  return row !== undefined;
}

export async function take(trx: Trx, type: string, physnet: string, id: number, networkId: string): Promise<void> {
  await trx.insertInto('ml2_segment_allocations').values({ network_type: type, physical_network: physnet, segmentation_id: id, network_id: networkId }).execute();
}

/** The lowest free id in `ranges`, taken for the network; null when every id is taken. */
export async function takeLowestFree(trx: Trx, type: string, physnet: string, ranges: Range[], networkId: string): Promise<number | null> {
  for (const r of ranges) {
    const taken = await trx
      .selectFrom('ml2_segment_allocations')
      .select('segmentation_id')
      .where('network_type', '=', type)
      .where('physical_network', '=', physnet)
      .where('segmentation_id', '>=', r.min)
      .where('segmentation_id', '<=', r.max)
      .orderBy('segmentation_id')
      .execute();
    let candidate = r.min;
    for (const t of taken) {
      if (t.segmentation_id > candidate) break;
      candidate = t.segmentation_id + 1;
    }
    if (candidate <= r.max) {
      await take(trx, type, physnet, candidate, networkId);
      return candidate;
    }
  }
  return null;
}
