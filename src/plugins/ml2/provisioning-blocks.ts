// Provisioning blocks: a bound port stays DOWN until every component that has to set it up
// (the L2 agent always; the DHCP agent when it serves the port's network) has said it is
// done. The last one to report turns the port ACTIVE.
import type { Trx } from '../../db/transaction.js';

export const L2_AGENT_ENTITY = 'L2';
export const DHCP_ENTITY = 'DHCP';

export async function addBlocks(trx: Trx, portId: string, entities: string[]): Promise<void> {
  await trx.deleteFrom('provisioningblocks').where('port_id', '=', portId).execute();
  if (entities.length)
    await trx
      .insertInto('provisioningblocks')
      .values(entities.map((entity) => ({ port_id: portId, entity })))
      .execute();
}

export async function clearBlocks(trx: Trx, portId: string): Promise<void> {
  await trx.deleteFrom('provisioningblocks').where('port_id', '=', portId).execute();
}

/** Removes one component's block; true when none is left. */
export async function provisioningComplete(trx: Trx, portId: string, entity: string): Promise<boolean> {
  await trx.deleteFrom('provisioningblocks').where('port_id', '=', portId).where('entity', '=', entity).execute();
  const left = await trx.selectFrom('provisioningblocks').select('entity').where('port_id', '=', portId).executeTakeFirst();
  return left === undefined;
}
