// What differs between the port firewall's tables as last applied and what the kernel holds
// (pure): a missing table, chain or rule list, and set/map elements missing or extra. Elements
// are compared by key in one spelling (no quotes or spaces, lower case, hex marks as numbers,
// /32 and /128 dropped), so the text we render and `nft -j`'s JSON meet.
import type { Drift } from '../../contract/trace.js';
import type { NftJsonObject } from '../../linux/nft.js';
import type { NftTable } from './nft-table.js';

function token(t: string): string {
  const x = t.trim().replace(/^"|"$/g, '').toLowerCase();
  if (/^0x[0-9a-f]+$/.test(x)) return String(Number.parseInt(x, 16));
  return x.replace(/\/(32|128)$/, '');
}

/** A key we render ("tap1" . fa:16:… . 10.0.0.5) in the common spelling. */
export const renderedKey = (k: string): string => k.split(' . ').map(token).join('.');

function jsonKey(e: unknown): string {
  if (typeof e === 'string' || typeof e === 'number') return token(String(e));
  if (Array.isArray(e)) return jsonKey(e[0]);
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    if (Array.isArray(o.concat)) return o.concat.map(jsonKey).join('.');
    if (o.prefix && typeof o.prefix === 'object') {
      const p = o.prefix as { addr: string; len: number };
      return token(`${p.addr}/${p.len}`);
    }
    if (Array.isArray(o.range)) return `${jsonKey(o.range[0])}-${jsonKey(o.range[1])}`;
    if (o.elem) return jsonKey((o.elem as Record<string, unknown>).val);
  }
  return JSON.stringify(e);
}

/** Kernel elements of a table's sets and maps, by set name, and its chains with their rule counts. */
export function kernelTable(objects: NftJsonObject[]): { sets: Map<string, Set<string>>; chains: Map<string, number> } {
  const sets = new Map<string, Set<string>>();
  const chains = new Map<string, number>();
  for (const o of objects) {
    const s = o.set ?? o.map;
    if (s) sets.set(String(s.name), new Set((Array.isArray(s.elem) ? (s.elem as unknown[]) : []).map(jsonKey)));
    else if (o.chain) chains.set(String(o.chain.name), chains.get(String(o.chain.name)) ?? 0);
    else if (o.rule) chains.set(String(o.rule.chain), (chains.get(String(o.rule.chain)) ?? 0) + 1);
  }
  return { sets, chains };
}

/** The drifts of one table; `counted` gets the number of elements and chains compared. */
export function tableDrift(wanted: NftTable, objects: NftJsonObject[] | null, counted: { elements: number; chains: number }): Drift[] {
  const name = `${wanted.family} ${wanted.name}`;
  if (!objects) return [{ kind: 'nft_table', object: name, detail: 'the table is missing: no port of this host is filtered', repaired: false }];
  const k = kernelTable(objects);
  const out: Drift[] = [];
  for (const [chain, c] of wanted.chains) {
    counted.chains++;
    const rules = k.chains.get(chain);
    if (rules === undefined) out.push({ kind: 'nft_chain', object: `${name} ${chain}`, detail: 'the chain is missing', repaired: false });
    else if (rules !== c.rules.length) out.push({ kind: 'nft_chain', object: `${name} ${chain}`, detail: `${rules} rule(s) where ${c.rules.length} were applied`, repaired: false });
  }
  for (const [setName, s] of wanted.sets) {
    const have = k.sets.get(setName);
    const want = [...s.elements.keys()].map(renderedKey);
    counted.elements += want.length;
    if (!have) {
      out.push({ kind: 'nft_set', object: `${name} ${setName}`, detail: 'the set is missing', repaired: false });
      continue;
    }
    const missing = want.filter((e) => !have.has(e));
    const wantSet = new Set(want);
    const extra = [...have].filter((e) => !wantSet.has(e));
    if (missing.length || extra.length) {
      const sample = (xs: string[]) => xs.slice(0, 3).join(', ') + (xs.length > 3 ? ' …' : '');
      const parts = [missing.length ? `${missing.length} element(s) missing (${sample(missing)})` : '', extra.length ? `${extra.length} element(s) nobody applied (${sample(extra)})` : ''].filter(
        Boolean,
      );
      out.push({ kind: 'nft_set', object: `${name} ${setName}`, detail: parts.join('; '), repaired: false });
    }
  }
  return out;
}
