// GET /v2.0/availability_zones (availability_zone, availability_zone_filter): the zones of the
// DHCP (resource network) and L3 (resource router) agents, filtered by name, resource and
// state, with fields=. Policy get_availability_zone (admin by default, as Neutron's new
// defaults): a caller it refuses gets an empty list, as for any list in Neutron.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/connection.js';
import type { AvailabilityZones } from '../../plugins/availability-zones/availability-zones.js';
import { HTTPBadRequest } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';

type Query = Record<string, string | string[] | undefined>;
const ATTRIBUTES = ['name', 'resource', 'state'];

const values = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function registerAvailabilityZones(app: FastifyInstance, zones: AvailabilityZones, db: Db, policy: Policy): void {
  app.get('/v2.0/availability_zones', async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    for (const k of Object.keys(req.query)) {
      if (!ATTRIBUTES.includes(k) && k !== 'fields') throw HTTPBadRequest({ msg: `'${k}' is not a valid filter for availability_zones` });
    }
    const ctx = contextOf(req);
    const filters = ATTRIBUTES.map((a) => [a, values(req.query[a])] as const).filter(([, v]) => v.length);
    const fields = values(req.query.fields)
      .flatMap((f) => f.split(','))
      .filter((f) => ATTRIBUTES.includes(f));
    const list = (await zones.list(db.kysely))
      .filter((z) => filters.every(([a, v]) => v.includes(z[a as keyof typeof z])))
      .filter((z) => policy.allows(ctx, 'get_availability_zone', { ...z, project_id: ctx.projectId }))
      .map((z) => (fields.length ? Object.fromEntries(fields.map((f) => [f, z[f as keyof typeof z]])) : z));
    return reply.send({ availability_zones: list });
  });
}
