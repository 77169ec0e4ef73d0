// network-ip-availability: total and used addresses per network and subnet (admin only).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/connection.js';
import { poolsOf } from '../../ipam/allocator.js';
import { HTTPBadRequest, NetworkNotFound } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';

type Query = Record<string, string | string[] | undefined>;
const FILTERS = ['network_id', 'network_name', 'project_id', 'tenant_id', 'ip_version'];

/** JSON with BigInt written as plain digits: an IPv6 pool holds more than 2^53 addresses. */
export function bigJson(value: unknown): string {
  const marked = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `\u0000big:${v.toString()}` : v));
  return marked.replace(/"\\u0000big:(\d+)"/g, '$1');
}

export function registerIpAvailability(app: FastifyInstance, db: Db, policy: Policy): void {
  const rule = 'get_network_ip_availability';
  const compute = async (filters: Query) => {
    let nq = db.kysely.selectFrom('networks').select(['id', 'name', 'project_id']);
    const vals = (k: string) => {
      const v = filters[k];
      return v === undefined ? undefined : Array.isArray(v) ? v : [v];
    };
    if (vals('network_id')) nq = nq.where('id', 'in', vals('network_id')!);
    if (vals('network_name')) nq = nq.where('name', 'in', vals('network_name')!);
    const projects = vals('project_id') ?? vals('tenant_id');
    if (projects) nq = nq.where('project_id', 'in', projects);
    const networks = await nq.orderBy('id').execute();
    if (!networks.length) return [];
    const ids = networks.map((n) => n.id);
    let sq = db.kysely.selectFrom('subnets').selectAll().where('network_id', 'in', ids);
    const versions = vals('ip_version');
    if (versions) sq = sq.where('ip_version', 'in', versions.map(Number));
    const subnets = await sq.orderBy('created_at').execute();
    const used = await db.kysely
      .selectFrom('ipallocations')
      .select(['subnet_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('network_id', 'in', ids)
      .groupBy('subnet_id')
      .execute();
    const usedBy = new Map(used.map((u) => [u.subnet_id, Number(u.n)]));
    return networks
      .map((n) => {
        const mine = subnets.filter((s) => s.network_id === n.id);
        const subnetInfo = mine.map((s) => ({
          subnet_id: s.id,
          subnet_name: s.name,
          cidr: s.cidr,
          ip_version: s.ip_version,
          total_ips: poolsOf(s).reduce((acc, p) => acc + (p.last - p.first + 1n), 0n),
          used_ips: usedBy.get(s.id) ?? 0,
        }));
        return {
          network_id: n.id,
          network_name: n.name,
          tenant_id: n.project_id,
          project_id: n.project_id,
          total_ips: subnetInfo.reduce((a, s) => a + s.total_ips, 0n),
          used_ips: subnetInfo.reduce((a, s) => a + s.used_ips, 0),
          subnet_ip_availability: subnetInfo,
        };
      })
      .filter((n) => !versions || n.subnet_ip_availability.length > 0);
  };

  // get_network_ip_availability (admin or service by default), per network: others get an
  // empty list, and a 404 that does not reveal the network.
  app.get('/v2.0/network-ip-availabilities', async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    for (const k of Object.keys(req.query)) {
      if (!FILTERS.includes(k) && k !== 'fields') throw HTTPBadRequest({ msg: `'${k}' is not a valid filter for network_ip_availabilities` });
    }
    const ctx = contextOf(req);
    const list = (await compute(req.query)).filter((n) => policy.allows(ctx, rule, n));
    return reply.type('application/json').send(bigJson({ network_ip_availabilities: list }));
  });

  app.get('/v2.0/network-ip-availabilities/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const ctx = contextOf(req);
    const [found] = await compute({ network_id: req.params.id });
    if (!found || !policy.allows(ctx, rule, found)) throw NetworkNotFound({ id: req.params.id });
    return reply.type('application/json').send(bigJson({ network_ip_availability: found }));
  });
}
