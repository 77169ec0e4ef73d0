// auto-allocated-topology: GET and DELETE /v2.0/auto-allocated-topology/{project_id}
// ('None' = the caller's project), fields=dry-run checks the requirements only.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AutoAllocate } from '../../plugins/auto-allocate/auto-allocate.js';
import { BadRequest } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';

type Q = { fields?: string | string[] };
type P = { project: string };

export function registerAutoAllocate(app: FastifyInstance, auto: AutoAllocate, policy: Policy): void {
  app.get('/v2.0/auto-allocated-topology/:project', async (req: FastifyRequest<{ Params: P; Querystring: Q }>) => {
    const ctx = contextOf(req);
    const project = auto.project(ctx, req.params.project);
    policy.enforce(ctx, 'get_auto_allocated_topology', { project_id: project, tenant_id: project });
    const fields = (Array.isArray(req.query.fields) ? req.query.fields : req.query.fields ? [req.query.fields] : []).flatMap((f) => f.split(','));
    if (fields.includes('dry-run')) return { auto_allocated_topology: await auto.checkRequirements(project) };
    if (fields.length) throw BadRequest({ resource: 'auto_allocate', msg: 'Unrecognized field' });
    return { auto_allocated_topology: await auto.get(ctx, project) };
  });
  app.delete('/v2.0/auto-allocated-topology/:project', async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const ctx = contextOf(req);
    const project = auto.project(ctx, req.params.project);
    policy.enforce(ctx, 'delete_auto_allocated_topology', { project_id: project, tenant_id: project });
    await auto.delete(project);
    return reply.code(204).send();
  });
}
