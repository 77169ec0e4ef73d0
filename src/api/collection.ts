// List requests: filters, fields, sorting and marker pagination, parsed from the query string
// against the resource's declaration and applied in SQL so a list is a fixed number of queries.
import { sql, type SelectQueryBuilder } from 'kysely';
import { BadRequest, HTTPBadRequest, HTTPNotFound } from './errors.js';
import type { IdSet } from '../db/rows.js';
import type { Attribute, ListQuery, ResourceDef } from './resource.js';
import { isUuid } from './validators.js';

const RESERVED = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse', 'verbose']);
export const TAG_FILTERS = ['tags', 'tags-any', 'not-tags', 'not-tags-any'];

type Query = Record<string, string | string[] | undefined>;

const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function parseListQuery(def: ResourceDef, query: Query, maxLimit = -1): ListQuery {
  const attrs = new Map(def.attributes.map((a) => [a.name, a]));
  const filters = new Map<string, string[]>();
  for (const [name, raw] of Object.entries(query)) {
    if (RESERVED.has(name)) continue;
    const known = (attrs.has(name) && attrs.get(name)!.filter !== undefined) || (def.taggable && TAG_FILTERS.includes(name)) || def.extraFilters?.includes(name);
    if (!known) {
      throw HTTPBadRequest({ msg: `'${name}' is not a valid filter for ${def.collection}` });
    }
    const key = name === 'tenant_id' ? 'project_id' : name;
    if (name === 'tenant_id' && query.project_id !== undefined) {
      throw HTTPBadRequest({ msg: 'Both tenant_id and project_id passed as filters.' });
    }
    filters.set(key, [...(filters.get(key) ?? []), ...all(raw)]);
  }

  const fields = parseFields(query);

  const keys = all(query.sort_key);
  const dirs = all(query.sort_dir);
  if (dirs.length !== keys.length) {
    throw HTTPBadRequest({ msg: 'The number of sort_keys and sort_dirs must be the same' });
  }
  const sorts = keys.map((key, i) => {
    const a = attrs.get(key === 'tenant_id' ? 'project_id' : key);
    if (!a?.sort || !a.column) throw HTTPBadRequest({ msg: `${key} is an invalid attribute for sort_key` });
    const dir = (dirs[i] ?? 'asc').toLowerCase();
    if (dir !== 'asc' && dir !== 'desc') throw HTTPBadRequest({ msg: `${dirs[i]} is an invalid value for sort_dir, valid values are 'asc' and 'desc'` });
    return { key: a.name, dir: dir as 'asc' | 'desc' };
  });

  let limit: number | null = null;
  const limitRaw = all(query.limit)[0];
  if (limitRaw !== undefined) {
    if (!/^\d+$/.test(limitRaw)) throw BadRequest({ resource: 'limit', msg: `limit must be an integer 0 or greater, not '${limitRaw}'` });
    // 0 means no limit; anything past what a database LIMIT takes is no limit either
    limit = Math.min(Number(limitRaw), 2 ** 31 - 1) || null;
  }
  if (maxLimit > 0 && (limit === null || limit > maxLimit)) limit = maxLimit;
  const marker = all(query.marker)[0] ?? null;
  if (marker !== null && !isUuid(marker)) throw HTTPBadRequest({ msg: `marker '${marker}' is not a valid UUID` });
  const pr = (all(query.page_reverse)[0] ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(pr)) throw HTTPBadRequest({ msg: `page_reverse must be true or false, not '${pr}'` });
  return { filters, fields, sorts, limit, marker, pageReverse: pr === 'true' || pr === '1' };
}

/** `fields=a&fields=b` or `fields=a,b`; null when none is asked for. */
export function parseFields(query: Query): string[] | null {
  const fields = all(query.fields)
    .flatMap((f) => f.split(','))
    .filter((f) => f !== '');
  return fields.length ? fields : null;
}

