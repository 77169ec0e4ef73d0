// standard-attr-tag: /v2.0/{resources}/{id}/tags[/{tag}]
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/connection.js';
import { bumpRevision } from '../../plugins/revision.js';
import { addTag, removeTag, replaceTags, tagsOf } from '../../plugins/tags/tag-store.js';
import { inTransaction } from '../../plugins/transaction.js';
import type { RequestContext } from '../context.js';
import { InvalidInput, PolicyNotAuthorized, TagNotFound, TooManyTags } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Handler, ResourceDef } from '../resource.js';
import { AttributeInvalid, MAX_TAGS, tag as validateTag } from '../validators.js';
import { readOnlyGuard } from './resources.js';

type P = { id: string; tag?: string };

function checkTag(t: unknown): string {
  try {
    return validateTag(t) as string;
  } catch (e) {
    if (e instanceof AttributeInvalid) throw InvalidInput({ msg: `tags: ${e.message}` });
    throw e;
  }
}

export function registerTags(app: FastifyInstance, db: Db, def: ResourceDef, handler: Handler): void {
  const base = `/v2.0/${def.path}/:id/tags`;

  /** The resource must be visible (404 otherwise) and, to change tags, the caller's. */
  const target = async (ctx: RequestContext, id: string, write: boolean) => {
    const obj = await handler.show(ctx, id, ['id', 'project_id']);
    if (write) {
      readOnlyGuard(ctx, `update_${def.member}:tags`);
      if (!ctx.isAdmin && obj.project_id !== ctx.projectId) throw PolicyNotAuthorized({ action: `update_${def.member}:tags` });
    }
    return id;
  };
  /** Runs a tag change; the resource's revision moves only when the tags did. */
  const change = (id: string, f: (trx: Parameters<Parameters<typeof inTransaction>[1]>[0]) => Promise<boolean>) =>
    inTransaction(db, async (trx) => {
      if (await f(trx)) await bumpRevision(trx, def.table, id);
    });

  app.get(base, async (req: FastifyRequest<{ Params: P }>) => {
    const id = await target(contextOf(req), req.params.id, false);
    return { tags: (await tagsOf(db, db.kysely, [id])).get(id) ?? [] };
  });

  app.put(base, async (req: FastifyRequest<{ Params: P }>) => {
    const id = await target(contextOf(req), req.params.id, true);
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
    const id = await target(contextOf(req), req.params.id, true);
    await change(id, async (trx) => {
      await replaceTags(trx, id, []);
      return true;
    });
    return reply.code(204).send();
  });

  app.get(`${base}/:tag`, async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const id = await target(contextOf(req), req.params.id, false);
    const tag = req.params.tag!;
    if (!((await tagsOf(db, db.kysely, [id])).get(id) ?? []).includes(tag)) throw TagNotFound({ resource: def.member, id, tag });
    return reply.code(204).send();
  });

  app.put(`${base}/:tag`, async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const id = await target(contextOf(req), req.params.id, true);
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
    const id = await target(contextOf(req), req.params.id, true);
    const tag = req.params.tag!;
    await change(id, async (trx) => {
      if (!(await removeTag(trx, id, tag))) throw TagNotFound({ resource: def.member, id, tag });
      return true;
    });
    return reply.code(204).send();
  });
}
