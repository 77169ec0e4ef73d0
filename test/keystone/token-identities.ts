// Runs the noauth API suites with real Keystone tokens: each identity a suite asks for with
// X-Project-Id / X-Roles (asMember, asReader, asAdmin, or none: admin of noauth_project_id)
// becomes a token of a real Keystone user with those roles on a real Keystone project.
//
// Keystone chooses project ids itself, so every project name a suite makes up gets a Keystone
// project of its own the first time it is seen (in a header, a URL or a body), and the names
// are swapped for the Keystone ids on the way in and back on the way out. The suites' own
// assertions (n.project_id === A …) then hold unchanged.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { KEYSTONE_URL, keystoneServerConfig, keystoneProblem, tokenOf, ADMIN } from '../helpers/keystone.js';
import { useIdentityTranslation, type IdentityTranslation } from '../helpers/server.js';

const NOAUTH_DEFAULT_PROJECT = 'a6a5b8f4c2d94c6c9e9b5f0f2b1a0001';
/** Project names the suites make up: proj-a-1a2b3c4d, paging-1a2b3c4d, label-<uuid>. */
const SUITE_PROJECT = /\b(?:proj-[a-z]-[0-9a-f]{8}|paging-[0-9a-f]{8}|[a-z]+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|admin-project|a6a5b8f4c2d94c6c9e9b5f0f2b1a0001)\b/g;
/** Keystone's implications (admin ⇒ member ⇒ reader): granting the strongest is enough. */
const STRENGTH = ['admin', 'member', 'reader'];
const PASSWORD = 'suite-identity-secret';

const header = (h: Record<string, string>, name: string): string | undefined => {
  const k = Object.keys(h).find((x) => x.toLowerCase() === name);
  return k === undefined ? undefined : h[k];
};

export class KeystoneIdentities implements IdentityTranslation {
  private adminToken: Promise<string> | null = null;
  private readonly projects = new Map<string, Promise<string>>(); // suite name → Keystone id
  private readonly names = new Map<string, string>(); // Keystone id → suite name
  private readonly users = new Map<string, Promise<{ id: string; unscoped: string }>>();
  private readonly grants = new Map<string, Promise<void>>();
  private readonly tokens = new Map<string, Promise<string>>();
  private readonly roleIds = new Map<string, Promise<string>>();
  private readonly run = randomBytes(3).toString('hex');
  /** Keystone calls made, and project-scoped tokens issued (for the tests' own checks) */
  calls = 0;
  tokensIssued = 0;

  serverConfig(): Record<string, Record<string, string>> {
    return keystoneServerConfig();
  }

