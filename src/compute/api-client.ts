// A small client of the Networking API v2.0: what the compute shim and the lab need (Nova
// talks to Neutron the same way, over HTTP). noauth by default; X-Auth-Token when given.

export const DEFAULT_OS_URL = 'http://127.0.0.1:9696';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** NeutronError.type, e.g. PortNotFound (empty when the body was not Neutron's) */
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClientOptions {
  url?: string;
  token?: string;
  /** per-request timeout, default 30 s */
  timeoutMs?: number;
}

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class NetworkApi {
  readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(opts: ApiClientOptions = {}) {
    this.url = (opts.url || DEFAULT_OS_URL).replace(/\/+$/, '').replace(/\/v2\.0$/, '');
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (opts.token) this.headers['x-auth-token'] = opts.token;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  get(path: string): Promise<Json> {
    return this.request('GET', path);
  }
  post(path: string, body: Json): Promise<Json> {
    return this.request('POST', path, body);
  }
  put(path: string, body: Json): Promise<Json> {
    return this.request('PUT', path, body);
  }
  async delete(path: string): Promise<void> {
    await this.request('DELETE', path);
  }

  /** DELETE that treats 404 as done (tolerant cleanup). */
  async deleteIfExists(path: string): Promise<boolean> {
    try {
      await this.delete(path);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return false;
      throw e;
    }
  }

  /** Neutrino's own API beside the Networking API (instance records, key pairs: /neutrino/v1). */
  neutrino(method: string, path: string, body?: Json): Promise<Json> {
    return this.request(method, path, body, '/neutrino/v1');
  }

  async request(method: string, path: string, body?: Json, prefix = '/v2.0'): Promise<Json> {
    const target = `${this.url}${prefix}${path}`;
    let res: Response;
    try {
      res = await fetch(target, {
        method,
        headers: this.headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new ApiError(0, 'Unreachable', `cannot reach the Networking API at ${this.url} (${cause}): is \`neutrino server\` (or \`neutrino lab up\`) running? Set --os-url or OS_ENDPOINT`);
    }
    const text = await res.text();
    if (res.ok) return text ? (JSON.parse(text) as Json) : {};
    let type = '';
    let message = text.trim() || res.statusText;
    try {
      const err = (JSON.parse(text) as Json).NeutronError;
      if (err) {
        type = String(err.type ?? '');
        message = String(err.message ?? message);
      }
    } catch {
      // not JSON: keep the raw text
    }
    throw new ApiError(res.status, type, `${method} ${path}: ${res.status}${type ? ` ${type}` : ''}: ${message}`);
  }
}
