// An nftables table as data (sets, maps, chains and their rules as nft text) and the script
// that turns one such table into another: only changed chains are flushed and refilled, set
// and map elements are added and deleted one by one, so a change to one port or one remote
// group touches nothing else and established flows never see a gap.

export interface NftSet {
  kind: 'set' | 'map';
  /** what goes inside `add set … { }` (or a map), e.g. `type ipv4_addr; flags interval;` */
  spec: string;
  /** element text → map value (null for plain sets) */
  elements: Map<string, string | null>;
}

export interface NftChain {
  /** base chains: `type filter hook forward priority 0; policy accept;` */
  hook?: string;
  rules: string[];
}

export interface NftTable {
  family: 'bridge' | 'inet' | 'ip' | 'ip6' | 'arp' | 'netdev';
  name: string;
  sets: Map<string, NftSet>;
  chains: Map<string, NftChain>;
}

export const emptyTable = (family: NftTable['family'], name: string): NftTable => ({ family, name, sets: new Map(), chains: new Map() });

const elementText = (key: string, value: string | null): string => (value === null ? key : `${key} : ${value}`);

/**
 * The nft script that changes table `from` into `to` (null `from`: the table is created).
 * Order matters inside the transaction: objects are declared before anything names them,
 * and references (map elements, jumps) go before the chains and sets they point at.
 */
export function diffTable(from: NftTable | null, to: NftTable): string[] {
  const t = `${to.family} ${to.name}`;
  const old = from ?? emptyTable(to.family, to.name);
  const out: string[] = [];
  if (!from) out.push(`add table ${t}`);

  for (const [name, set] of to.sets) {
    const was = old.sets.get(name);
    if (was && was.spec !== set.spec) throw new Error(`set ${name} of ${t} changed its type: replace the table instead`);
    if (!was) out.push(`add ${set.kind} ${t} ${name} { ${set.spec} }`);
  }
  for (const [name, chain] of to.chains) {
    if (!old.chains.has(name)) out.push(chain.hook ? `add chain ${t} ${name} { ${chain.hook} }` : `add chain ${t} ${name}`);
  }

  // element deletions first: an interval set refuses an element overlapping one still there
  const adds: string[] = [];
  for (const [name, set] of to.sets) {
    const was = old.sets.get(name);
    const del: string[] = [];
    const add: string[] = [];
    for (const [k, v] of set.elements) {
      const before = was?.elements.get(k);
      if (before === undefined) add.push(elementText(k, v));
      else if (before !== v) {
        del.push(k);
        add.push(elementText(k, v));
      }
    }
    if (was) for (const k of was.elements.keys()) if (!set.elements.has(k)) del.push(k);
    if (del.length) out.push(`delete element ${t} ${name} { ${del.join(', ')} }`);
    if (add.length) adds.push(`add element ${t} ${name} { ${add.join(', ')} }`);
  }
  out.push(...adds);

  for (const [name, chain] of to.chains) {
    const was = old.chains.get(name);
    if (was && sameRules(was.rules, chain.rules)) continue;
    if (was) out.push(`flush chain ${t} ${name}`);
    for (const r of chain.rules) out.push(`add rule ${t} ${name} ${r}`);
  }

  // gone chains may jump to each other: empty them all before deleting any
  const goneChains = [...old.chains.keys()].filter((n) => !to.chains.has(n));
  for (const n of goneChains) out.push(`flush chain ${t} ${n}`);
  for (const n of goneChains) out.push(`delete chain ${t} ${n}`);
  for (const [n, set] of old.sets) if (!to.sets.has(n)) out.push(`delete ${set.kind} ${t} ${n}`);
  return out;
}

/** Replaces whatever table of that name exists with `to`, in one transaction. */
export function replaceTable(to: NftTable): string[] {
  const t = `${to.family} ${to.name}`;
  // `add table` makes the delete safe when the table does not exist yet
  return [`add table ${t}`, `delete table ${t}`, ...diffTable(null, to)];
}

function sameRules(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}
