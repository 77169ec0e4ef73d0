// The Fastify app that serves the Networking API v2.0 (its routes: src/server/assemble.ts).
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { databaseUnreachable } from '../db/connection.js';
import { HTTPBadRequest, HTTPNotFound, MalformedRequestBody, NeutronError } from './errors.js';
import { makeAuthHook } from './auth/auth-hook.js';
import type { KeystoneAuth } from './auth/keystone.js';
import type { Policy } from './policy/policy.js';

/** "/v2.0/networks.json?x" → "/v2.0/networks?x": Neutron accepts a .json suffix on any path. */
function stripJsonSuffix(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path.endsWith('.json') ? path.slice(0, -5) + (q < 0 ? '' : url.slice(q)) : url;
}

const HTTP_TYPES: Record<number, string> = {
  404: 'HTTPNotFound',
  405: 'HTTPMethodNotAllowed',
  413: 'HTTPRequestEntityTooLarge',
  414: 'HTTPRequestURITooLong',
  415: 'HTTPUnsupportedMediaType',
};

function hasNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(hasNul);
  if (v !== null && typeof v === 'object') return Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x));
  return false;
}

/**
 * The Fastify app of the Networking API: body parsing as Neutron's, the request context
 * (auth), Neutron's error bodies. The routes come from the loaded plugins (src/server/).
 */
export function createHttpApp(opts: { config: Config; log: Logger; policy: Policy; auth?: KeystoneAuth }): FastifyInstance {
  const { config, log, policy } = opts;
  const app = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    // resource events are logged by the plugins, one line each; per-request lines would double them
    logController: new LogController({ disableRequestLogging: true }),
    // a tag may be 255 characters and travels in the path
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2048 },
    rewriteUrl: (req) => stripJsonSuffix(req.url ?? '/'),
    bodyLimit: 16 * 1024 * 1024,
    genReqId: () => `req-${randomUUID()}`,
  });

  // Neutron accepts JSON bodies whatever the Content-Type says (and none at all).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return done(MalformedRequestBody({ reason: `the body is not valid JSON (${(e as Error).message})` }), undefined);
    }
    // no database stores a NUL inside text (PostgreSQL refuses it): refuse it here, as input
    if (text.includes('\\u0000') && hasNul(parsed)) return done(HTTPBadRequest({ msg: 'Strings in the request body may not contain NUL (\\u0000) characters' }), undefined);
    done(null, parsed);
  });

  const authenticate = makeAuthHook(config, log, policy, opts.auth);
  app.addHook('onRequest', async (req) => {
    if (/%00/.test(req.url)) throw HTTPBadRequest({ msg: 'The URL may not contain NUL (%00) characters' });
    await authenticate(req);
  });
  // as Neutron: every answer names its request, the id the log lines carry
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-openstack-request-id', req.id);
  });

  app.setErrorHandler((err: FastifyError | NeutronError, req, reply) => {
    if (err instanceof NeutronError) {
      // e.g. WWW-Authenticate on a 401 from the Keystone hook
      const extra = (err as { headers?: Record<string, string> }).headers;
      if (extra) reply.headers(extra);
      if (err.status >= 500) req.log.error({ err, url: req.url }, 'request failed');
      else req.log.debug({ event: 'request.refused', request_id: req.id, status: err.status, type: err.type, url: req.url }, err.message);
      return reply.code(err.status).send(err.toBody());
    }
    const fe = err as FastifyError;
    if (fe.statusCode && fe.statusCode < 500) {
      // errors Fastify raises itself (body too large, URL too long …), in Neutron's envelope
      const type = HTTP_TYPES[fe.statusCode] ?? 'HTTPBadRequest';
      return reply.code(fe.statusCode).send(new NeutronError(type, fe.statusCode, fe.message).toBody());
    }
    if (databaseUnreachable(err)) {
      req.log.error({ event: 'db.unavailable', err: (err as Error).message, url: req.url }, 'database unavailable');
      return reply
        .code(503)
        .send(new NeutronError('ServiceUnavailable', 503, 'The database is unavailable; retry shortly. Operators: check [database] connection and that the database server is running.').toBody());
    }
    req.log.error({ err, url: req.url, method: req.method }, 'unexpected error');
    return reply.code(500).send(new NeutronError('HTTPInternalServerError', 500, 'Request failed: internal server error while processing your request.').toBody());
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(HTTPNotFound({ msg: `The resource could not be found: ${req.method} ${req.url}` }).toBody());
  });

  return app;
}
