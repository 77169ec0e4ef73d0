// The dashboard with auth_strategy = keystone, in real Chromium against the test Keystone
// (scripts/keystone/setup.sh): the page logs in with user, password and project; a member of
// project A (alice, neutrino-a) sees none of project B's objects (bob, neutrino-b) — not in
// the first drawing, not in the list or graph after B changes things live, and not in the
// event stream itself.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchChromium } from '../helpers/browser.js';
import { readEvents, type EventReader } from '../helpers/event-stream.js';
import { ALICE, BOB, keystoneServerConfig, projectId, tokenOf } from '../helpers/keystone.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

interface DashboardWindow {
  neutrinoDashboard: { store: { byKind: Map<string, Map<string, unknown>> }; cy: { getElementById(id: string): { length: number } } };
}

describe('dashboard with Keystone in Chromium: a member sees only its project', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let aliceToken: string;
  let bobToken: string;
  let projectB: string;
  const tag = randomUUID().slice(0, 6);
  const readers: EventReader[] = [];
  const as = async (token: string, method: string, path: string, body?: unknown) => {
    const r = await s.req(method, path, body, { 'x-auth-token': token });
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  /** every id the page holds (store) */
  const pageIds = () =>
    page.evaluate(() => {
      const out: string[] = [];
      for (const m of (window as unknown as DashboardWindow).neutrinoDashboard.store.byKind.values()) out.push(...m.keys());
      return out;
    });
  const appears = (key: string, ms = 1000) => page.waitForFunction((k) => document.querySelector(`[data-key="${k}"]`) !== null, key, { timeout: ms, polling: 'raf' });

  before(async () => {
    s = await startTestServer('sqlite', { listen: true, config: keystoneServerConfig() });
    [aliceToken, bobToken, projectB] = await Promise.all([tokenOf(ALICE), tokenOf(BOB), projectId(BOB.project)]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });
  after(async () => {
    for (const r of readers) r.close();
    await browser?.close();
    await s?.close();
  });

  it('the page and its assets load without a token; the API and the event stream do not', async () => {
    assert.equal((await fetch(`${s.url}/dashboard/`)).status, 200);
    assert.equal((await fetch(`${s.url}/dashboard/assets/app.js`)).status, 200);
    assert.deepEqual(await (await fetch(`${s.url}/dashboard/settings`)).json(), { auth_strategy: 'keystone' });
    assert.equal((await fetch(`${s.url}/dashboard/events`)).status, 401);
    assert.equal((await fetch(`${s.url}/v2.0/networks`)).status, 401);
  });

  it('a wrong password is refused with a message; the right one logs in', async () => {
    await page.goto(`${s.url}/dashboard/`);
    await page.fill('#login input[name=username]', ALICE.name);
    await page.fill('#login input[name=password]', 'not-the-password');
    await page.fill('#login input[name=project_name]', ALICE.project);
    await page.click('#login button[type=submit]');
    await page.waitForFunction(() => /not right/.test(document.querySelector('#status')?.textContent ?? ''), undefined, { timeout: 5000 });
    assert.equal(await page.isVisible('#app'), false);
  });

  it("alice (member of A) sees A's objects and none of B's, at load and live", async () => {
    const bNet = (await as(bobToken, 'POST', '/v2.0/networks', { network: { name: `b-${tag}` } })).network;
    await as(bobToken, 'POST', '/v2.0/subnets', { subnet: { network_id: bNet.id, cidr: '10.66.0.0/24', ip_version: 4 } });
    const aNet = (await as(aliceToken, 'POST', '/v2.0/networks', { network: { name: `a-${tag}` } })).network;
    // alice's stream as the page gets it, read beside the page
    const stream = await readEvents(s.url!, { 'x-auth-token': aliceToken });
    readers.push(stream);

    await page.fill('#login input[name=password]', ALICE.password);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('body[data-state=drawn]', { timeout: 10_000 });
    assert.match((await page.textContent('#who')) ?? '', /alice in neutrino-a/);
    await appears(`network:${aNet.id}`);
    assert.ok(!(await pageIds()).includes(bNet.id), "B's network is not on alice's page");

    // B changes things while alice watches; A too (so we know events flow)
    const bPort = (await as(bobToken, 'POST', '/v2.0/ports', { port: { network_id: bNet.id, name: `bp-${tag}` } })).port;
    const bRouter = (await as(bobToken, 'POST', '/v2.0/routers', { router: { name: `br-${tag}` } })).router;
    await as(bobToken, 'PUT', `/v2.0/networks/${bNet.id}`, { network: { name: `b2-${tag}` } });
    const aSub = (await as(aliceToken, 'POST', '/v2.0/subnets', { subnet: { network_id: aNet.id, cidr: '10.77.0.0/24', ip_version: 4 } })).subnet;
    const aPort = (await as(aliceToken, 'POST', '/v2.0/ports', { port: { network_id: aNet.id, name: `ap-${tag}` } })).port;
    await appears(`subnet:${aSub.id}`);
    await appears(`port:${aPort.id}`);
    await stream.waitFor("alice's port in her stream", (e) => e.event === 'change' && e.data.id === aPort.id);

    const seen = new Set(await pageIds());
    for (const id of [bNet.id, bPort.id, bRouter.id]) {
      assert.ok(!seen.has(id), `page holds B's ${id}`);
      assert.ok(!stream.ids().has(id), `alice's event stream named B's ${id}`);
    }
    const raw = JSON.stringify(stream.events);
    assert.ok(!raw.includes(projectB), "B's project id never appears in alice's stream");
    assert.ok(!raw.includes(`b2-${tag}`) && !raw.includes(`bp-${tag}`), "B's names never appear in alice's stream");
    assert.ok(!((await page.content()) ?? '').includes(`b-${tag}`), "B's names never appear on the page");
    await page.screenshot({ path: artifactPath('dashboard-keystone-alice.png') });
  });

  it("deleting from alice's page deletes through the API with her token", async () => {
    const n = (await as(aliceToken, 'POST', '/v2.0/networks', { network: { name: `gone-${tag}` } })).network;
    await appears(`network:${n.id}`);
    await page.click(`[data-key="network:${n.id}"] > span`);
    await page.click('#details button[data-do=delete]');
    await page.waitForFunction((k) => document.querySelector(`[data-key="${k}"]`) === null, `network:${n.id}`, { timeout: 2000 });
    assert.equal((await s.req('GET', `/v2.0/networks/${n.id}`, undefined, { 'x-auth-token': aliceToken })).status, 404);
  });
});
