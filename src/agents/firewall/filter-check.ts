// What the nftables port firewall of this host really holds for one port (for `neutrino trace`):
// the port is in the secured set with an index, its anti-spoofing elements cover the addresses it
// may send from, its index is in the direction's verdict map, its groups' chains are there and,
// when the model names a deciding rule, that rule is in its group's chain. Read as `nft -j`.
import { cidrContains, parseCidr, parseIp } from '../../common/ip-address.js';
import { tapName } from '../../contract/device-names.js';
import type { KernelAnswer, PortFilterCheck } from '../../contract/trace.js';
import { listNftTable, type NftJsonObject } from '../../linux/nft.js';
import { groupChain, RULE_COMMENT, TABLE } from './ruleset.js';

/** An element of `nft -j` as text: "tap . mac . 10.0.0.0/24" (prefixes as cidr, ranges a-b). */
function elementText(e: unknown): string {
  if (typeof e === 'string' || typeof e === 'number') return String(e);
  if (Array.isArray(e)) return elementText(e[0]);
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    if (Array.isArray(o.concat)) return o.concat.map(elementText).join(' . ');
    if (o.prefix && typeof o.prefix === 'object') {
      const p = o.prefix as { addr: string; len: number };
      return `${p.addr}/${p.len}`;
    }
    if (Array.isArray(o.range)) return `${elementText(o.range[0])}-${elementText(o.range[1])}`;
    if (o.elem) return elementText((o.elem as Record<string, unknown>).val);
  }
  return JSON.stringify(e);
}

function setElements(objects: NftJsonObject[], name: string): { key: string; value: unknown }[] {
  for (const o of objects) {
    const s = o.set ?? o.map;
    if (!s || s.name !== name) continue;
    const elems = Array.isArray(s.elem) ? (s.elem as unknown[]) : [];
    return elems.map((e) => (o.map && Array.isArray(e) ? { key: elementText(e[0]), value: e[1] } : { key: elementText(e), value: null }));
  }
  return [];
}

function covered(source: string, prefixes: string[]): boolean {
  const ip =
    parseIp(source) ??
    (() => {
      const c = parseCidr(source);
      return c ? { version: c.version, value: c.network } : null;
    })();
  if (!ip) return false;
  return prefixes.some((p) => {
    const c = parseCidr(p.includes('/') ? p : `${p}/${ip.version === 4 ? 32 : 128}`);
    return !!c && c.version === ip.version && cidrContains(c, ip);
  });
}

export type FirewallTables = [bridge: NftJsonObject[] | null, inet: NftJsonObject[] | null];

/** Both tables of the port firewall as `nft -j` lists them (one read serves every check of a call). */
export const readFirewallTables = (netns: string | null): Promise<FirewallTables> =>
  Promise.all([listNftTable(netns, 'bridge', TABLE, { memo: true }), listNftTable(netns, 'inet', TABLE, { memo: true })]);

/** bridge → conntrack zone, as the inet table's map `zones` holds it. */
function zoneOf(inet: NftJsonObject[], bridge: string): number | null {
  const z = setElements(inet, 'zones').find((e) => e.key === bridge)?.value;
  return typeof z === 'number' ? z : null;
}

/** `bridge`: the port's bridge, whose conntrack zone is reported (null: not asked). */
export async function checkPortFilter(tables: Promise<FirewallTables>, c: PortFilterCheck, bridgeOfPort: string | null = null): Promise<KernelAnswer> {
  const tap = tapName(c.port_id);
  const [bridge, inet] = await tables;
  if (!bridge || !inet) return { agrees: false, detail: `table ${!bridge ? 'bridge' : 'inet'} ${TABLE} is missing: the port is not filtered` };
  const problems: string[] = [];
  if (!setElements(bridge, 'secured').some((e) => e.key === tap)) problems.push(`${tap} is not in set secured`);
  const index = setElements(bridge, 'port_index').find((e) => e.key === tap)?.value;
  if (typeof index !== 'number') problems.push(`${tap} has no element in map port_index`);
  const mac = c.mac.toLowerCase();
  const mine = [...setElements(bridge, 'port_ipv4'), ...setElements(bridge, 'port_ipv6')].map((e) => e.key.split(' . ')).filter((parts) => parts[0] === tap);
  for (const s of c.sources) {
    if (
      !covered(
        s,
        mine.filter((p) => p[1]?.toLowerCase() === mac || s.includes('/')).map((p) => p[2]),
      )
    )
      problems.push(`anti-spoofing: no element of ${tap} . ${mac} covers ${s}`);
  }
  if (typeof index === 'number') {
    const key = c.direction === 'ingress' ? (index << 16) >>> 0 : index;
    const maps = c.direction === 'ingress' ? ['ingress', 'ingress_stateless'] : ['egress', 'egress_stateless'];
    if (!maps.some((m) => setElements(inet, m).some((e) => Number(e.key) === key))) problems.push(`port index ${index} is in neither map ${maps.join(' nor ')}`);
  }
  const chains = new Set(inet.filter((o) => o.chain).map((o) => String(o.chain.name)));
  for (const g of c.groups) if (!chains.has(groupChain(g, c.direction))) problems.push(`chain ${groupChain(g, c.direction)} of group ${g} is missing`);
  if (c.rule_id) {
    const found = inet.some((o) => o.rule && String(o.rule.chain).endsWith(c.direction === 'ingress' ? '-i' : '-e') && RULE_COMMENT.exec(String(o.rule.comment ?? ''))?.[1] === c.rule_id);
    if (!found) problems.push(`rule ${c.rule_id} is in no ${c.direction} chain`);
  }
  const zone = bridgeOfPort ? zoneOf(inet, bridgeOfPort) : null;
  if (bridgeOfPort && zone === null) problems.push(`bridge ${bridgeOfPort} has no conntrack zone in map zones`);
  const zoned = zone !== null ? { conntrack_zone: zone } : {};
  if (problems.length) return { agrees: false, detail: problems.join('; '), ...zoned };
  const what = c.rule_id ? `rule ${c.rule_id} is in its group's chain` : `the chains of ${c.groups.length} group(s) are there`;
  const zoneText = zone !== null ? `; conntrack zone ${zone} (${bridgeOfPort})` : '';
  return { agrees: true, detail: `${tap} is filtered (index ${index}${c.sources.length ? `, ${c.sources.length} source(s) covered` : ''}); ${what}${zoneText}`, ...zoned };
}