export function convertFilterValue(a: Attribute, value: string): unknown {
  switch (a.filter) {
    case 'bool': {
      const t = value.toLowerCase();
      if (t === 'true' || t === '1') return 1;
      if (t === 'false' || t === '0') return 0;
      throw HTTPBadRequest({ msg: `Invalid input for ${a.name}. Reason: '${value}' cannot be converted to boolean.` });
    }
    case 'int': {
      if (!/^-?\d+$/.test(value)) throw HTTPBadRequest({ msg: `Invalid input for ${a.name}. Reason: '${value}' is not an integer.` });
      return Number(value);
    }
    default:
      return value;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyQB = SelectQueryBuilder<any, any, any>;

/**
 * Applies the column filters of `q` to `qb` (columns qualified with `alias`) and returns the
 * filter names it did not handle, for the plugin to apply.
 */
export function applyColumnFilters(def: ResourceDef, qb: AnyQB, q: ListQuery, alias: string): { qb: AnyQB; rest: Map<string, string[]> } {
  const attrs = new Map(def.attributes.map((a) => [a.name, a]));
  const rest = new Map<string, string[]>();
  for (const [name, values] of q.filters) {
    const a = attrs.get(name);
    if (a?.column && a.filter) {
      const converted = values.map((v) => convertFilterValue(a, v));
      qb = qb.where(sql.ref(`${alias}.${a.column}`), 'in', converted);
    } else if (TAG_FILTERS.includes(name)) {
      qb = applyTagFilter(qb, name, values, alias);
    } else {
      rest.set(name, values);
    }
  }
  return { qb, rest };
}

function applyTagFilter(qb: AnyQB, name: string, values: string[], alias: string): AnyQB {
  const tags = [...new Set(values.flatMap((v) => v.split(',')).filter((t) => t !== ''))];
  if (tags.length === 0) return qb;
  const id = sql.ref(`${alias}.id`);
  const any = sql`select resource_id from tags where tag in (${sql.join(tags)})`;
  const every = sql`select resource_id from tags where tag in (${sql.join(tags)}) group by resource_id having count(*) = ${tags.length}`;
  switch (name) {
    case 'tags':
      return qb.where(sql<boolean>`${id} in (${every})`);
    case 'tags-any':
      return qb.where(sql<boolean>`${id} in (${any})`);
    case 'not-tags':
      return qb.where(sql<boolean>`${id} not in (${every})`);
    default:
      return qb.where(sql<boolean>`${id} not in (${any})`);
  }
}

/**
 * Sorting (always ending in id, so pages are stable) and keyset pagination from the marker.
 * Returns null when the marker does not exist.
 */
export async function applyOrderAndPage(def: ResourceDef, qb: AnyQB, q: ListQuery, alias: string, markerRow: (cols: string[]) => Promise<Record<string, unknown> | undefined>): Promise<AnyQB> {
  const attrs = new Map(def.attributes.map((a) => [a.name, a]));
  const order = q.sorts.map((s) => ({ column: attrs.get(s.key)!.column!, dir: s.dir }));
  if (!order.some((o) => o.column === 'id')) order.push({ column: 'id', dir: order[0]?.dir ?? 'asc' });
  const effective = order.map((o) => ({ column: o.column, dir: q.pageReverse ? flip(o.dir) : o.dir }));

  // NULL sorts as the smallest value on both databases (SQLite and PostgreSQL disagree by
  // default), so that the keyset below can step over NULLs too; id is never NULL.
  const ref = (c: string) => sql.ref(`${alias}.${c}`);
  if (q.marker) {
    const row = await markerRow(effective.map((o) => o.column));
    if (!row) throw HTTPNotFound({ msg: `Marker ${q.marker} could not be found in ${def.collection}` });
    const equal = (c: string) => (row[c] === null ? sql`${ref(c)} is null` : sql`${ref(c)} = ${row[c] as string}`);
    const beyond = (c: string, dir: 'asc' | 'desc') => {
      const m = row[c];
      if (dir === 'asc') return m === null ? sql`${ref(c)} is not null` : sql`${ref(c)} > ${m as string}`;
      return m === null ? sql`1 = 0` : sql`(${ref(c)} < ${m as string} or ${ref(c)} is null)`;
    };
    // (k1 beyond m1) or (k1 = m1 and k2 beyond m2) or ...
    const ors = effective.map((o, i) => sql.join([...effective.slice(0, i).map((p) => equal(p.column)), beyond(o.column, o.dir)], sql` and `));
    qb = qb.where(
      sql<boolean>`(${sql.join(
        ors.map((o) => sql`(${o})`),
        sql` or `,
      )})`,
    );
  }
  for (const o of effective) {
    if (o.column !== 'id') qb = qb.orderBy(sql`${ref(o.column)} is not null`, o.dir);
    qb = qb.orderBy(ref(o.column), o.dir);
  }
  if (q.limit) qb = qb.limit(q.limit);
  return qb;
}

/**
 * A whole list request on a resource's visible rows (`base`, aliased `alias`): column and tag
 * filters, then `extra` for the resource's own filters, then sorting and the page.
 */
export async function listRows<T>(def: ResourceDef, base: AnyQB, q: ListQuery, alias: string, extra?: (qb: AnyQB, rest: Map<string, string[]>) => AnyQB): Promise<{ rows: T[]; ids: IdSet }> {
  const applied = applyColumnFilters(def, base, q, alias);
  const filtered = extra ? extra(applied.qb, applied.rest) : applied.qb;
  const paged = await applyOrderAndPage(def, filtered, q, alias, (cols) =>
    base
      .where(sql.ref(`${alias}.id`), '=', q.marker!)
      .select(cols.map((c) => sql.ref(`${alias}.${c}`).as(c)))
      .executeTakeFirst(),
  );
  const rows = (await paged.execute()) as (T & { id: string })[];
  if (q.pageReverse) rows.reverse();
  // past a few hundred rows the query itself serves as the id set (see IdSet)
  const ids: IdSet = rows.length > 200 ? { subquery: paged.clearSelect().select(sql.ref(`${alias}.id`).as('id')) } : rows.map((r) => r.id);
  return { rows, ids };
}

const flip = (d: 'asc' | 'desc'): 'asc' | 'desc' => (d === 'asc' ? 'desc' : 'asc');

/** `<collection>_links` for a page, as Neutron builds them. */
export function pageLinks(baseUrl: string, query: Query, q: ListQuery, items: { id?: unknown }[]): { href: string; rel: string }[] | null {
  if (!q.limit) return null;
  const links: { href: string; rel: string }[] = [];
  // as Neutron's get_next_link / get_previous_link: an empty page keeps the request's marker
  // going forward and drops it going back (page_reverse without a marker: the last page)
  const make = (marker: string | undefined, reverse: boolean) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (k === 'marker' || k === 'page_reverse') continue;
      for (const x of all(v)) params.append(k, x);
    }
    params.set('limit', String(q.limit));
    const m = marker ?? (reverse ? undefined : (q.marker ?? undefined));
    if (m) params.set('marker', m);
    if (reverse) params.set('page_reverse', 'True');
    return `${baseUrl}?${params.toString()}`;
  };
  const first = items[0]?.id as string | undefined;
  const last = items[items.length - 1]?.id as string | undefined;
  const full = items.length >= q.limit;
  // as Neutron: a forward page always points back, and forward only when it was full;
  // a reversed page the other way round
  if (full || q.pageReverse) links.push({ href: make(last, false), rel: 'next' });
  if (full || !q.pageReverse) links.push({ href: make(first, true), rel: 'previous' });
  return links;
}

export function selectFields<T extends Record<string, unknown>>(item: T, fields: string[] | null): Partial<T> {
  if (!fields) return item;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in item) out[f] = item[f];
  return out as Partial<T>;
}
