// KeystoneAuth against a tiny fake Keystone: what is cached, for how long,
// what is asked once, and which failures become 401s and which 503s.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { IdentityUnavailable, KeystoneAuth, Unauthorized, wwwAuthenticateHeader, type KeystoneAuthOptions } from '../../src/api/auth/keystone.js';

interface FakeToken {
  expiresAt: number;
  project?: string;
  roles?: string[];
  system?: boolean;
}

// What the fake knows and counts; reset before each test.
const fake = {
  servicePassword: 'svc-pw',
  serviceLifetimeMs: 3_600_000,
  serviceTokens: new Set<string>(),
  acceptServiceTokens: true, // false: logins work, but their tokens are refused afterwards
  issued: 0,
  logins: 0,
  validations: 0,
  // subject token -> what Keystone would say about it
  tokens: new Map<string, FakeToken>(),
  delayMs: 0,
  drops: 0, // hang up on this many validations without answering
  status: 0, // non-zero: answer every validation with this status
  validateWithBody: undefined as undefined | object,
};

function reset(): void {
  Object.assign(fake, {
    servicePassword: 'svc-pw',
    serviceLifetimeMs: 3_600_000,
    issued: 0,
    logins: 0,
    validations: 0,
    delayMs: 0,
    drops: 0,
    status: 0,
    validateWithBody: undefined,
    acceptServiceTokens: true,
  });
  fake.serviceTokens.clear();
  fake.tokens.clear();
}

function send(res: ServerResponse, status: number, body?: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body ? JSON.stringify(body) : undefined);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/v3/auth/tokens') return send(res, 404, { error: { code: 404 } });
  if (req.method === 'POST') {
    fake.logins++;
    const auth = JSON.parse(raw).auth;
    const user = auth.identity.password.user;
    if (user.name !== 'neutrino' || user.password !== fake.servicePassword || user.domain.name !== 'Default') {
      return send(res, 401, { error: { code: 401, title: 'Unauthorized' } });
    }
    assert.equal(auth.scope.project.name, 'service');
    const token = `svc-${++fake.issued}`;
    fake.serviceTokens.add(token);
    const expires_at = new Date(Date.now() + fake.serviceLifetimeMs).toISOString();
    return send(res, 201, { token: { expires_at } }, { 'X-Subject-Token': token });
  }
  fake.validations++;
  if (fake.delayMs) await new Promise((r) => setTimeout(r, fake.delayMs));
  if (fake.drops > 0) {
    fake.drops--;
    req.socket.destroy();
    return;
  }
  const svc = String(req.headers['x-auth-token']);
  if (!fake.acceptServiceTokens || !fake.serviceTokens.has(svc)) return send(res, 401, { error: { code: 401 } });
  if (fake.status) return send(res, fake.status, { error: { code: fake.status } });
  if (fake.validateWithBody) return send(res, 200, fake.validateWithBody);
  const t = fake.tokens.get(String(req.headers['x-subject-token']));
  if (!t) return send(res, 404, { error: { code: 404, title: 'Not Found' } });
  const roles = (t.roles ?? ['member', 'reader']).map((name, i) => ({ id: `r${i}`, name }));
  const scope = t.system ? { system: { all: true } } : { project: { id: `${t.project ?? 'p'}-id`, name: t.project ?? 'p', domain: { id: 'default', name: 'Default' } } };
  send(res, 200, {
    token: {
      methods: ['password'],
      user: { id: 'u-id', name: 'alice', domain: { id: 'default', name: 'Default' } },
      ...scope,
      roles,
      expires_at: new Date(t.expiresAt).toISOString().replace('Z', '000Z'),
      issued_at: new Date().toISOString(),
    },
  });
}

let server: Server;
let url: string;
// The cache's clock; moved by tests instead of waiting.
let clock = Date.now();

function auth(extra: Partial<KeystoneAuthOptions> = {}): KeystoneAuth {
  return new KeystoneAuth({
    wwwAuthenticateUri: 'http://keystone.example/v3',
    authUrl: url,
    username: 'neutrino',
    password: 'svc-pw',
    projectName: 'service',
    userDomainName: 'Default',
    projectDomainName: 'Default',
    now: () => clock,
    ...extra,
  });
}

const HOUR = 3_600_000;

