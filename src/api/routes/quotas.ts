// Quotas: /v2.0/quotas[/{project_id}[/default|/details]]
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { QUOTA_RESOURCES, type QuotaEngine } from '../../plugins/quotas/quota-engine.js';
import type { RequestContext } from '../context.js';
import { HTTPBadRequest, InvalidInput, TenantQuotaNotFound } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';

type P = { project: string };

export function registerQuotas(app: FastifyInstance, quotas: QuotaEngine, policy: Policy): void {
  /** get_/update_/delete_quota with the project as target (403 PolicyNotAuthorized). */
  const enforce = (ctx: RequestContext, action: string, project?: string) => policy.enforce(ctx, action, project === undefined ? {} : { project_id: project, tenant_id: project });
  const mayRead = (ctx: RequestContext, project: string) => enforce(ctx, 'get_quota', project);

  app.get('/v2.0/quotas', async (req) => {
    // every project's quota: get_quota with no project to own it (admins, by default)
    enforce(contextOf(req), 'get_quota');
    const byProject = await quotas.allProjects();
    return { quotas: byProject.map(([project, limits]) => ({ ...limits, project_id: project, tenant_id: project })) };
  });

  // Neutron's way for a client to learn its own project id
  app.get('/v2.0/quotas/tenant', async (req) => {
    const ctx = contextOf(req);
    return { tenant: { tenant_id: ctx.projectId }, project: { project_id: ctx.projectId } };
  });

  app.get('/v2.0/quotas/:project', async (req: FastifyRequest<{ Params: P }>) => {
    mayRead(contextOf(req), req.params.project);
    return { quota: await quotas.show(req.params.project) };
  });

  app.get('/v2.0/quotas/:project/default', async (req: FastifyRequest<{ Params: P }>) => {
    mayRead(contextOf(req), req.params.project);
    return { quota: quotas.defaults() };
  });

  app.get('/v2.0/quotas/:project/details', async (req: FastifyRequest<{ Params: P }>) => {
    mayRead(contextOf(req), req.params.project);
    return { quota: await quotas.details(req.params.project) };
  });

  app.put('/v2.0/quotas/:project', async (req: FastifyRequest<{ Params: P }>) => {
    enforce(contextOf(req), 'update_quota', req.params.project);
    const body = req.body as { quota?: Record<string, unknown> } | null;
    if (!body || typeof body.quota !== 'object' || body.quota === null || Array.isArray(body.quota)) {
      throw HTTPBadRequest({ msg: "Unable to find 'quota' in request body" });
    }
    const changes: [string, number][] = [];
    const force = body.quota.force === true;
    for (const [k, v] of Object.entries(body.quota)) {
      if (k === 'force' || k === 'check_limit') continue;
      if (!(k in QUOTA_RESOURCES)) throw HTTPBadRequest({ msg: `Unrecognized attribute(s) '${k}'` });
      const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw InvalidInput({ msg: `'${String(v)}' is not an integer (quota ${k})` });
      if (n < -1 || n > 2 ** 31 - 1) throw InvalidInput({ msg: `quota ${k} = ${n}: use -1 (unlimited) or a number from 0 to ${2 ** 31 - 1}` });
      changes.push([k, n]);
    }
    const limits = await quotas.update(req.params.project, changes, force);
    req.log.info({ event: 'quota.update', project_id: req.params.project, changes: Object.fromEntries(changes) }, 'quota updated');
    return { quota: limits };
  });

  app.delete('/v2.0/quotas/:project', async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    enforce(contextOf(req), 'delete_quota', req.params.project);
    if (!(await quotas.reset(req.params.project))) throw TenantQuotaNotFound({ project: req.params.project });
    req.log.info({ event: 'quota.reset', project_id: req.params.project }, 'quota reset to defaults');
    return reply.code(204).send();
  });
}
