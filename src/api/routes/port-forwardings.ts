// floating-ip-port-forwarding: /v2.0/floatingips/{floatingip_id}/port_forwardings[/{id}], the
// generic controller's steps (declaration-driven body and query checks, the policy table) for
// a sub-resource whose parent is in the path. Policy rules are Neutron's
// (create_floatingip_port_forwarding …), asked with the floating IP's project_id.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PortForwardingPlugin } from '../../plugins/port_forwarding/port-forwardings.js';
import { pageLinks, parseFields, parseListQuery, selectFields } from '../collection.js';
import { HTTPMethodNotAllowed } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';
import { ResourcePolicy } from '../policy/resource-policy.js';
import { createItems, updateChanges } from '../request-body.js';
import type { ApiObject } from '../resource.js';
import { portForwardingDef } from '../resources/port-forwarding.js';
import { baseUrl } from './resources.js';

type Query = Record<string, string | string[] | undefined>;
type Parent = { floatingip_id: string };
type Member = { floatingip_id: string; id: string };

/** what the API shows: the policy's project_id is not an attribute of a port forwarding */
const strip = ({ project_id: _p, ...rest }: ApiObject): ApiObject => rest;

export function registerPortForwardingRoutes(app: FastifyInstance, plugin: PortForwardingPlugin, policy: Policy, maxLimit: number): void {
  const rp = new ResourcePolicy(policy, { ...portForwardingDef, member: 'floatingip_port_forwarding' });
  const col = '/v2.0/floatingips/:floatingip_id/port_forwardings';
  const member = `${col}/:id`;

  app.get(col, async (req: FastifyRequest<{ Params: Parent; Querystring: Query }>) => {
    const ctx = contextOf(req);
    const q = parseListQuery(portForwardingDef, req.query, maxLimit);
    const found = (await plugin.list(ctx, req.params.floatingip_id, q)).filter((i) => rp.mayRead(ctx, i));
    const body: Record<string, unknown> = { port_forwardings: found.map((i) => selectFields(strip(rp.shown(ctx, i)), q.fields)) };
    const links = pageLinks(`${baseUrl(req)}/v2.0/floatingips/${req.params.floatingip_id}/port_forwardings`, req.query, q, found);
    if (links?.length) body.port_forwardings_links = links;
    return body;
  });

  app.get(member, async (req: FastifyRequest<{ Params: Member; Querystring: Query }>) => {
    const ctx = contextOf(req);
    const obj = await plugin.show(ctx, req.params.floatingip_id, req.params.id);
    rp.checkRead(ctx, obj, req.params.id);
    return { port_forwarding: selectFields(strip(rp.shown(ctx, obj)), parseFields(req.query)) };
  });

  app.post(col, async (req: FastifyRequest<{ Params: Parent }>, reply: FastifyReply) => {
    const ctx = contextOf(req);
    const { items } = createItems(portForwardingDef, req.body, ctx);
    const created = await plugin.create(ctx, req.params.floatingip_id, items[0], (target) => rp.authorizeCreate(ctx, { ...items[0], ...target }));
    reply.code(201);
    return { port_forwarding: created };
  });

  app.put(member, async (req: FastifyRequest<{ Params: Member }>) => {
    const ctx = contextOf(req);
    const changes = updateChanges(portForwardingDef, req.body);
    const obj = await plugin.update(ctx, req.params.floatingip_id, req.params.id, changes, (target) => rp.authorizeChange(ctx, 'update', target, changes));
    return { port_forwarding: obj };
  });

  app.delete(member, async (req: FastifyRequest<{ Params: Member }>, reply: FastifyReply) => {
    const ctx = contextOf(req);
    await plugin.delete(ctx, req.params.floatingip_id, req.params.id, (target) => rp.authorizeChange(ctx, 'delete', target, null));
    reply.code(204);
    return reply.send();
  });

  for (const method of ['PUT', 'DELETE'] as const) {
    app.route({
      method,
      url: col,
      handler: async (req) => {
        throw HTTPMethodNotAllowed({ method, path: req.url });
      },
    });
  }
}
