// Version and extension discovery: GET /, GET /v2.0, GET /v2.0/extensions[/{alias}].
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ExtensionNotFound } from '../errors.js';
import type { Extension, ResourceDef } from '../resource.js';
import { baseUrl } from './resources.js';

/** `extensions`: what the loaded plugins make true, and nothing else. */
export function registerDiscovery(app: FastifyInstance, defs: ResourceDef[], extensions: Extension[]): void {
  const versions = (req: FastifyRequest) => ({
    versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${baseUrl(req)}/v2.0/`, rel: 'self' }] }],
  });
  app.get('/', async (req) => versions(req));
  app.get('/v2.0', async (req) => ({
    resources: defs.map((d) => ({ name: d.member, collection: d.collection, links: [{ href: `${baseUrl(req)}/v2.0/${d.path}`, rel: 'self' }] })),
  }));
  const render = (e: Extension) => ({ alias: e.alias, name: e.name, description: e.description, updated: e.updated, links: [] });
  app.get('/v2.0/extensions', async () => ({ extensions: extensions.map(render) }));
  app.get('/v2.0/extensions/:alias', async (req: FastifyRequest<{ Params: { alias: string } }>) => {
    const e = extensions.find((x) => x.alias === req.params.alias);
    if (!e) throw ExtensionNotFound({ alias: req.params.alias });
    return { extension: render(e) };
  });
}
