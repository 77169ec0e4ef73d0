// Version and extension discovery: GET /, GET /v2.0, GET /v2.0/extensions[/{alias}].
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ExtensionNotFound } from '../errors.js';
import { EXTENSIONS } from '../extensions.js';
import type { ResourceDef } from '../resource.js';
import { baseUrl } from './resources.js';

export function registerDiscovery(app: FastifyInstance, defs: ResourceDef[]): void {
  const versions = (req: FastifyRequest) => ({
    versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${baseUrl(req)}/v2.0/`, rel: 'self' }] }],
  });
  app.get('/', async (req) => versions(req));
  app.get('/v2.0', async (req) => ({
    resources: defs.map((d) => ({ name: d.member, collection: d.collection, links: [{ href: `${baseUrl(req)}/v2.0/${d.path}`, rel: 'self' }] })),
  }));
  const render = (e: (typeof EXTENSIONS)[number]) => ({ alias: e.alias, name: e.name, description: e.description, updated: e.updated, links: [] });
  app.get('/v2.0/extensions', async () => ({ extensions: EXTENSIONS.map(render) }));
  app.get('/v2.0/extensions/:alias', async (req: FastifyRequest<{ Params: { alias: string } }>) => {
    const e = EXTENSIONS.find((x) => x.alias === req.params.alias);
    if (!e) throw ExtensionNotFound({ alias: req.params.alias });
    return { extension: render(e) };
  });
}
