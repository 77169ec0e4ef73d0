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

/** The objects of a table, or null when the table does not exist. */
export async function listNftTable(netns: string | null, family: string, table: string): Promise<NftJsonObject[] | null> {
  const r = await run('nft', ['-j', 'list', 'table', family, table], { netns, allowFailure: true });
  if (r.code !== 0) {
    if (/No such file or directory|does not exist/i.test(r.stderr)) return null;
    throw new CommandError(`nft -j list table ${family} ${table}`, r.code, r.stderr, r.stdout);
  }
  const parsed = JSON.parse(r.stdout) as { nftables?: NftJsonObject[] };
  return parsed.nftables ?? [];
}
