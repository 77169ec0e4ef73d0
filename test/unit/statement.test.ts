// src/db/statement.ts: a statement compiled once binds each call's values, in every place a
// value appears, and refuses a build that does not bind its values.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type Db } from '../../src/db/connection.js';
import { statement } from '../../src/db/statement.js';

let db: Db;

before(async () => {
  db = openDatabase('sqlite://');
  await sql`create table t (id text primary key, owner text, peer text)`.execute(db.kysely);
  await sql`insert into t values ('a', 'p1', 'p2'), ('b', 'p2', 'p1'), ('c', 'p3', 'p3')`.execute(db.kysely);
});
after(() => db.close());

// biome-ignore lint/suspicious/noExplicitAny: the test table is not in the schema
const anyDb = (d: Db) => d.kysely as any;

test('each call binds its own values, also a value used twice', async () => {
  const byParty = statement((d, party: string) =>
    anyDb(d)
      .selectFrom('t')
      .select('id')
      .where((eb: any) => eb.or([eb('owner', '=', party), eb('peer', '=', party)]))
      .orderBy('id'),
  );
  assert.deepEqual(await byParty.all(db, db.kysely, 'p1'), [{ id: 'a' }, { id: 'b' }]);
  assert.deepEqual(await byParty.all(db, db.kysely, 'p3'), [{ id: 'c' }]);
  assert.deepEqual(await byParty.all(db, db.kysely, 'nobody'), []);
});

test('constants of the build stay; first() answers one row or undefined; run() counts', async () => {
  const ownedBy = statement((d, id: string) => anyDb(d).selectFrom('t').select('owner').where('id', '=', id).where('owner', '!=', 'p9'));
  assert.deepEqual(await ownedBy.first(db, db.kysely, 'b'), { owner: 'p2' });
  assert.equal(await ownedBy.first(db, db.kysely, 'zz'), undefined);
  const rename = statement((d, owner: string, id: string) => anyDb(d).updateTable('t').set({ owner }).where('id', '=', id));
  assert.equal(await rename.run(db, db.kysely, 'p7', 'c'), 1);
  assert.deepEqual(await ownedBy.first(db, db.kysely, 'c'), { owner: 'p7' });
});

test('a value that is not a bound parameter is refused at the first call', async () => {
  const inlined = statement((d, id: string) => anyDb(d).selectFrom('t').select('id').where('id', '=', sql.lit(id)));
  await assert.rejects(() => inlined.all(db, db.kysely, 'a'), /not a bound parameter/);
  const ignored = statement((d, _id: string) => anyDb(d).selectFrom('t').select('id'));
  await assert.rejects(() => ignored.all(db, db.kysely, 'a'), /not a bound parameter/);
});
