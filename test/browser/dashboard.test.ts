// The dashboard in real Chromium against a real server (SQLite, noauth on loopback): the page
// loads and draws the topology; objects created through the API appear within 1 s; a port's
// status change is reflected; deleting from the page deletes through the API; an API error is
// shown with the API's message; the keyboard reaches every object. A screenshot is saved to
// artifacts/dashboard.png.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { tapName } from '../../src/contract/device-names.js';
import { artifactPath, launchChromium } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const HOST = 'dash-compute-1';

describe('dashboard in Chromium (SQLite, noauth)', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  /** script errors and console errors (a Content-Security-Policy refusal is one) */
  const pageErrors: string[] = [];
  const ok = async (method: string, path: string, body?: unknown) => {
    const r = await s.req(method, path, body);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  /** the object is in the list and in the graph within `ms` of now */
  const appears = (key: string, ms = 1000) =>
    page.waitForFunction(
      (k) => {
        const d = (window as unknown as { neutrinoDashboard: { cy: { getElementById(id: string): { length: number } } } }).neutrinoDashboard;
        return document.querySelector(`[data-key="${k}"]`) !== null && (d.cy.getElementById(k).length > 0 || d.cy.getElementById(`e:${k}`).length > 0);
      },
      key,
      { timeout: ms, polling: 'raf' },
    );
  const gone = (key: string, ms = 1000) => page.waitForFunction((k) => document.querySelector(`[data-key="${k}"]`) === null, key, { timeout: ms, polling: 'raf' });

  before(async () => {
    s = await startTestServer('sqlite', { listen: true });
    // a network drawn from the snapshot, before the page opens
    await ok('POST', '/v2.0/networks', { network: { name: 'before-load' } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  it('the page loads and draws the topology the API holds', async () => {
    const res = await page.goto(`${s.url}/dashboard/`);
    assert.equal(res?.status(), 200);
    await page.waitForSelector('body[data-state=drawn]', { timeout: 10_000 });
    const net = (await ok('GET', '/v2.0/networks?name=before-load')).networks[0];
    await appears(`network:${net.id}`);
    assert.equal((await page.locator('#graph canvas').count()) > 0, true, 'Cytoscape drew on a canvas');
    assert.match((await page.textContent('#who')) ?? '', /noauth/);
    // the bundle travels compressed (built that way by npm run build)
    const js = await fetch(`${s.url}/dashboard/assets/app.js`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(js.headers.get('content-encoding'), 'br');
    assert.ok((await js.text()).length > 100_000, 'the whole bundle, Cytoscape included');
  });

  it('a network, subnet, router (with an interface) and port created through the API appear within 1 s', async () => {
    const net = (await ok('POST', '/v2.0/networks', { network: { name: 'web' } })).network;
    await appears(`network:${net.id}`);
    const sub = (await ok('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.20.0.0/24', ip_version: 4, enable_dhcp: false } })).subnet;
    await appears(`subnet:${sub.id}`);
    const router = (await ok('POST', '/v2.0/routers', { router: { name: 'edge' } })).router;
    await appears(`router:${router.id}`);
    const iface = await ok('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id });
    await appears(`port:${iface.port_id}`);
    const port = (await ok('POST', '/v2.0/ports', { port: { network_id: net.id, name: 'vm-1' } })).port;
    await appears(`port:${port.id}`);
    assert.match((await page.textContent(`[data-key="port:${port.id}"]`)) ?? '', /10\.20\.0\.\d+/);
  });

  it("a port's status change (the L2 agent reports the device up) is reflected within 1 s", async () => {
    await s.bus.call('q-reports-plugin', 'report_state', {
      agent_state: { agent_state: { agent_type: 'Linux bridge agent', binary: 'neutrino-linuxbridge-agent', host: HOST, topic: 'N/A', configurations: { interface_mappings: {} }, start_flag: true } },
      time: new Date().toISOString(),
    });
    const net = (await ok('GET', '/v2.0/networks?name=web')).networks[0];
    const port = (await ok('POST', '/v2.0/ports', { port: { network_id: net.id, name: 'vm-2', 'binding:host_id': HOST } })).port;
    assert.equal(port.status, 'DOWN');
    await appears(`port:${port.id}`);
    assert.match((await page.textContent(`[data-key="port:${port.id}"]`)) ?? '', /DOWN/);
    await s.bus.call('q-plugin', 'update_device_up', { device: tapName(port.id), agent_id: HOST, host: HOST });
    assert.equal((await ok('GET', `/v2.0/ports/${port.id}`)).port.status, 'ACTIVE');
    await page.waitForFunction((k) => /ACTIVE/.test(document.querySelector(`[data-key="${k}"]`)?.textContent ?? ''), `port:${port.id}`, { timeout: 1000, polling: 'raf' });
    const classes = await page.evaluate(
      (k) => (window as unknown as { neutrinoDashboard: { cy: { getElementById(id: string): { classes(): string[] } } } }).neutrinoDashboard.cy.getElementById(k).classes(),
      `port:${port.id}`,
    );
    assert.ok(classes.includes('st-ACTIVE'), `graph node classes: ${classes}`);
  });

  it('clicking a port shows its details: fixed IPs, MAC, security groups with rules, binding host, status', async () => {
    const port = (await ok('GET', '/v2.0/ports?name=vm-2')).ports[0];
    await page.click(`[data-key="port:${port.id}"] > span`);
    const details = page.locator('#details');
    await details.getByText(port.mac_address).waitFor({ timeout: 2000 });
    const text = (await details.textContent()) ?? '';
    assert.ok(text.includes(port.fixed_ips[0].ip_address), text);
    assert.ok(text.includes(HOST), 'binding host');
    assert.ok(text.includes('ACTIVE'));
    assert.match(text, /default/, 'the security group by name');
    assert.match(text, /egress IPv4 any/, 'its rules');
  });

  it('tracing from a port shows the verdict and hops of POST /v2.0/trace', async () => {
    const vm1 = (await ok('GET', '/v2.0/ports?name=vm-1')).ports[0];
    const vm2 = (await ok('GET', '/v2.0/ports?name=vm-2')).ports[0];
    const expected = (await ok('POST', '/v2.0/trace', { trace: { from: vm2.id, to: vm1.fixed_ips[0].ip_address, check_kernel: false } })).trace;
    await page.click(`[data-key="port:${vm2.id}"] > span`);
    await page.locator('#details').getByText(vm2.mac_address).waitFor({ timeout: 2000 });
    await page.fill('form[data-do=trace] input[name=to]', vm1.fixed_ips[0].ip_address);
    await page.click('form[data-do=trace] button[type=submit]');
    await page.waitForFunction((v) => (document.querySelector('.trace-result')?.textContent ?? '').includes(v), expected.verdict.toUpperCase(), { timeout: 3000 });
    assert.equal(await page.locator('.trace-result li').count(), expected.hops.length);
  });

  it('the keyboard reaches objects: arrow keys move through the list, Enter shows details', async () => {
    await page.focus('#tree [role=treeitem][tabindex="0"]');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => (document.activeElement as HTMLElement).dataset.key);
    assert.match(focused ?? '', /^network:/);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /^network /.test(document.querySelector('#details-title')?.textContent ?? ''), undefined, { timeout: 2000 });
    assert.equal(await page.locator('#tree').getAttribute('role'), 'tree');
    assert.ok((await page.locator('#graph').getAttribute('aria-label'))?.length, 'the graph has a label');
  });

  it('creating from the page: a network and a subnet through the forms; a bad CIDR shows the API message', async () => {
    await page.click('summary:has-text("Create network")');
    await page.fill('form[data-action=network] input[name=name]', 'made-in-page');
    await page.click('form[data-action=network] button[type=submit]');
    const made = await (async () => {
      for (let i = 0; i < 50; i++) {
        const n = (await ok('GET', '/v2.0/networks?name=made-in-page')).networks[0];
        if (n) return n;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('the page did not create the network');
    })();
    await appears(`network:${made.id}`);
    await page.click('summary:has-text("Create subnet")');
    await page.selectOption('form[data-action=subnet] select[name=network_id]', made.id);
    await page.fill('form[data-action=subnet] input[name=cidr]', '10.300.0.0/24');
    await page.click('form[data-action=subnet] button[type=submit]');
    const direct = await s.req('POST', '/v2.0/subnets', { subnet: { network_id: made.id, cidr: '10.300.0.0/24', ip_version: 4 } });
    assert.equal(direct.status, 400);
    await page.waitForFunction((m) => document.querySelector('#status')?.textContent === m, direct.body.NeutronError.message, { timeout: 2000 });
  });

  it('deleting from the page deletes through the API', async () => {
    const net = (await ok('POST', '/v2.0/networks', { network: { name: 'doomed' } })).network;
    await appears(`network:${net.id}`);
    await page.click(`[data-key="network:${net.id}"] > span`);
    await page.click('#details button[data-do=delete]');
    await gone(`network:${net.id}`, 2000);
    assert.equal((await s.req('GET', `/v2.0/networks/${net.id}`)).status, 404);
  });

  it('the page ran without a script or console error (none refused by its Content-Security-Policy)', () => {
    // a refused request (the bad CIDR's 400, the deleted object's 404) is logged by Chromium as a console error: only those are expected
    assert.deepEqual(
      pageErrors.filter((e) => !/status of 40\d/.test(e)),
      [],
    );
  });

  it('a screenshot of the topology is saved (artifacts/dashboard.png)', async () => {
    await page.click('#relayout');
    const path = artifactPath('dashboard.png');
    await page.screenshot({ path, fullPage: true });
    assert.ok(statSync(path).size > 10_000, `${path} is a real picture`);
  });
});
