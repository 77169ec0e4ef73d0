// The router actions (add/remove_router_interface, add/remove_extraroutes) and the
// l3_agent_scheduler sub-resources (/routers/{id}/l3-agents, /agents/{id}/l3-routers).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { L3Service } from '../../plugins/l3/l3-plugin.js';
import type { Route } from '../../plugins/l3/extra-routes.js';
import { parseFields, selectFields } from '../collection.js';
import { HTTPBadRequest } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';
import { ResourcePolicy } from '../policy/resource-policy.js';
import { updateChanges } from '../request-body.js';
import { routerDef } from '../resources/router.js';

type P = { id: string; router_id?: string };

export function registerL3Routes(app: FastifyInstance, l3: L3Service, policy: Policy): void {
  const rp = new ResourcePolicy(policy, routerDef);
  const action = (name: 'add_router_interface' | 'remove_router_interface') =>
    app.put(`/v2.0/routers/:id/${name}`, async (req: FastifyRequest<{ Params: P }>) => {
      const ctx = contextOf(req);
      const authorize = (current: Record<string, unknown>) => rp.authorizeChange(ctx, 'update', current, null, name);
      return name === 'add_router_interface' ? l3.interfaces.add(ctx, req.params.id, req.body, authorize) : l3.interfaces.remove(ctx, req.params.id, req.body, authorize);
    });
  action('add_router_interface');
  action('remove_router_interface');

  for (const name of ['add_extraroutes', 'remove_extraroutes'] as const) {
    app.put(`/v2.0/routers/:id/${name}`, async (req: FastifyRequest<{ Params: P }>) => {
      const ctx = contextOf(req);
      const body = updateChanges(routerDef, req.body);
      if (!Array.isArray(body.routes) || Object.keys(body).length !== 1) throw HTTPBadRequest({ msg: `${name} takes {"router": {"routes": [...]}}` });
      const router = await l3.routers.changeRoutes(ctx, req.params.id, body.routes as Route[], name === 'add_extraroutes', (current) => rp.authorizeChange(ctx, 'update', current, null, name));
      return { router: rp.shown(ctx, router) };
    });
  }

  // floatingip-pools (get_floatingip_pool, on the caller's own project as Neutron)
  app.get('/v2.0/floatingip_pools', async (req: FastifyRequest<{ Querystring: Record<string, string | string[] | undefined> }>) => {
    const ctx = contextOf(req);
    policy.enforce(ctx, 'get_floatingip_pool', { project_id: ctx.projectId, tenant_id: ctx.projectId });
    const fields = parseFields(req.query);
    return { floatingip_pools: (await l3.floatingIps.pools(ctx)).map((p) => selectFields(p, fields)) };
  });

  app.get('/v2.0/routers/:id/l3-agents', async (req: FastifyRequest<{ Params: P }>) => {
    const ctx = contextOf(req);
    policy.enforce(ctx, 'get_l3-agents');
    return { agents: await l3.agentRouters.agentsHosting(ctx, req.params.id) };
  });

  app.get('/v2.0/agents/:id/l3-routers', async (req: FastifyRequest<{ Params: P }>) => {
    const ctx = contextOf(req);
    policy.enforce(ctx, 'get_l3-routers');
    return { routers: await l3.agentRouters.routersOn(ctx, req.params.id) };
  });

  app.post('/v2.0/agents/:id/l3-routers', async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const ctx = contextOf(req);
    policy.enforce(ctx, 'create_l3-router');
    const body = req.body as { router_id?: unknown } | null;
    if (!body || typeof body !== 'object' || !('router_id' in body)) throw HTTPBadRequest({ msg: 'The body must be {"router_id": "<router id>"}' });
    await l3.agentRouters.add(ctx, req.params.id, body.router_id);
    reply.code(201);
    return null;
  });

  app.delete('/v2.0/agents/:id/l3-routers/:router_id', async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const ctx = contextOf(req);
    policy.enforce(ctx, 'delete_l3-router');
    await l3.agentRouters.remove(ctx, req.params.id, req.params.router_id!);
    return reply.code(204).send();
  });
}
