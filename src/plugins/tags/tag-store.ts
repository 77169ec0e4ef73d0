// The standard-attr-tag store: tags of any resource, by resource id.
import { TooManyTags } from '../../api/errors.js';
import type { Db } from '../../db/connection.js';
import { statement } from '../../db/statement.js';
import { inTransaction, type Trx } from '../../db/transaction.js';
import { groupBy, rowsForIds, type IdSet } from '../../db/rows.js';
import { bumpRevision } from '../revision.js';

/** One resource's tags: what every show and update of one resource reads (compiled once). */
const TAGS_OF_ONE = statement((db, id: string) => db.kysely.selectFrom('tags').select(['resource_id', 'tag']).where('resource_id', '=', id).orderBy('tag'));

export async function tagsOf(db: Db, trx: Trx, ids: IdSet): Promise<Map<string, string[]>> {
  if (Array.isArray(ids) && ids.length === 1) {
    const tags = (await TAGS_OF_ONE.all(db, trx, ids[0])).map((r) => r.tag);
    return new Map(tags.length ? [[ids[0], tags]] : []);
  }
  const rows = await rowsForIds(db, ids, 'resource_id', (where) => trx.selectFrom('tags').select(['resource_id', 'tag']).where(where).orderBy('tag').execute());
  const grouped = groupBy(rows, (r) => r.resource_id);
  return new Map([...grouped].map(([id, list]) => [id, list.map((r) => r.tag)]));
}

export async function replaceTags(trx: Trx, id: string, tags: string[]): Promise<void> {
  await trx.deleteFrom('tags').where('resource_id', '=', id).execute();
  const unique = [...new Set(tags)];
  if (unique.length)
    await trx
      .insertInto('tags')
      .values(unique.map((tag) => ({ resource_id: id, tag })))
      .execute();
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

/**
 * Tag changes to one resource (row `id` of `table`), each in its own transaction; the
 * resource's revision moves only when its tags did.
 */
export class TagStore {
  constructor(private readonly db: Db) {}

  async get(id: string): Promise<string[]> {
    return (await tagsOf(this.db, this.db.kysely, [id])).get(id) ?? [];
  }

  async replace(table: string, id: string, tags: string[]): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await replaceTags(trx, id, tags);
      await bumpRevision(trx, table, id);
    });
  }

  /** Adds `tag` unless there already; TooManyTags when the resource has `max` tags. */
  async add(table: string, id: string, tag: string, max: number): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      const current = (await tagsOf(this.db, trx, [id])).get(id) ?? [];
      if (current.includes(tag)) return;
      if (current.length >= max) throw TooManyTags({ max });
      await addTag(trx, id, tag);
      await bumpRevision(trx, table, id);
    });
  }

  /** False when the resource had no such tag. */
  async remove(table: string, id: string, tag: string): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      if (!(await removeTag(trx, id, tag))) return false;
      await bumpRevision(trx, table, id);
      return true;
    });
  }
}
