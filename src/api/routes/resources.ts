// The generic collection controller: every resource's CRUD routes come from its declaration,
// and every policy check of them is asked here, of the one table (src/api/policy/). Plugins
// only hand the controller's checks the resource they found (see AuthorizeChange).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pageLinks, parseFields, parseListQuery, selectFields } from '../collection.js';
import { contextOf } from '../http-context.js';
import { HTTPMethodNotAllowed } from '../errors.js';
import type { Policy } from '../policy/policy.js';
import { ResourcePolicy } from '../policy/resource-policy.js';
import { createItems, parseIfMatch, updateChanges } from '../request-body.js';
import type { ApiObject, Handler, ResourceDef } from '../resource.js';

type Query = Record<string, string | string[] | undefined>;
type IdParams = { id: string };

export function baseUrl(req: FastifyRequest): string {
  const host = req.headers['x-forwarded-host'] ?? req.headers.host ?? 'localhost';
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? 'http';
  return `${proto}://${String(host)}`;
}

export function registerResource(app: FastifyInstance, def: ResourceDef, handler: Handler, maxLimit: number, policy: Policy): void {
  const col = `/v2.0/${def.path}`;
  const member = `${col}/:id`;
  const rp = new ResourcePolicy(policy, def);

  app.get(col, async (req: FastifyRequest<{ Querystring: Query }>) => {
    const ctx = contextOf(req);
    const q = parseListQuery(def, req.query, maxLimit);
    // the filter for get_<member> needs each item's owner, which `fields` may leave out
    const fields = q.fields && !q.fields.includes('project_id') ? [...q.fields, 'project_id'] : q.fields;
    const found = (await handler.list(ctx, { ...q, fields, mayShow: (attr, item) => rp.mayShow(ctx, attr, item) })).filter((i) => rp.mayRead(ctx, i));
    const items = found.map((i) => selectFields(rp.shown(ctx, i), q.fields));
    const body: Record<string, unknown> = { [def.collection]: items };
    // links come from the full items: `fields` may leave out the id the marker needs
    const links = pageLinks(`${baseUrl(req)}${col}`, req.query, q, found);
    if (links && links.length) body[`${def.collection}_links`] = links;
    return body;
  });

  app.get(member, async (req: FastifyRequest<{ Params: IdParams; Querystring: Query }>) => {
    const ctx = contextOf(req);
    const fields = parseFields(req.query);
    const obj = await handler.show(ctx, req.params.id, fields && !fields.includes('project_id') ? [...fields, 'project_id'] : fields);
    rp.checkRead(ctx, obj, req.params.id);
    return { [def.member]: selectFields(rp.shown(ctx, obj), fields) };
  });

  if (handler.create) {
    const create = handler.create.bind(handler);
    app.post(col, async (req: FastifyRequest, reply: FastifyReply) => {
      const ctx = contextOf(req);
      const { items, bulk } = createItems(def, req.body, ctx);
      const asked = new Set<ApiObject>();
      const created = await create(ctx, items, (item, parents) => {
        rp.authorizeCreate(ctx, item, parents);
        asked.add(item);
      });
      // a plugin that skipped the check is a bug that must not pass silently
      if (items.some((i) => !asked.has(i))) throw new Error(`${def.member} plugin created without asking the policy (create_${def.member})`);
      reply.code(201);
      const shown = created.map((c) => rp.shown(ctx, c));
      return bulk ? { [def.collection]: shown } : { [def.member]: shown[0] };
    });
  } else {
    app.post(col, async (req) => {
      throw HTTPMethodNotAllowed({ method: 'POST', path: req.url });
    });
  }

  if (handler.update) {
    const update = handler.update.bind(handler);
    app.put(member, async (req: FastifyRequest<{ Params: IdParams }>) => {
      const ctx = contextOf(req);
      const changes = updateChanges(def, req.body);
      let asked = false;
      const obj = await update(ctx, req.params.id, changes, parseIfMatch(req.headers['if-match']), (current) => {
        rp.authorizeChange(ctx, 'update', current, changes);
        asked = true;
      });
      if (!asked) throw new Error(`${def.member} plugin updated without asking the policy (update_${def.member})`);
      return { [def.member]: rp.shown(ctx, obj) };
    });
  } else {
    app.put(member, async (req) => {
      throw HTTPMethodNotAllowed({ method: 'PUT', path: req.url });
    });
  }

  if (handler.delete) {
    const del = handler.delete.bind(handler);
    app.delete(member, async (req: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply) => {
      const ctx = contextOf(req);
      let asked = false;
      await del(ctx, req.params.id, parseIfMatch(req.headers['if-match']), (current) => {
        rp.authorizeChange(ctx, 'delete', current, null);
        asked = true;
      });
      if (!asked) throw new Error(`${def.member} plugin deleted without asking the policy (delete_${def.member})`);
      reply.code(204);
      return reply.send();
    });
  }

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