  private async keystone(method: string, path: string, body?: unknown, token?: string, okStatus = [200, 201, 204]): Promise<{ status: number; body: any; headers: Headers }> {
    // eslint-disable-line @typescript-eslint/no-explicit-any
    this.calls++;
    const res = await fetch(`${KEYSTONE_URL}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token === undefined ? { 'x-auth-token': await this.admin() } : token ? { 'x-auth-token': token } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    if (!okStatus.includes(res.status)) throw new Error(`Keystone ${method} ${path} → ${res.status} ${text}`);
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  }

  private admin(): Promise<string> {
    this.adminToken ??= tokenOf(ADMIN);
    return this.adminToken;
  }

  private memo<T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
    let p = map.get(key);
    if (!p) {
      p = make();
      map.set(key, p);
      p.catch(() => map.delete(key));
    }
    return p;
  }

  /** The Keystone project standing for a suite's project name. */
  project(name: string): Promise<string> {
    return this.memo(this.projects, name, async () => {
      const kname = `nt-${this.run}-${name}`.slice(0, 64);
      const r = await this.keystone('POST', '/projects', { project: { name: kname, domain_id: 'default', description: `API suite project ${name}` } });
      const id = r.body.project.id as string;
      this.names.set(id, name);
      return id;
    });
  }

  private roleId(name: string): Promise<string> {
    return this.memo(this.roleIds, name, async () => {
      const found = await this.keystone('GET', `/roles?name=${encodeURIComponent(name)}`);
      if (found.body.roles[0]) return found.body.roles[0].id as string;
      return (await this.keystone('POST', '/roles', { role: { name } })).body.role.id as string;
    });
  }

  /** One Keystone user per role set (suite-member, suite-admin+…), made on first need. */
  private user(roles: string[]): Promise<{ id: string; unscoped: string }> {
    const name = `suite-${roles.join('+')}`;
    return this.memo(this.users, name, async () => {
      const found = await this.keystone('GET', `/users?name=${encodeURIComponent(name)}&domain_id=default`);
      let id = found.body.users[0]?.id as string | undefined;
      if (!id) id = (await this.keystone('POST', '/users', { user: { name, domain_id: 'default', password: PASSWORD, enabled: true } })).body.user.id as string;
      const auth = { identity: { methods: ['password'], password: { user: { id, password: PASSWORD } } } };
      let r = await this.keystone('POST', '/auth/tokens?nocatalog', { auth }, '', [201, 401]);
      if (r.status === 401) {
        // someone changed the password: set it back; Keystone revokes the user's tokens issued
        // up to this second, so wait for the next one before logging in
        await this.keystone('PATCH', `/users/${id}`, { user: { password: PASSWORD, enabled: true } });
        await new Promise((done) => setTimeout(done, 1100));
        r = await this.keystone('POST', '/auth/tokens?nocatalog', { auth }, '');
      }
      return { id, unscoped: r.headers.get('x-subject-token')! };
    });
  }

  /**
   * A project-scoped token of a user holding exactly `roles` (and what Keystone implies) on the
   * Keystone project standing for `projectName`; rescoped, so no password hashing per token.
   */
  token(roles: string[], projectName: string): Promise<string> {
    return this.memo(this.tokens, `${roles.join('+')}@${projectName}`, async () => {
      const [user, project] = await Promise.all([this.user(roles), this.project(projectName)]);
      const strongest = STRENGTH.find((r) => roles.includes(r));
      const granted = [...(strongest ? [strongest] : []), ...roles.filter((r) => !STRENGTH.includes(r))];
      for (const role of granted) {
        await this.memo(this.grants, `${user.id}|${project}|${role}`, async () => {
          await this.keystone('PUT', `/projects/${project}/users/${user.id}/roles/${await this.roleId(role)}`);
        });
      }
      const auth = { identity: { methods: ['token'], token: { id: user.unscoped } }, scope: { project: { id: project } } };
      const r = await this.keystone('POST', '/auth/tokens?nocatalog', { auth }, '');
      this.tokensIssued++;
      return r.headers.get('x-subject-token')!;
    });
  }

  private async toKeystone(text: string): Promise<string> {
    const seen = [...new Set(text.match(SUITE_PROJECT) ?? [])];
    if (!seen.length) return text;
    const ids = new Map(await Promise.all(seen.map(async (n) => [n, await this.project(n)] as const)));
    return text.replace(SUITE_PROJECT, (n) => ids.get(n)!);
  }

  async request(path: string, body: string | undefined, headers: Record<string, string>) {
    if (header(headers, 'x-auth-token') !== undefined) return { path, body, headers };
    const project = header(headers, 'x-project-id') ?? header(headers, 'x-tenant-id') ?? NOAUTH_DEFAULT_PROJECT;
    const rolesHeader = header(headers, 'x-roles');
    const roles =
      rolesHeader === undefined
        ? ['admin', 'member', 'reader']
        : rolesHeader
            .split(',')
            .map((r) => r.trim().toLowerCase())
            .filter(Boolean);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) {
      if (!['x-project-id', 'x-tenant-id', 'x-roles', 'x-user-id'].includes(k.toLowerCase())) out[k] = v;
    }
    out['x-auth-token'] = await this.token([...new Set(roles)].sort(), project);
    return { path: await this.toKeystone(path), body: body === undefined ? undefined : await this.toKeystone(body), headers: out };
  }

  storedProjectId(name: string): string {
    for (const [id, n] of this.names) if (n === name) return id;
    throw new Error(`no Keystone project stands for ${name} yet`);
  }

  response(text: string): string {
    if (!this.names.size) return text;
    return text.replace(/\b[0-9a-f]{32}\b/g, (id) => this.names.get(id) ?? id);
  }

  /** Deletes the Keystone projects made for this run (the users stay, for the next run). */
  async cleanup(): Promise<void> {
    for (const p of this.projects.values()) {
      const id = await p.catch(() => null);
      if (id) await this.keystone('DELETE', `/projects/${id}`, undefined, undefined, [204, 404]);
    }
  }
}

/**
 * Runs a foundation API suite with real Keystone tokens: every identity the suite asks for
 * becomes a real user's token on a real project; afterwards the projects go, and the run must
 * have used tokens (proof that it did not fall back to noauth headers).
 */
export function onKeystoneTokens(registerSuite: () => void): void {
  const identities = new KeystoneIdentities();
  useIdentityTranslation(identities);
  before(async () => {
    const problem = await keystoneProblem();
    if (problem) throw new Error(problem);
  });
  after(async () => {
    await identities.cleanup();
    assert.ok(identities.tokensIssued > 0, `only ${identities.tokensIssued} Keystone tokens were used`);
  });
  registerSuite();
}
