// The generic collection controller: every resource's CRUD routes come from its declaration.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pageLinks, parseFields, parseListQuery, selectFields } from '../collection.js';
import { contextOf } from '../http-context.js';
import { HTTPMethodNotAllowed, PolicyNotAuthorized } from '../errors.js';
import { createItems, parseIfMatch, updateChanges } from '../request-body.js';
import type { Handler, ResourceDef } from '../resource.js';

type Query = Record<string, string | string[] | undefined>;
type IdParams = { id: string };

export function baseUrl(req: FastifyRequest): string {
  const host = req.headers['x-forwarded-host'] ?? req.headers.host ?? 'localhost';
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? 'http';
  return `${proto}://${String(host)}`;
}

export function registerResource(app: FastifyInstance, def: ResourceDef, handler: Handler, maxLimit: number): void {
  const col = `/v2.0/${def.path}`;
  const member = `${col}/:id`;

  app.get(col, async (req: FastifyRequest<{ Querystring: Query }>) => {
    const ctx = contextOf(req);
    const q = parseListQuery(def, req.query, maxLimit);
    const found = await handler.list(ctx, q);
    const items = found.map((i) => selectFields(i, q.fields));
    const body: Record<string, unknown> = { [def.collection]: items };
    // links come from the full items: `fields` may leave out the id the marker needs
    const links = pageLinks(`${baseUrl(req)}${col}`, req.query, q, found);
    if (links && links.length) body[`${def.collection}_links`] = links;
    return body;
  });

  app.get(member, async (req: FastifyRequest<{ Params: IdParams; Querystring: Query }>) => {
    const ctx = contextOf(req);
    const fields = parseFields(req.query);
    const obj = await handler.show(ctx, req.params.id, fields);
    return { [def.member]: selectFields(obj, fields) };
  });

  if (handler.create) {
    const create = handler.create.bind(handler);
    app.post(col, async (req: FastifyRequest, reply: FastifyReply) => {
      const ctx = contextOf(req);
      readOnlyGuard(ctx, `create_${def.member}`);
      const { items, bulk } = createItems(def, req.body, ctx);
      const created = await create(ctx, items);
      reply.code(201);
      return bulk ? { [def.collection]: created } : { [def.member]: created[0] };
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
      readOnlyGuard(ctx, `update_${def.member}`);
      const changes = updateChanges(def, req.body, ctx);
      const obj = await update(ctx, req.params.id, changes, parseIfMatch(req.headers['if-match']));
      return { [def.member]: obj };
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
      readOnlyGuard(ctx, `delete_${def.member}`);
      await del(ctx, req.params.id, parseIfMatch(req.headers['if-match']));
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

/** The reader role may only read (Neutron's default policy). */
export function readOnlyGuard(ctx: { roles: string[]; isAdmin: boolean }, action: string): void {
  if (!ctx.isAdmin && ctx.roles.length > 0 && !ctx.roles.includes('member') && ctx.roles.includes('reader')) {
    throw PolicyNotAuthorized({ action });
  }
}
