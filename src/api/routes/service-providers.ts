// GET /v2.0/service-providers (service-type): the drivers of the loaded service plugins, as
// Neutron lists its configured providers; filters service_type, name and default, fields=.
// Policy get_service_provider (reader, as Neutron's defaults).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HTTPBadRequest } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';

export interface ServiceProvider {
  service_type: string;
  name: string;
  default: boolean;
}

type Query = Record<string, string | string[] | undefined>;
const ATTRIBUTES = ['service_type', 'name', 'default'] as const;

const values = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function registerServiceProviders(app: FastifyInstance, providers: readonly ServiceProvider[], policy: Policy): void {
  app.get('/v2.0/service-providers', async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    for (const k of Object.keys(req.query)) {
      if (!(ATTRIBUTES as readonly string[]).includes(k) && k !== 'fields') throw HTTPBadRequest({ msg: `'${k}' is not a valid filter for service_providers` });
    }
    const ctx = contextOf(req);
    const filters = ATTRIBUTES.map((a) => [a, values(req.query[a]).map((v) => v.toLowerCase())] as const).filter(([, v]) => v.length);
    const fields = values(req.query.fields)
      .flatMap((f) => f.split(','))
      .filter((f) => (ATTRIBUTES as readonly string[]).includes(f));
    const list = providers
      .filter((p) => filters.every(([a, v]) => v.includes(String(p[a]).toLowerCase())))
      .filter((p) => policy.allows(ctx, 'get_service_provider', { ...p, project_id: ctx.projectId }))
      .map((p) => (fields.length ? Object.fromEntries(fields.map((f) => [f, p[f as keyof ServiceProvider]])) : p));
    return reply.send({ service_providers: list });
  });
}
