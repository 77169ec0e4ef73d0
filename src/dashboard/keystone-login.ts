// The page's login with auth_strategy = keystone: user, password and project are exchanged
// for a project-scoped token at the Keystone the server already trusts ([keystone_authtoken]
// www_authenticate_uri, else auth_url), so the browser needs no CORS access to Keystone.
// The password goes no further than Keystone; the page keeps only the token.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { NeutronError } from '../api/errors.js';

export interface LoginAnswer {
  token: string;
  expires_at: string;
  project_id: string;
  project_name: string;
  user_name: string;
  roles: string[];
}

const field = (body: Record<string, unknown>, name: string, fallback?: string): string => {
  const v = body[name] ?? fallback;
  if (typeof v !== 'string' || v.trim() === '') throw new NeutronError('HTTPBadRequest', 400, `Invalid input for ${name}. Reason: a non-empty string is required.`);
  return v;
};

export async function keystoneLogin(config: Config, log: Logger, body: unknown): Promise<LoginAnswer> {
  if (typeof body !== 'object' || body === null) throw new NeutronError('HTTPBadRequest', 400, 'The login body must be a JSON object with username, password and project_name.');
  const b = body as Record<string, unknown>;
  const username = field(b, 'username');
  const password = field(b, 'password');
  const projectName = field(b, 'project_name');
  const domain = field(b, 'domain_name', 'Default');
  const url = (config.str('keystone_authtoken', 'www_authenticate_uri').trim() || config.str('keystone_authtoken', 'auth_url').trim()).replace(/\/+$/, '');
  const base = /\/v3$/.test(url) ? url : `${url}/v3`;
  let res: Response;
  try {
    res = await fetch(`${base}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: username, domain: { name: domain }, password } } },
          scope: { project: { name: projectName, domain: { name: domain } } },
        },
      }),
      signal: AbortSignal.timeout(config.int('keystone_authtoken', 'http_connect_timeout') * 1000),
    });
  } catch (err) {
    log.error({ event: 'dashboard.login_unavailable', keystone: base, err: (err as Error).message }, 'dashboard login: Keystone unreachable');
    throw new NeutronError('ServiceUnavailable', 503, 'The identity service (Keystone) is unavailable; retry shortly.');
  }
  if (res.status === 401 || res.status === 404 || res.status === 400) {
    log.info({ event: 'dashboard.login_refused', user: username, project: projectName, status: res.status }, 'dashboard login refused');
    throw new NeutronError('HTTPUnauthorized', 401, 'The user name, password or project is not right (Keystone refused the login).');
  }
  if (res.status !== 201) throw new NeutronError('ServiceUnavailable', 503, `Keystone answered the login with HTTP ${res.status}; retry shortly.`);
  const token = res.headers.get('x-subject-token') ?? '';
  const t = ((await res.json()) as { token: { expires_at: string; project?: { id: string; name: string }; user: { name: string }; roles?: { name: string }[] } }).token;
  log.info({ event: 'dashboard.login', user: username, project_id: t.project?.id }, 'dashboard login');
  return { token, expires_at: t.expires_at, project_id: t.project?.id ?? '', project_name: t.project?.name ?? '', user_name: t.user.name, roles: (t.roles ?? []).map((r) => r.name) };
}
