// /dashboard/: the page (the bundle `npm run build` makes in dist/dashboard), its settings,
// Keystone login and the event stream. The page and its assets need no token (they hold no
// data, like GET /); the stream needs what every /v2.0 request needs.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { NeutronError } from '../api/errors.js';
import type { ChangeFeed } from './change-feed.js';
import { keystoneLogin } from './keystone-login.js';
import { identityHeaders, StreamEnded, TopologyStream } from './topology-stream.js';

/** dist/dashboard, beside dist/src where this module runs from */
export const BUNDLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboard');
const KEEPALIVE_MS = 15_000;

export function registerDashboard(root: FastifyInstance, opts: { config: Config; log: Logger; feed: ChangeFeed }): void {
  // a scope of its own: @fastify/static's reply decorators stay on the dashboard's routes
  void root.register(async (app) => dashboardRoutes(app, opts));
}

async function dashboardRoutes(app: FastifyInstance, opts: { config: Config; log: Logger; feed: ChangeFeed }): Promise<void> {
  const { config, log, feed } = opts;
  const strategy = config.str('DEFAULT', 'auth_strategy');
  const open = new Set<() => void>();
  const publicRoute = { config: { authPublic: true } };

  const built = existsSync(join(BUNDLE_DIR, 'index.html'));
  if (built) await app.register(fastifyStatic, { root: BUNDLE_DIR, serve: false, cacheControl: false, preCompressed: true });
  const page = (file: string) => async (_req: unknown, reply: { sendFile: (f: string) => unknown; header: (k: string, v: string) => unknown }) => {
    if (!built) throw new NeutronError('ServiceUnavailable', 503, `The dashboard is not built (no ${BUNDLE_DIR}/index.html): run npm run build.`);
    reply.header('cache-control', 'no-cache');
    // the page runs only its own bundle and talks only to this server (Cytoscape.js sets inline styles)
    reply.header('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    reply.header('x-content-type-options', 'nosniff');
    return reply.sendFile(file);
  };
  // the router ignores a trailing slash: /dashboard is the page too (its asset URLs are absolute)
  app.get('/dashboard/', publicRoute, page('index.html'));
  app.get<{ Params: { file: string } }>('/dashboard/assets/:file', publicRoute, (req, reply) => {
    if (!/^[\w.-]+\.(js|css|map|svg)$/.test(req.params.file)) throw new NeutronError('HTTPNotFound', 404, `The resource could not be found: ${req.url}`);
    return page(`assets/${req.params.file}`)(req, reply);
  });

  app.get('/dashboard/settings', publicRoute, async () => ({ auth_strategy: strategy }));

  app.post<{ Body: Record<string, unknown> }>('/dashboard/login', publicRoute, async (req) => {
    if (strategy !== 'keystone') throw new NeutronError('HTTPBadRequest', 400, `auth_strategy is ${strategy}: there is no Keystone to log in to.`);
    return keystoneLogin(config, log, req.body);
  });

  app.get('/dashboard/events', async (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', 'x-openstack-request-id': req.id });
    let ended = false;
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      stream.close();
      unlisten();
      clearInterval(keepalive);
      open.delete(endNow);
      res.end();
      log.info({ event: 'dashboard.stream_closed', request_id: req.id, project_id: req.neutrinoContext?.projectId, reason }, 'dashboard event stream closed');
    };
    const endNow = () => end('server stopping');
    const send = (event: string, data: unknown) => {
      if (!ended) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const stream = new TopologyStream(app, identityHeaders(req.headers), send, end);
    // listen before reading the snapshot: a change made meanwhile is read again after it
    const unlisten = feed.listen((hints) => stream.enqueue(hints));
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    open.add(endNow);
    req.raw.on('close', () => end('client went away'));
    log.info({ event: 'dashboard.stream_opened', request_id: req.id, project_id: req.neutrinoContext?.projectId }, 'dashboard event stream opened');
    try {
      await stream.sendSnapshot();
    } catch (err) {
      if (!(err instanceof StreamEnded)) {
        log.error({ event: 'dashboard.stream_failed', request_id: req.id, err: (err as Error).message }, 'dashboard event stream failed');
        end('failed');
      }
    }
  });

  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
}