describe('KeystoneAuth', () => {
  before(async () => {
    server = createServer((req, res) => void handle(req, res).catch((e) => send(res, 500, { error: String(e) })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    reset();
    clock = Date.now();
  });

  it('maps a project token and answers again from the cache', async () => {
    fake.tokens.set('tok-a', { expiresAt: Date.now() + HOUR, project: 'neutrino-a', roles: ['Member', 'reader'] });
    const a = auth();
    const info = await a.validate('tok-a');
    assert.equal(info.userId, 'u-id');
    assert.equal(info.userName, 'alice');
    assert.equal(info.projectId, 'neutrino-a-id');
    assert.equal(info.projectName, 'neutrino-a');
    assert.equal(info.domainId, 'default');
    assert.deepEqual(info.roles, ['member', 'reader']);
    assert.equal(info.systemScope, null);
    assert.equal(info.isAdmin, false);
    assert.ok(info.expiresAt instanceof Date && Math.abs(info.expiresAt.getTime() - (Date.now() + HOUR)) < 5000);
    assert.deepEqual(await a.validate('tok-a'), info);
    assert.equal(fake.validations, 1);
    assert.equal(fake.logins, 1);
  });

  it('maps system-scoped admin tokens', async () => {
    fake.tokens.set('tok-sys', { expiresAt: Date.now() + HOUR, system: true, roles: ['admin', 'reader'] });
    const info = await auth().validate('tok-sys');
    assert.equal(info.systemScope, 'all');
    assert.equal(info.projectId, null);
    assert.equal(info.isAdmin, true);
  });

  it('asks again once the cache time or the expiry slack has passed', async () => {
    fake.tokens.set('long', { expiresAt: Date.now() + HOUR });
    fake.tokens.set('short', { expiresAt: Date.now() + 60_000 });
    const a = auth({ cacheTimeSec: 300, cacheExpirySlackSec: 30 });
    await a.validate('long');
    await a.validate('short');
    clock += 29_000;
    await a.validate('long');
    await a.validate('short');
    assert.equal(fake.validations, 2, 'both still cached');
    clock += 2_000; // 31 s: within 30 s of the short token's expiry
    await a.validate('short');
    await a.validate('long');
    assert.equal(fake.validations, 3, 'short token re-validated, long one not');
    clock += 300_000; // past cacheTimeSec: a revocation would now be noticed
    await a.validate('long');
    assert.equal(fake.validations, 4);
  });

  it('does not cache a token that expires within the slack', async () => {
    fake.tokens.set('nearly', { expiresAt: Date.now() + 10_000 });
    const a = auth({ cacheExpirySlackSec: 30 });
    await a.validate('nearly');
    await a.validate('nearly');
    assert.equal(fake.validations, 2);
    assert.equal(a.cachedTokens, 0);
  });

  it('keeps at most cacheSize tokens, dropping the least recently used', async () => {
    for (const t of ['t1', 't2', 't3']) fake.tokens.set(t, { expiresAt: Date.now() + HOUR });
    const a = auth({ cacheSize: 2 });
    await a.validate('t1');
    await a.validate('t2');
    await a.validate('t1'); // t1 is now the most recent
    await a.validate('t3'); // evicts t2
    assert.equal(a.cachedTokens, 2);
    assert.equal(fake.validations, 3);
    await a.validate('t1');
    await a.validate('t3');
    assert.equal(fake.validations, 3, 't1 and t3 still cached');
    await a.validate('t2');
    assert.equal(fake.validations, 4, 't2 was evicted');
  });

  it('shares one Keystone request among concurrent validations of a token', async () => {
    fake.tokens.set('busy', { expiresAt: Date.now() + HOUR });
    fake.delayMs = 100;
    const a = auth();
    const all = await Promise.all(Array.from({ length: 20 }, () => a.validate('busy')));
    assert.equal(fake.validations, 1);
    assert.equal(fake.logins, 1, 'one service login too');
    assert.ok(all.every((i) => i === all[0]));
  });

  it('rejects unknown tokens (404) without caching them', async () => {
    const a = auth();
    await assert.rejects(a.validate('nope'), Unauthorized);
    await assert.rejects(a.validate('nope'), Unauthorized);
    assert.equal(fake.validations, 2);
  });

  it('rejects missing and malformed tokens without asking Keystone', async () => {
    const a = auth();
    for (const t of [undefined, null, '', 'two words', 'line\r\nX-Evil: 1', 'x'.repeat(20000)]) {
      await assert.rejects(a.validate(t), Unauthorized);
    }
    assert.equal(fake.validations, 0);
    assert.equal(fake.logins, 0);
  });

  it('shares a failure among concurrent callers and does not remember it', async () => {
    fake.delayMs = 50;
    const a = auth();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => a.validate('gone')));
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof Unauthorized));
    assert.equal(fake.validations, 1);
    fake.tokens.set('gone', { expiresAt: Date.now() + HOUR });
    await a.validate('gone');
  });

  it('renews its own token once when Keystone answers 401, then treats a second 401 as the user token', async () => {
    fake.tokens.set('tok', { expiresAt: Date.now() + HOUR });
    const a = auth({ cacheSize: 0 });
    await a.validate('tok');
    fake.serviceTokens.clear(); // Keystone forgot (revoked) our token
    await a.validate('tok');
    assert.equal(fake.logins, 2);
    assert.equal(fake.validations, 3);
    // Now every service token is refused at validation: one renewal, then 401 for the user.
    fake.acceptServiceTokens = false;
    await assert.rejects(a.validate('tok'), Unauthorized);
    assert.equal(fake.logins, 3, 'renewed once, not in a loop');
  });

  it('renews its own token before it expires', async () => {
    fake.tokens.set('tok', { expiresAt: Date.now() + HOUR });
    fake.serviceLifetimeMs = 60_000; // short-lived: renewed after half its life
    const a = auth({ cacheSize: 0 });
    await a.validate('tok');
    clock += 20_000;
    await a.validate('tok');
    assert.equal(fake.logins, 1);
    clock += 15_000;
    await a.validate('tok');
    assert.equal(fake.logins, 2);
    assert.equal(fake.validations, 3, 'no validation was refused on the way');
  });

  it('retries once when Keystone hangs up without answering', async () => {
    fake.tokens.set('tok', { expiresAt: Date.now() + HOUR });
    const a = auth({ cacheSize: 0 });
    fake.drops = 1;
    await a.validate('tok');
    assert.equal(fake.validations, 2);
    // Twice in a row is not a stale connection: give up.
    fake.drops = 2;
    await assert.rejects(a.validate('tok'), IdentityUnavailable);
    assert.equal(fake.validations, 4);
  });

  it('is unavailable when Keystone fails (5xx), not unauthorized', async () => {
    fake.tokens.set('tok', { expiresAt: Date.now() + HOUR });
    fake.status = 503;
    await assert.rejects(auth().validate('tok'), IdentityUnavailable);
    fake.status = 500;
    await assert.rejects(auth().validate('tok'), IdentityUnavailable);
  });

  it('is unavailable when the service user may not validate tokens (403)', async () => {
    fake.status = 403;
    await assert.rejects(auth().validate('tok'), IdentityUnavailable);
  });

  it('is unavailable when Keystone answers 200 with something that is not a token', async () => {
    fake.validateWithBody = { hello: 'world' };
    await assert.rejects(auth().validate('tok'), IdentityUnavailable);
  });

  it('is unavailable when its own credentials are refused', async () => {
    fake.tokens.set('tok', { expiresAt: Date.now() + HOUR });
    await assert.rejects(auth({ password: 'wrong' }).validate('tok'), (e: Error) => {
      return e instanceof IdentityUnavailable && /service credentials/.test(e.message);
    });
    assert.equal(fake.validations, 0);
  });

  it('is unavailable when Keystone is too slow', async () => {
    fake.tokens.set('tok', { expiresAt: Date.now() + HOUR });
    fake.delayMs = 500;
    await assert.rejects(auth({ httpTimeoutMs: 100 }).validate('tok'), (e: Error) => {
      return e instanceof IdentityUnavailable && /100 ms/.test(e.message);
    });
  });

  it('is unavailable when nothing listens at auth_url', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await assert.rejects(auth({ authUrl: `http://127.0.0.1:${port}/v3/` }).validate('tok'), (e: Error) => {
      return e instanceof IdentityUnavailable && /ECONNREFUSED/.test(e.message);
    });
  });

  it('accepts auth_url with or without /v3', async () => {
    fake.tokens.set('tok', { expiresAt: Date.now() + HOUR });
    await auth({ authUrl: `${url}/` }).validate('tok');
    await auth({ authUrl: `${url}/v3` }).validate('tok');
    assert.equal(fake.validations, 2);
  });

  it('builds the WWW-Authenticate header', () => {
    assert.equal(wwwAuthenticateHeader('http://127.0.0.1:5000'), 'Keystone uri="http://127.0.0.1:5000"');
    assert.equal(auth().wwwAuthenticate, 'Keystone uri="http://keystone.example/v3"');
    assert.equal(wwwAuthenticateHeader('http://x/"evil'), 'Keystone uri="http://x/evil"');
  });
});
