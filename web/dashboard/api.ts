// The API as the page's user: the Keystone token when logged in (noauth: no header, the
// server's loopback-only default identity). Errors carry the API's own message.
export type Obj = Record<string, unknown> & { id: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'neutrino.token';

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(t: string | null) {
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  headers(): Record<string, string> {
    const t = this.token;
    return t ? { 'x-auth-token': t } : {};
  },
};

/** Listeners for a 401: the page shows its login again. */
export const unauthorized = new Set<() => void>();

export async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { ...session.headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const ne = (parsed as { NeutronError?: { message?: string; type?: string } } | null)?.NeutronError;
    const message = ne?.message ?? `${method} ${path} failed: HTTP ${res.status}`;
    if (res.status === 401) for (const l of unauthorized) l();
    throw new ApiError(res.status, message);
  }
  return parsed as T;
}
