// The metadata service (Nova's nova-api-metadata role): answers the metadata agents, never
// the instances directly. Every request must carry X-Instance-ID, X-Tenant-ID and
// X-Instance-ID-Signature = HMAC-SHA256(metadata_proxy_shared_secret, instance id); a bad or
// missing signature is refused (403), an instance that is not the tenant's is unknown (404).
// Plain node:http: one GET, a few headers, no body — Fastify's machinery would be all cost.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { HEADER_INSTANCE_ID, HEADER_SIGNATURE, HEADER_TENANT_ID, signatureMatches } from '../contract/metadata.js';
import type { MetadataSource } from '../plugins/metadata/metadata-source.js';
import { renderPath } from '../plugins/metadata/metadata-tree.js';

export interface MetadataService {
  server: Server;
  url: string;
  close(): Promise<void>;
}

const one = (req: IncomingMessage, h: string): string | undefined => {
  const v = req.headers[h];
  return Array.isArray(v) ? undefined : v;
};

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The request handler, exported for tests that drive it without a socket. */
export function metadataHandler(o: { secret: string; source: MetadataSource; log: Logger }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method Not Allowed\n');
      const id = one(req, HEADER_INSTANCE_ID);
      const tenant = one(req, HEADER_TENANT_ID);
      const sig = one(req, HEADER_SIGNATURE);
      if (!id || !tenant || !sig) return send(res, 400, 'X-Instance-ID, X-Tenant-ID and X-Instance-ID-Signature are required\n');
      if (!signatureMatches(o.secret, id, sig)) {
        o.log.warn({ event: 'metadata.bad_signature', instance_id: id, remote: req.socket.remoteAddress }, 'metadata request with a bad instance signature refused');
        return send(res, 403, 'Invalid proxy request signature.\n');
      }
      const md = await o.source.instance(id);
      if (!md || md.project_id !== tenant) return send(res, 404, 'Not Found\n');
      const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
      const a = renderPath(md, path);
      send(res, a.status, req.method === 'HEAD' ? '' : a.body, a.contentType);
    } catch (e) {
      o.log.error({ event: 'metadata.error', err: (e as Error).message, url: req.url }, 'metadata request failed');
      if (!res.headersSent) send(res, 500, 'An unknown error has occurred.\n');
    }
  };
}

export async function startMetadataService(o: { host: string; port: number; secret: string; source: MetadataSource; log: Logger }): Promise<MetadataService> {
  const handle = metadataHandler(o);
  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  o.log.info({ event: 'metadata.listen', url }, `metadata service listening on ${url}`);
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
