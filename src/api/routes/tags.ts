// standard-attr-tag: /v2.0/{resources}/{id}/tags[/{tag}]
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TagStore } from '../../plugins/tags/tag-store.js';
import type { RequestContext } from '../context.js';
import { InvalidInput, TagNotFound, TooManyTags } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';
import { ResourcePolicy } from '../policy/resource-policy.js';
import type { Handler, ResourceDef } from '../resource.js';
import { AttributeInvalid, MAX_TAGS, tag as validateTag } from '../validators.js';

type P = { id: string; tag?: string };

function checkTag(t: unknown): string {
  try {
    return validateTag(t) as string;
  } catch (e) {
    if (e instanceof AttributeInvalid) throw InvalidInput({ msg: `tags: ${e.message}` });
    throw e;
  }
}

export function registerTags(app: FastifyInstance, tags: TagStore, def: ResourceDef, handler: Handler, policy: Policy): void {
  const base = `/v2.0/${def.path}/:id/tags`;
  const rp = new ResourcePolicy(policy, def);

  /**
   * The resource must be visible (404 otherwise); a change must pass update_<member>:tags
   * (setting) or delete_<member>:tags (removing) with the resource as target.
   */
  const target = async (ctx: RequestContext, id: string, write: 'update' | 'delete' | null) => {
    const obj = await handler.show(ctx, id, ['id', 'project_id']);
    rp.checkRead(ctx, obj, id);
    if (write) rp.authorizeChange(ctx, write, obj, null, `${write}_${def.member}:tags`);
    return id;
  };

  app.get(base, async (req: FastifyRequest<{ Params: P }>) => {
    const id = await target(contextOf(req), req.params.id, null);
    return { tags: await tags.get(id) };
  });

  app.put(base, async (req: FastifyRequest<{ Params: P }>) => {
    const id = await target(contextOf(req), req.params.id, 'update');
    const body = req.body as { tags?: unknown } | null;
    if (!body || !Array.isArray(body.tags)) throw InvalidInput({ msg: 'tags: the body must be {"tags": [...]}' });
    const wanted = body.tags.map(checkTag);
    if (new Set(wanted).size !== wanted.length) throw InvalidInput({ msg: 'tags: a tag is listed twice' });
    if (wanted.length > MAX_TAGS) throw TooManyTags({ max: MAX_TAGS });
    await tags.replace(def.table, id, wanted);
    return { tags: [...wanted].sort() };
  });

  app.delete(base, async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const id = await target(contextOf(req), req.params.id, 'delete');
    await tags.replace(def.table, id, []);
    return reply.code(204).send();
  });

  app.get(`${base}/:tag`, async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const id = await target(contextOf(req), req.params.id, null);
    const tag = req.params.tag!;
    if (!(await tags.get(id)).includes(tag)) throw TagNotFound({ resource: def.member, id, tag });
    return reply.code(204).send();
  });

  app.put(`${base}/:tag`, async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const id = await target(contextOf(req), req.params.id, 'update');
    const tag = checkTag(req.params.tag);
    await tags.add(def.table, id, tag, MAX_TAGS);
    return reply.code(201).send();
  });

  app.delete(`${base}/:tag`, async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const id = await target(contextOf(req), req.params.id, 'delete');
    const tag = req.params.tag!;
    if (!(await tags.remove(def.table, id, tag))) throw TagNotFound({ resource: def.member, id, tag });
    return reply.code(204).send();
  });
}
