// The subnets a router is on (its interfaces' subnets and every subnet of its gateway
// network): it routes between them, so a new one may neither repeat nor overlap them.
import { BadRequest } from '../../api/errors.js';
import { DEVICE_OWNER_ROUTER_GW } from '../../contract/device-owners.js';
import { cidrsOverlap, parseCidr } from '../../common/ip-address.js';
import type { Trx } from '../../db/transaction.js';

interface SubnetRef {
  id: string;
  cidr: string;
}

export async function checkRouterSubnets(trx: Trx, routerId: string, added: SubnetRef[]): Promise<void> {
  const attached = await trx
    .selectFrom('routerports as rp')
    .innerJoin('ports as p', 'p.id', 'rp.port_id')
    .innerJoin('ipallocations as a', 'a.port_id', 'rp.port_id')
    .select(['rp.port_id', 'rp.port_type', 'p.network_id', 'a.subnet_id'])
    .where('rp.router_id', '=', routerId)
    .execute();
  const addedIds = new Set(added.map((s) => s.id));
  for (const a of attached) {
    if (addedIds.has(a.subnet_id)) throw BadRequest({ resource: 'router', msg: `Router already has a port on subnet ${a.subnet_id}` });
  }
  const gwNetworks = [...new Set(attached.filter((a) => a.port_type === DEVICE_OWNER_ROUTER_GW).map((a) => a.network_id))];
  const ids = [...new Set(attached.filter((a) => a.port_type !== DEVICE_OWNER_ROUTER_GW).map((a) => a.subnet_id))];
  let q = trx.selectFrom('subnets').select(['id', 'cidr']);
  if (!ids.length && !gwNetworks.length) return;
  q = q.where((eb) => eb.or([...(ids.length ? [eb('id', 'in', ids)] : []), ...(gwNetworks.length ? [eb('network_id', 'in', gwNetworks)] : [])]));
  const current = await q.execute();
  for (const s of current) {
    for (const n of added) {
      if (s.id !== n.id && cidrsOverlap(parseCidr(s.cidr)!, parseCidr(n.cidr)!)) {
        throw BadRequest({ resource: 'router', msg: `Cidr ${n.cidr} of subnet ${n.id} overlaps with cidr ${s.cidr} of subnet ${s.id}` });
      }
    }
  }
}
