// The instance records and key pairs the metadata service serves from (the `metadata` service
// plugin; Neutrino-specific, not part of the Networking API, hence not under /v2.0):
//   POST/GET /neutrino/v1/instances, GET/DELETE /neutrino/v1/instances/{id},
//   GET /neutrino/v1/instances/{id}/config-drive (path → base64, the metadata service's files)
//   POST/GET /neutrino/v1/keypairs,  GET/DELETE /neutrino/v1/keypairs/{name}
// A project sees its own; an admin sees every project's instances.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { InstanceRecords } from '../../plugins/metadata/instance-records.js';
import type { MetadataSource } from '../../plugins/metadata/metadata-source.js';
import { HTTPBadRequest } from '../errors.js';
import { contextOf } from '../http-context.js';

function bodyOf(req: FastifyRequest, key: string): Record<string, unknown> {
  const b = req.body as Record<string, unknown> | null;
  const v = b?.[key];
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw HTTPBadRequest({ msg: `Unable to find '${key}' in request body` });
  return v as Record<string, unknown>;
}

export function registerInstanceRoutes(app: FastifyInstance, records: InstanceRecords, source: MetadataSource): void {
  app.post('/neutrino/v1/instances', async (req, reply) => {
    reply.code(201);
    return { instance: await records.create(contextOf(req), bodyOf(req, 'instance')) };
  });
  app.get('/neutrino/v1/instances', async (req) => ({ instances: await records.list(contextOf(req)) }));
  app.get('/neutrino/v1/instances/:id', async (req: FastifyRequest<{ Params: { id: string } }>) => ({ instance: await records.show(contextOf(req), req.params.id) }));
  // the config drive: the same files the metadata service serves, for the compute shim to lay out
  app.get('/neutrino/v1/instances/:id/config-drive', async (req: FastifyRequest<{ Params: { id: string } }>) => ({ files: await records.configDrive(contextOf(req), req.params.id, source) }));
  app.delete('/neutrino/v1/instances/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    await records.delete(contextOf(req), req.params.id);
    reply.code(204);
  });

  app.post('/neutrino/v1/keypairs', async (req, reply) => {
    reply.code(201);
    return { keypair: await records.createKeypair(contextOf(req), bodyOf(req, 'keypair')) };
  });
  app.get('/neutrino/v1/keypairs', async (req) => ({ keypairs: await records.listKeypairs(contextOf(req)) }));
  app.get('/neutrino/v1/keypairs/:name', async (req: FastifyRequest<{ Params: { name: string } }>) => ({ keypair: await records.showKeypair(contextOf(req), req.params.name) }));
  app.delete('/neutrino/v1/keypairs/:name', async (req: FastifyRequest<{ Params: { name: string } }>, reply) => {
    await records.deleteKeypair(contextOf(req), req.params.name);
    reply.code(204);
  });
}
