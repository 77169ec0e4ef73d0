// The real Keystone that scripts/keystone/setup.sh runs on 127.0.0.1:5000,
// and the users it provisions. Passwords follow the script's environment
// variables, with the same defaults.
import type { KeystoneAuthOptions } from '../../src/api/auth/keystone.js';

export const KEYSTONE_URL = process.env.NEUTRINO_TEST_KEYSTONE_URL ?? 'http://127.0.0.1:5000/v3';

export interface KeystoneUser {
  name: string;
  password: string;
  project: string;
}

/** Member of neutrino-a. */
export const ALICE: KeystoneUser = { name: 'alice', password: process.env.ALICE_PASSWORD ?? 'alice-secret', project: 'neutrino-a' };
/** Reader of neutrino-a. */
export const ALAN: KeystoneUser = { name: 'alan', password: process.env.ALAN_PASSWORD ?? 'alan-secret', project: 'neutrino-a' };
/** Member of neutrino-b. */
export const BOB: KeystoneUser = { name: 'bob', password: process.env.BOB_PASSWORD ?? 'bob-secret', project: 'neutrino-b' };
/** Bootstrap admin, admin of project "admin". */
export const ADMIN: KeystoneUser = {
  name: 'admin',
  password: process.env.KEYSTONE_ADMIN_PASSWORD ?? 'admin-secret',
  project: 'admin',
};
/** Neutrino's service user: admin (and service, if the role exists) on project "service". */
export const NEUTRINO_SERVICE: KeystoneUser = {
  name: 'neutrino',
  password: process.env.NEUTRINO_SERVICE_PASSWORD ?? 'neutrino-secret',
  project: 'service',
};

/** KeystoneAuth options for the service user against the test Keystone. */
export function serviceAuthOptions(extra: Partial<KeystoneAuthOptions> = {}): KeystoneAuthOptions {
  return {
    wwwAuthenticateUri: KEYSTONE_URL,
    authUrl: KEYSTONE_URL,
    username: NEUTRINO_SERVICE.name,
    password: NEUTRINO_SERVICE.password,
    projectName: NEUTRINO_SERVICE.project,
    userDomainName: 'Default',
    projectDomainName: 'Default',
    ...extra,
  };
}

/** Why the test Keystone can't be used, or null when it answers. */
export async function keystoneProblem(url = KEYSTONE_URL): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (res.ok) return null;
    return `Keystone at ${url} answered ${res.status}: run scripts/keystone/setup.sh (as root) to set it up`;
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    return `Keystone at ${url} is not reachable (${cause}): run scripts/keystone/setup.sh (as root) to install and start it`;
  }
}

/** A project-scoped token for a Default-domain user (password method). */
export async function tokenFor(user: string, password: string, project: string): Promise<string> {
  const res = await fetch(`${KEYSTONE_URL}/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token) {
    throw new Error(`Keystone refused a token for ${user} on ${project}: ${res.status} ${await res.text()}`);
  }
  return token;
}

/** tokenFor one of the users above. */
export function tokenOf(u: KeystoneUser): Promise<string> {
  return tokenFor(u.name, u.password, u.project);
}

/** Revokes a token in Keystone (as admin), as a user logging out or an operator would. */
export async function revokeToken(token: string): Promise<void> {
  const admin = await tokenOf(ADMIN);
  const res = await fetch(`${KEYSTONE_URL}/auth/tokens`, {
    method: 'DELETE',
    headers: { 'X-Auth-Token': admin, 'X-Subject-Token': token },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 204) throw new Error(`Keystone did not revoke the token: ${res.status} ${await res.text()}`);
}

/**
 * startTestServer config for auth_strategy = keystone against the test Keystone, as the
 * service user; `authtoken` overrides [keystone_authtoken] options (e.g. auth_url).
 */
export function keystoneServerConfig(authtoken: Record<string, string> = {}): Record<string, Record<string, string>> {
  return {
    DEFAULT: { auth_strategy: 'keystone' },
    keystone_authtoken: {
      www_authenticate_uri: KEYSTONE_URL,
      auth_url: KEYSTONE_URL,
      username: NEUTRINO_SERVICE.name,
      password: NEUTRINO_SERVICE.password,
      project_name: NEUTRINO_SERVICE.project,
      user_domain_name: 'Default',
      project_domain_name: 'Default',
      ...authtoken,
    },
  };
}

/** The id of a Default-domain project, looked up as admin. */
export async function projectId(name: string): Promise<string> {
  const admin = await tokenOf(ADMIN);
  const res = await fetch(`${KEYSTONE_URL}/projects?name=${encodeURIComponent(name)}&domain_id=default`, {
    headers: { 'X-Auth-Token': admin },
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { projects?: { id: string }[] };
  const id = body.projects?.[0]?.id;
  if (!id) throw new Error(`Keystone has no project ${name}: run scripts/keystone/setup.sh`);
  return id;
}

export interface CatalogEndpoint {
  id: string;
  interface: string;
  url: string;
}

/**
 * Points every RegionOne endpoint of the `network` service at `url` (as admin) and returns
 * a function that puts the old URLs back. scripts/keystone/setup.sh also moves them back
 * to NEUTRINO_ENDPOINT, should a test die before restoring.
 */
export async function moveNetworkEndpoints(url: string, region = 'RegionOne'): Promise<() => Promise<void>> {
  const admin = await tokenOf(ADMIN);
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${KEYSTONE_URL}${path}`, {
      method,
      headers: { 'X-Auth-Token': admin, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`Keystone: ${method} ${path} answered ${res.status} ${await res.text()}`);
    return res.json();
  };
  const services = (await call('GET', '/services?type=network')) as { services: { id: string }[] };
  const service = services.services[0]?.id;
  if (!service) throw new Error('Keystone has no network service: run scripts/keystone/setup.sh');
  const listed = (await call('GET', `/endpoints?service_id=${service}&region_id=${encodeURIComponent(region)}`)) as { endpoints: CatalogEndpoint[] };
  if (!listed.endpoints.length) throw new Error(`Keystone has no network endpoint in ${region}: run scripts/keystone/setup.sh`);
  const old = listed.endpoints.map((e) => ({ id: e.id, url: e.url }));
  for (const e of old) await call('PATCH', `/endpoints/${e.id}`, { endpoint: { url } });
  return async () => {
    for (const e of old) await call('PATCH', `/endpoints/${e.id}`, { endpoint: { url: e.url } });
  };
}
