// network-ip-availability: total and used addresses per network and subnet (admin only).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IpAvailability } from '../../plugins/ip-availability/ip-availability.js';
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

export function registerIpAvailability(app: FastifyInstance, availability: IpAvailability, policy: Policy): void {
  const rule = 'get_network_ip_availability';
  // get_network_ip_availability (admin or service by default), per network: others get an
  // empty list, and a 404 that does not reveal the network.
  app.get('/v2.0/network-ip-availabilities', async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    for (const k of Object.keys(req.query)) {
      if (!FILTERS.includes(k) && k !== 'fields') throw HTTPBadRequest({ msg: `'${k}' is not a valid filter for network_ip_availabilities` });
    }
    const ctx = contextOf(req);
    const list = (await availability.networks(req.query)).filter((n) => policy.allows(ctx, rule, n));
    return reply.type('application/json').send(bigJson({ network_ip_availabilities: list }));
  });

  app.get('/v2.0/network-ip-availabilities/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const ctx = contextOf(req);
    const [found] = await availability.networks({ network_id: req.params.id });
    if (!found || !policy.allows(ctx, rule, found)) throw NetworkNotFound({ id: req.params.id });
    return reply.type('application/json').send(bigJson({ network_ip_availability: found }));
  });
}
