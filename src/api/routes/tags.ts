// standard-attr-tag: /v2.0/{resources}/{id}/tags[/{tag}]
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/connection.js';
import { bumpRevision } from '../../plugins/revision.js';
import { addTag, removeTag, replaceTags, tagsOf } from '../../plugins/tags/tag-store.js';
import { inTransaction } from '../../db/transaction.js';
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

export function registerTags(app: FastifyInstance, db: Db, def: ResourceDef, handler: Handler, policy: Policy): void {
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
  /** Runs a tag change; the resource's revision moves only when the tags did. */
  const change = (id: string, f: (trx: Parameters<Parameters<typeof inTransaction>[1]>[0]) => Promise<boolean>) =>
    inTransaction(db, async (trx) => {
      if (await f(trx)) await bumpRevision(trx, def.table, id);
    });

  app.get(base, async (req: FastifyRequest<{ Params: P }>) => {
    const id = await target(contextOf(req), req.params.id, null);
    return { tags: (await tagsOf(db, db.kysely, [id])).get(id) ?? [] };
  });

  app.put(base, async (req: FastifyRequest<{ Params: P }>) => {
    const id = await target(contextOf(req), req.params.id, 'update');
    const body = req.body as { tags?: unknown } | null;
    if (!body || !Array.isArray(body.tags)) throw InvalidInput({ msg: 'tags: the body must be {"tags": [...]}' });
    const tags = body.tags.map(checkTag);
    if (new Set(tags).size !== tags.length) throw InvalidInput({ msg: 'tags: a tag is listed twice' });
    if (tags.length > MAX_TAGS) throw TooManyTags({ max: MAX_TAGS });
    await change(id, async (trx) => {
      await replaceTags(trx, id, tags);
      return true;
    });
    return { tags: [...tags].sort() };
  });

  app.delete(base, async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const id = await target(contextOf(req), req.params.id, 'delete');
    await change(id, async (trx) => {
      await replaceTags(trx, id, []);
      return true;
    });
    return reply.code(204).send();
  });

  app.get(`${base}/:tag`, async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const id = await target(contextOf(req), req.params.id, null);
    const tag = req.params.tag!;
    if (!((await tagsOf(db, db.kysely, [id])).get(id) ?? []).includes(tag)) throw TagNotFound({ resource: def.member, id, tag });
    return reply.code(204).send();
  });

  app.put(`${base}/:tag`, async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const id = await target(contextOf(req), req.params.id, 'update');
    const tag = checkTag(req.params.tag);
    await change(id, async (trx) => {
      const current = (await tagsOf(db, trx, [id])).get(id) ?? [];
      if (current.includes(tag)) return false;
      if (current.length >= MAX_TAGS) throw TooManyTags({ max: MAX_TAGS });
      await addTag(trx, id, tag);
      return true;
    });
    return reply.code(201).send();
  });

  app.delete(`${base}/:tag`, async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const id = await target(contextOf(req), req.params.id, 'delete');
    const tag = req.params.tag!;
    await change(id, async (trx) => {
      if (!(await removeTag(trx, id, tag))) throw TagNotFound({ resource: def.member, id, tag });
      return true;
    });
    return reply.code(204).send();
  });
}
