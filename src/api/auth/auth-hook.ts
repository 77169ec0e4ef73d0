// Who is asking, for every request: the onRequest logic of both auth strategies.
// noauth trusts headers (see http-context.ts); keystone asks Keystone about X-Auth-Token.
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { RequestContext } from '../context.js';
import { NeutronError } from '../errors.js';
import { noauthContext } from '../http-context.js';
import type { Policy } from '../policy/policy.js';
import { IdentityUnavailable, KeystoneAuth, Unauthorized, type TokenInfo } from './keystone.js';

/**
 * A 401 that tells the client where to get a token. `headers` is the property Fastify's
 * error handling reads for extra response headers.
 */
export class AuthenticationRequired extends NeutronError {
  readonly headers: Record<string, string>;
  constructor(wwwAuthenticate: string) {
    super('HTTPUnauthorized', 401, 'Authentication required: send a valid Keystone token in X-Auth-Token.');
    this.headers = { 'www-authenticate': wwwAuthenticate };
  }
}

const REQUIRED = ['auth_url', 'username', 'password', 'project_name'] as const;

/** KeystoneAuth from [keystone_authtoken]; throws naming every missing option. */
export function makeKeystoneAuth(config: Config, log: Logger): KeystoneAuth {
  const opt = (k: string) => config.str('keystone_authtoken', k).trim();
  const missing = REQUIRED.filter((k) => opt(k) === '');
  if (missing.length) {
    throw new Error(
      `auth_strategy = keystone needs ${missing.map((k) => `[keystone_authtoken] ${k}`).join(', ')}: ` +
        'set them to the Keystone URL and the service user that validates tokens (see docs/keystone.md)',
    );
  }
  const authUrl = opt('auth_url');
  if (!/^https?:\/\/[^/]/.test(authUrl)) throw new Error(`[keystone_authtoken] auth_url = ${authUrl}: not an http(s) URL`);
  // keystonemiddleware also falls back to the identity URL when no public one is given
  const wwwAuthenticateUri = opt('www_authenticate_uri') || authUrl;
  log.info({ event: 'auth.keystone', auth_url: authUrl, username: opt('username'), project: opt('project_name') }, `validating tokens with Keystone at ${authUrl}`);
  return new KeystoneAuth({
    wwwAuthenticateUri,
    authUrl,
    username: opt('username'),
    password: config.str('keystone_authtoken', 'password'),
    projectName: opt('project_name'),
    userDomainName: opt('user_domain_name'),
    projectDomainName: opt('project_domain_name'),
    cacheTimeSec: config.int('keystone_authtoken', 'token_cache_time'),
    httpTimeoutMs: config.int('keystone_authtoken', 'http_connect_timeout') * 1000,
    logger: log,
  });
}

/**
 * The request context a validated token grants. Admin is what the policy's context_is_admin
 * rule says of the token's roles (Keystone's is_admin role check when no policy is given).
 */
export function tokenContext(requestId: string, info: TokenInfo, policy?: Policy): RequestContext {
  const adminRoles = policy ? policy.isAdminRoles(info.roles, info.projectId ?? '') : info.isAdmin;
  // Only a project-scoped token acts in a project. A system-scoped admin token is admin
  // everywhere; a domain-scoped one is not admin here (Neutron has no domain resources).
  const isAdmin = info.projectId !== null ? adminRoles : adminRoles && info.systemScope === 'all';
  return {
    requestId,
    projectId: info.projectId ?? '',
    userId: info.userId,
    roles: info.roles,
    isAdmin,
    userName: info.userName,
    domainId: info.domainId,
    systemScope: info.systemScope,
  };
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Version discovery (GET /) answers without a token, as Neutron's does; /v2.0 and below need one. */
function isPublic(req: FastifyRequest): boolean {
  // a route that holds no data says so (the dashboard's page, assets and login)
  if ((req.routeOptions.config as { authPublic?: boolean } | undefined)?.authPublic === true) return true;
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = req.url.split('?', 1)[0];
  return path === '/' || path === '';
}

/**
 * The onRequest step: sets req.neutrinoContext or throws a NeutronError (401 / 503).
 * `auth` is required when [DEFAULT] auth_strategy = keystone.
 */
export function makeAuthHook(config: Config, log: Logger, policy: Policy, auth?: KeystoneAuth): (req: FastifyRequest) => Promise<void> {
  const strategy = config.str('DEFAULT', 'auth_strategy');
  if (strategy === 'noauth') {
    const defaultProject = config.str('DEFAULT', 'noauth_project_id');
    return async (req) => {
      const ctx = noauthContext(req, defaultProject);
      ctx.isAdmin = policy.isAdminRoles(ctx.roles, ctx.projectId);
      req.neutrinoContext = ctx;
    };
  }
  if (!auth) throw new Error(`auth_strategy = ${strategy} needs a KeystoneAuth (makeKeystoneAuth) passed to buildApi`);
  return async (req) => {
    if (isPublic(req)) return;
    let info: TokenInfo;
    try {
      info = await auth.validate(header(req, 'x-auth-token'));
    } catch (e) {
      if (e instanceof Unauthorized) {
        req.log.info({ event: 'auth.rejected', request_id: req.id, reason: e.message, method: req.method, url: req.url }, 'request refused: no valid token');
        throw new AuthenticationRequired(auth.wwwAuthenticate);
      }
      if (e instanceof IdentityUnavailable) {
        // KeystoneAuth has logged the details (which Keystone, what failed)
        req.log.error({ event: 'auth.keystone_unavailable', request_id: req.id, reason: e.message }, 'cannot validate the token: Keystone is unavailable');
        throw new NeutronError('ServiceUnavailable', 503, 'The identity service (Keystone) is unavailable, so the token could not be checked; retry shortly.');
      }
      throw e;
    }
    req.neutrinoContext = tokenContext(req.id, info, policy);
  };
}
