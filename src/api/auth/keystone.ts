// Keystone token validation: the part of keystonemiddleware's auth_token that
// Neutrino needs. The service logs in to Keystone v3 with its own password,
// then asks Keystone about each user token it is shown, caching the answers.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';

/** Mirrors keystonemiddleware's [keystone_authtoken] options of the same meaning. */
export interface KeystoneAuthOptions {
  /** www_authenticate_uri: where clients are told to get tokens (401 responses). */
  wwwAuthenticateUri: string;
  /** auth_url: the Keystone this service talks to, with or without the /v3 suffix. */
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  /** Most tokens remembered at once (least recently used go first). */
  cacheSize?: number;
  /** A cached token is dropped this long before Keystone says it expires. */
  cacheExpirySlackSec?: number;
  /**
   * Longest a validation is trusted without asking Keystone again, like
   * keystonemiddleware's token_cache_time: a token revoked in Keystone stays
   * accepted here until its cache entry lapses, at most this long.
   */
  cacheTimeSec?: number;
  /** Per request to Keystone, body included. */
  httpTimeoutMs?: number;
  logger?: Logger;
  /** Clock in ms since the epoch; tests move it. */
  now?: () => number;
}

export interface TokenInfo {
  userId: string;
  userName: string;
  /** null for system-, domain-scoped and unscoped tokens. */
  projectId: string | null;
  projectName: string | null;
  /** The domain of the token's project (or of its domain scope). */
  domainId: string | null;
  /** Role names, lower-cased (Keystone's are case-insensitive). */
  roles: string[];
  /** 'all' for a system-scoped token, else null. */
  systemScope: string | null;
  expiresAt: Date;
  isAdmin: boolean;
}

/** The user's token is missing, malformed, expired, revoked or unknown: answer 401. */
export class Unauthorized extends Error {
  override name = 'Unauthorized';
}

/** Keystone could not say whether a token is valid: answer 503, never let the request through. */
export class IdentityUnavailable extends Error {
  override name = 'IdentityUnavailable';
}

/** The WWW-Authenticate value of a 401, pointing clients at Keystone. */
export function wwwAuthenticateHeader(uri: string): string {
  // A quote or backslash would end the quoted-string early; URIs never need them.
  return `Keystone uri="${uri.replace(/["\\]/g, '')}"`;
}

interface CacheEntry {
  info: TokenInfo;
  until: number;
}

interface ServiceToken {
  token: string;
  renewAt: number;
}

// Keystone's tokens are printable ASCII; anything else could not be sent in a
// header anyway, and must be a 401 rather than a failed request (503).
const TOKEN_SHAPE = /^[\x21-\x7e]{1,16384}$/;

export class KeystoneAuth {
  readonly wwwAuthenticate: string;
  private readonly base: string;
  private readonly cacheSize: number;
  private readonly slackMs: number;
  private readonly cacheTimeMs: number;
  private readonly timeoutMs: number;
  private readonly log: Logger | undefined;
  private readonly now: () => number;
  // Map keeps insertion order: the first key is the least recently used.
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<TokenInfo>>();
  private service: ServiceToken | null = null;
  private serviceInflight: Promise<string> | null = null;

  constructor(private readonly opts: KeystoneAuthOptions) {
    this.wwwAuthenticate = wwwAuthenticateHeader(opts.wwwAuthenticateUri);
    const url = opts.authUrl.replace(/\/+$/, '');
    this.base = /\/v3$/.test(url) ? url : `${url}/v3`;
    this.cacheSize = Math.max(0, opts.cacheSize ?? 10000);
    this.slackMs = (opts.cacheExpirySlackSec ?? 30) * 1000;
    this.cacheTimeMs = (opts.cacheTimeSec ?? 300) * 1000;
    this.timeoutMs = opts.httpTimeoutMs ?? 5000;
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
  }

  /** How many validated tokens are remembered now. */
  get cachedTokens(): number {
    return this.cache.size;
  }

  /** Who the token belongs to, or Unauthorized / IdentityUnavailable. */
  async validate(userToken: string | undefined | null): Promise<TokenInfo> {
    if (!userToken || !TOKEN_SHAPE.test(userToken)) throw new Unauthorized('missing or malformed token');
    // Keyed by digest so the cache holds no usable credentials.
    const key = createHash('sha256').update(userToken).digest('base64url');
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      if (hit.until > this.now()) {
        this.cache.set(key, hit);
        return hit.info;
      }
    }
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = this.fetchToken(userToken, key).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async fetchToken(userToken: string, key: string): Promise<TokenInfo> {
    let res = await this.askKeystone(userToken, await this.serviceToken());
    if (res.status === 401) {
      // Our own token may have expired early or been revoked: log in again, once.
      // (askKeystone has already dropped it.)
      this.log?.info({ keystone: this.base }, 'keystone refused the service token; renewing it');
      res = await this.askKeystone(userToken, await this.serviceToken());
    }
    if (res.status === 404 || res.status === 401 || res.status === 400) {
      this.log?.debug({ status: res.status, token: key.slice(0, 8) }, 'keystone rejected a token');
      throw new Unauthorized('token is invalid, expired or revoked');
    }
    if (res.status === 403) {
      throw this.unavailable(`service user ${this.opts.username} may not validate tokens (403 from Keystone)`);
    }
    if (res.status !== 200) throw this.unavailable(`Keystone answered ${res.status} to a token validation`);
    const info = parseToken(res.body);
    if (!info) throw this.unavailable('Keystone answered a token validation with an unreadable body');
    const now = this.now();
    if (info.expiresAt.getTime() <= now) throw new Unauthorized('token has expired');
    const until = Math.min(info.expiresAt.getTime() - this.slackMs, now + this.cacheTimeMs);
    // A token about to expire is still good for this request, just not worth keeping.
    if (until > now && this.cacheSize > 0) {
      this.cache.set(key, { info, until });
      while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    }
    return info;
  }

