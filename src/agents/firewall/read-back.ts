// What a previous agent process left in table inet neutrino-sg (as `nft -j` lists it): the
// numbers its rules stamped into ct marks (from the rule comments) and the conntrack zone of
// each bridge. Reusing them keeps existing flows in their zone and closable by rule number.
import type { NftJsonObject } from '../../linux/nft.js';
import { RULE_COMMENT } from './ruleset.js';

export interface ReadBack {
  ruleNumbers: Map<string, number>;
  directions: Map<string, 'ingress' | 'egress'>;
  zones: Map<string, number>;
}

export function readBack(objects: NftJsonObject[]): ReadBack {
  const out: ReadBack = { ruleNumbers: new Map(), directions: new Map(), zones: new Map() };
  for (const o of objects) {
    if (o.rule) {
      const m = RULE_COMMENT.exec(String(o.rule.comment ?? ''));
      const chain = String(o.rule.chain ?? '');
      if (!m || !chain.startsWith('sg-')) continue;
      out.ruleNumbers.set(m[1], Number(m[2]));
      out.directions.set(m[1], chain.endsWith('-e') ? 'egress' : 'ingress');
    } else if (o.map && o.map.name === 'zones' && Array.isArray(o.map.elem)) {
      for (const e of o.map.elem as unknown[]) {
        if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number') out.zones.set(e[0], e[1]);
      }
    }
  }
  return out;
}
