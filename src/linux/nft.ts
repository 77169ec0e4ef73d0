// nftables through the nft tool: a script is one `nft -f -` process, hence one atomic kernel
// transaction however many lines it has; state is read back as JSON (`nft -j`).
import { CommandError, run } from './exec.js';

/** Applies an nft script in netns as one transaction (all of it or nothing). */
export async function applyNftScript(netns: string | null, script: string): Promise<void> {
  if (!script.trim()) return;
  await run('nft', ['-f', '-'], { netns, input: script });
}

/** One object of `nft -j list …`: {table: …}, {chain: …}, {rule: …}, {set: …}, {map: …}. */
export type NftJsonObject = Record<string, Record<string, unknown>>;

/** The last text and parse of each table read with `memo` (a table of thousands of elements is
 *  megabytes of JSON; a host that did not change lists the same text again). */
const lastParse = new Map<string, { text: string; objects: NftJsonObject[] }>();

/**
 * The objects of a table, or null when the table does not exist. With `memo`, an answer whose
 * text is the same as the last one's is the same (frozen-by-contract: callers must not change
 * it) array, unparsed again — and callers may compare it by identity.
 */
export async function listNftTable(netns: string | null, family: string, table: string, opts: { memo?: boolean } = {}): Promise<NftJsonObject[] | null> {
  const r = await run('nft', ['-j', 'list', 'table', family, table], { netns, allowFailure: true });
  if (r.code !== 0) {
    if (/No such file or directory|does not exist/i.test(r.stderr)) return null;
    throw new CommandError(`nft -j list table ${family} ${table}`, r.code, r.stderr, r.stdout);
  }
  const key = `${netns ?? ''} ${family} ${table}`;
  if (opts.memo) {
    const last = lastParse.get(key);
    if (last && last.text === r.stdout) return last.objects;
  }
  const objects = (JSON.parse(r.stdout) as { nftables?: NftJsonObject[] }).nftables ?? [];
  if (opts.memo) lastParse.set(key, { text: r.stdout, objects });
  return objects;
}