  private async askKeystone(userToken: string, serviceToken: string): Promise<{ status: number; body: unknown }> {
    const res = await this.http('GET', '/auth/tokens?nocatalog', {
      'X-Auth-Token': serviceToken,
      'X-Subject-Token': userToken,
    });
    // The token we used was refused: forget it unless a newer one already replaced it.
    if (res.status === 401 && this.service?.token === serviceToken) this.service = null;
    return res;
  }

  /** This service's own project-scoped token, renewed well before it expires. */
  private async serviceToken(): Promise<string> {
    if (this.service && this.service.renewAt > this.now()) return this.service.token;
    if (!this.serviceInflight) {
      this.serviceInflight = this.login().finally(() => (this.serviceInflight = null));
    }
    return this.serviceInflight;
  }

  private async login(): Promise<string> {
    const o = this.opts;
    const res = await this.http(
      'POST',
      '/auth/tokens?nocatalog',
      { 'Content-Type': 'application/json' },
      JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: o.username, domain: { name: o.userDomainName }, password: o.password } },
          },
          scope: { project: { name: o.projectName, domain: { name: o.projectDomainName } } },
        },
      }),
    );
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      throw this.unavailable(`Keystone refused the service credentials of ${o.username} (${res.status})`);
    }
    const token = res.headers.get('x-subject-token');
    const expires = Date.parse(String((res.body as { token?: { expires_at?: unknown } } | null)?.token?.expires_at));
    if (res.status !== 201 || !token || Number.isNaN(expires)) {
      throw this.unavailable(`service login to Keystone failed (${res.status})`);
    }
    const now = this.now();
    // Renew with a margin: five minutes, or half the lifetime of a short-lived token.
    const renewAt = expires - Math.min(300_000, Math.max(0, (expires - now) / 2));
    this.service = { token, renewAt };
    this.log?.info({ keystone: this.base, user: o.username, project: o.projectName }, 'service token obtained');
    return token;
  }

  private async http(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Headers; body: unknown }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(this.base + path, {
          method,
          headers: { Accept: 'application/json', ...headers },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        // Read the body under the same timeout; a non-JSON body (a proxy's error page) is just unknown.
        const text = await res.text();
        let parsed: unknown = null;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          parsed = null;
        }
        return { status: res.status, headers: res.headers, body: parsed };
      } catch (e) {
        const err = e as Error;
        const why = err.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : describe(err);
        // A pooled keep-alive connection the server had already closed fails
        // at once; both our requests are safe to repeat, on a fresh connection.
        if (attempt === 1 && STALE_CONNECTION.has(why)) {
          this.log?.debug({ keystone: this.base, why }, 'retrying a Keystone request on a fresh connection');
          continue;
        }
        throw this.unavailable(`Keystone at ${this.base} is unreachable: ${why}`);
      }
    }
  }

  private unavailable(message: string): IdentityUnavailable {
    this.log?.warn({ keystone: this.base }, message);
    return new IdentityUnavailable(message);
  }
}

const STALE_CONNECTION = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

function describe(err: Error): string {
  // fetch hides the socket error (ECONNREFUSED and the like) in `cause`.
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** Keystone's GET /v3/auth/tokens body to TokenInfo; null when it is not one. */
export function parseToken(body: unknown): TokenInfo | null {
  const token = obj(obj(body)?.token);
  const user = obj(token?.user);
  const userId = str(user?.id);
  const expiresAt = new Date(String(token?.expires_at));
  if (!token || !userId || Number.isNaN(expiresAt.getTime())) return null;
  const project = obj(token.project);
  const roles = (Array.isArray(token.roles) ? token.roles : []).map((r) => str(obj(r)?.name)?.toLowerCase()).filter((r): r is string => !!r);
  const system = obj(token.system);
  const systemScope = system ? (system.all === true ? 'all' : (Object.keys(system)[0] ?? null)) : null;
  return {
    userId,
    userName: str(user?.name) ?? userId,
    projectId: str(project?.id),
    projectName: str(project?.name),
    domainId: str(obj(project?.domain)?.id) ?? str(obj(token.domain)?.id),
    roles,
    systemScope,
    expiresAt,
    // Neutron's default policy: admin is whoever holds the admin role.
    isAdmin: roles.includes('admin'),
  };
}
