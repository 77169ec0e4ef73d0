// The port list's filters that are not plain columns: by fixed IP, by binding, by security group.
import { sql } from 'kysely';
import { HTTPBadRequest } from '../../api/errors.js';
import { normalizeIp } from '../../common/ip-address.js';
import type { Trx } from '../../db/transaction.js';
import type { PortQuery } from './extensions/extension-driver.js';
import { unboundBinding } from './port-binding.js';

/** fixed_ips=ip_address=…|subnet_id=…|ip_address_substr=…, binding:* and security_groups=… */
export function applyPortFilters(trx: Trx, qb: PortQuery, rest: Map<string, string[]>): PortQuery {
  const fixed = rest.get('fixed_ips');
  if (fixed) {
    const bySubnet: string[] = [];
    const byIp: string[] = [];
    const bySubstring: string[] = [];
    for (const f of fixed) {
      const [k, ...value] = f.split('=');
      const v = value.join('=');
      if (k === 'subnet_id') bySubnet.push(v);
      else if (k === 'ip_address') byIp.push(normalizeIp(v) ?? v);
      else if (k === 'ip_address_substr') bySubstring.push(v);
      else throw HTTPBadRequest({ msg: `fixed_ips filter '${f}' must be subnet_id=<id>, ip_address=<address> or ip_address_substr=<text>` });
    }
    const holders = () => trx.selectFrom('ipallocations').select('port_id');
    if (bySubnet.length) qb = qb.where('p.id', 'in', holders().where('subnet_id', 'in', bySubnet));
    if (byIp.length) qb = qb.where('p.id', 'in', holders().where('ip_address', 'in', byIp));
    // ip-substring-filtering: the values are ORed, like repeated filters; LIKE wildcards are taken literally
    if (bySubstring.length) {
      const like = (t: string) => `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb = qb.where(
        'p.id',
        'in',
        holders().where((eb) => eb.or(bySubstring.map((t) => eb(sql`ip_address`, 'like', sql`${like(t)} escape '\\'`)))),
      );
    }
  }
  for (const [name, column] of [
    ['binding:host_id', 'host'],
    ['binding:vif_type', 'vif_type'],
    ['binding:vnic_type', 'vnic_type'],
  ] as const) {
    const values = rest.get(name);
    if (!values) continue;
    const unboundMatches = values.includes(unboundBinding('')[column]);
    // ports without a binding row are unbound (host '', vif_type unbound, vnic_type normal)
    qb = qb.where((eb) =>
      eb.or([
        eb('p.id', 'in', trx.selectFrom('ml2_port_bindings').select('port_id').where(column, 'in', values)),
        ...(unboundMatches ? [eb('p.id', 'not in', trx.selectFrom('ml2_port_bindings').select('port_id'))] : []),
      ]),
    );
  }
  const sgs = rest.get('security_groups');
  if (sgs) {
    qb = qb.where('p.id', 'in', trx.selectFrom('securitygroupportbindings').select('port_id').where('security_group_id', 'in', sgs));
  }
  return qb;
}
