// The standard-attr-tag store: tags of any resource, by resource id.
import type { Db } from '../../db/connection.js';
import type { Trx } from '../../db/transaction.js';
import { groupBy, rowsForIds, type IdSet } from '../../db/rows.js';

export async function tagsOf(db: Db, trx: Trx, ids: IdSet): Promise<Map<string, string[]>> {
  const rows = await rowsForIds(db, ids, 'resource_id', (where) => trx.selectFrom('tags').select(['resource_id', 'tag']).where(where).orderBy('tag').execute());
  const grouped = groupBy(rows, (r) => r.resource_id);
  return new Map([...grouped].map(([id, list]) => [id, list.map((r) => r.tag)]));
}

export async function replaceTags(trx: Trx, id: string, tags: string[]): Promise<void> {
  await trx.deleteFrom('tags').where('resource_id', '=', id).execute();
  const unique = [...new Set(tags)];
  if (unique.length) await trx.insertInto('tags').values(unique.map((tag) => ({ resource_id: id, tag }))).execute();
}

export async function addTag(trx: Trx, id: string, tag: string): Promise<void> {
  await trx
    .insertInto('tags')
    .values({ resource_id: id, tag })
    .onConflict((oc) => oc.columns(['resource_id', 'tag']).doNothing())
    .execute();
}

export async function removeTag(trx: Trx, id: string, tag: string): Promise<boolean> {
  const r = await trx.deleteFrom('tags').where('resource_id', '=', id).where('tag', '=', tag).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function removeAllTags(db: Db, trx: Trx, ids: string[]): Promise<void> {
  await rowsForIds(db, ids, 'resource_id', async (where) => {
    await trx.deleteFrom('tags').where(where).execute();
    return [];
  });
}
