// The real `openstack` CLI (python3-openstackclient + openstacksdk) against a running Neutrino
// server in noauth mode. Every CLI call runs the Debian `openstack` binary through execFile (no
// shell) with `-f json`, and the test checks what the CLI printed, comparing it with what the
// API itself returns for the same resources.
//
// How the CLI reaches the server without Keystone:
// - `--os-auth-type none --os-endpoint <url>` (or the same through OS_AUTH_TYPE=none and
//   OS_ENDPOINT=<url>; both work, one test uses the environment variables). With auth type
//   "none", keystoneauth sends a dummy X-Auth-Token, which the noauth server ignores, and
//   openstacksdk discovers the API version from `GET /` on the endpoint.
// - `openstack quota show` is the exception, see the quota test below.
//
// The test cleans every OS_* variable out of the CLI's environment and points
// OS_CLIENT_CONFIG_FILE at a clouds.yaml of its own, so a developer's clouds.yaml or OS_CLOUD
// cannot change what the CLI does.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { L2Agent } from '../../src/agents/l2/l2-agent.js';
import { REPORTS } from '../../src/contract/topics.js';
import { FakeDataplane } from '../helpers/fake-dataplane.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OSC_MAC_RE = /^fa:16:3e(:[0-9a-f]{2}){3}$/;
const CLI_TIMEOUT_MS = 90_000;
/** the cloud in our clouds.yaml that only knows the network endpoint (see the quota test) */
const NETWORK_ONLY_CLOUD = 'neutrino-network-only';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  argv: string[];
}

/** How the CLI is told where the server is. */
type Via = 'flags' | 'env' | 'cloud';

// Non-default quota defaults, so that `quota show --default` can only print these if it really
// asked this server (openstacksdk has no client-side defaults, but this makes it certain).
const QUOTA_DEFAULTS = {
  quota_network: '37',
  quota_subnet: '41',
  quota_port: '53',
  quota_security_group: '13',
  quota_security_group_rule: '117',
  quota_router: '7',
  quota_floatingip: '23',
  quota_rbac_policy: '9',
  quota_subnetpool: '-1',
};

describe('openstack CLI (python3-openstackclient) against Neutrino in noauth mode', () => {
  let s: TestServer;
  let url: string;
  let project: string;
  let dir: string;
  let cliCalls = 0;
  const pfx = `osc${randomUUID().slice(0, 8)}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neutrino-osc-'));
    s = await startTestServer('sqlite', { listen: true, config: { quotas: QUOTA_DEFAULTS, ml2_type_vlan: { network_vlan_ranges: 'physnet1:100:199' } } });
    assert.ok(s.url, 'the test server must listen');
    url = s.url;
    project = s.api.services.config.str('DEFAULT', 'noauth_project_id');
    writeFileSync(join(dir, 'clouds.yaml'), ['clouds:', `  ${NETWORK_ONLY_CLOUD}:`, '    auth_type: none', `    network_endpoint_override: ${url}`, ''].join('\n'));
  });

  after(async () => {
    try {
      await s?.close();
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
      console.log(`openstack CLI invocations: ${cliCalls}`);
    }
  });

  // ---- running the CLI ------------------------------------------------------------------------

  function cli(args: string[], via: Via = 'flags'): Promise<CliResult> {
    cliCalls++;
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_')) env[k] = v;
    env.OS_CLIENT_CONFIG_FILE = join(dir, 'clouds.yaml');
    env.PYTHONWARNINGS = 'ignore';
    let argv: string[];
    if (via === 'flags') argv = ['--os-auth-type', 'none', '--os-endpoint', url, ...args];
    else if (via === 'env') {
      env.OS_AUTH_TYPE = 'none';
      env.OS_ENDPOINT = url;
      argv = args;
    } else argv = ['--os-cloud', NETWORK_ONLY_CLOUD, ...args];
    return new Promise((resolve) => {
      execFile('openstack', argv, { env, timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        let code = 0;
        if (err) {
          const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string };
          if (typeof e.code === 'number') code = e.code;
          else if (e.killed) {
            code = -1;
            stderr = `${String(stderr)}\n[killed after ${CLI_TIMEOUT_MS} ms: ${e.signal ?? ''}]`;
          } else {
            code = -2;
            stderr = `${String(stderr)}\n[could not run openstack: ${e.message}]`;
          }
        }
        resolve({ code, stdout: String(stdout), stderr: String(stderr), argv });
      });
    });
  }

  const show = (r: CliResult) => `openstack ${r.argv.join(' ')}\n→ exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

  /** Runs a command that must succeed; returns its stdout. */
  async function ok(args: string[], via: Via = 'flags'): Promise<string> {
    const r = await cli(args, via);
    assert.equal(r.code, 0, show(r));
    return r.stdout;
  }

  /** Runs a command with `-f json` that must succeed; returns the parsed output. */
  async function json(args: string[], via: Via = 'flags'): Promise<Json> {
    const r = await cli([...args, '-f', 'json'], via);
    assert.equal(r.code, 0, show(r));
    try {
      return JSON.parse(r.stdout);
    } catch (e) {
      assert.fail(`the CLI did not print JSON (${(e as Error).message}):\n${show(r)}`);
    }
  }

  /** Runs a command that must fail; returns its stderr. */
  async function fails(args: string[]): Promise<string> {
    const r = await cli(args);
    assert.ok(r.code > 0, `expected a non-zero exit:\n${show(r)}`);
    return r.stderr;
  }

  // ---- the API side ---------------------------------------------------------------------------

  async function api(method: string, path: string, body?: unknown): Promise<Json> {
    const r = await s.req(method, path, body);
    assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
  async function apiStatus(method: string, path: string): Promise<number> {
    return (await s.req(method, path)).status;
  }

  /** Asserts that the CLI printed the same value as the API for each key (CLI key → API key). */
  function sameAsApi(cliObj: Json, apiObj: Json, keys: (string | [string, string])[], what: string): void {
    for (const k of keys) {
      const [ck, ak] = typeof k === 'string' ? [k, k] : k;
      assert.ok(ck in cliObj, `${what}: the CLI output has no "${ck}": ${JSON.stringify(cliObj)}`);
      assert.deepEqual(cliObj[ck], apiObj[ak], `${what}: CLI "${ck}" differs from API "${ak}"`);
    }
  }

  const sorted = (xs: string[]) => [...xs].sort();
  const ids = (rows: Json[], key = 'id') => sorted(rows.map((r) => r[key]));
  const byIp = (a: Json, b: Json) => String(a.ip_address).localeCompare(String(b.ip_address));
  const byStart = (a: Json, b: Json) => String(a.start).localeCompare(String(b.start));

  const NETWORK_KEYS = [
    'id',
    'name',
    'description',
    'project_id',
    'status',
    'admin_state_up',
    'shared',
    'router:external',
    'mtu',
    'port_security_enabled',
    'availability_zone_hints',
    'availability_zones',
    'created_at',
    'updated_at',
    'revision_number',
  ];
  const SUBNET_KEYS = [
    'id',
    'name',
    'description',
    'project_id',
    'network_id',
    'ip_version',
    'cidr',
    'gateway_ip',
    'dns_nameservers',
    'host_routes',
    'enable_dhcp',
    'ipv6_ra_mode',
    'ipv6_address_mode',
    'subnetpool_id',
    'created_at',
    'updated_at',
    'revision_number',
  ];
  const PORT_KEYS: (string | [string, string])[] = [
    'id',
    'name',
    'description',
    'project_id',
    'network_id',
    'mac_address',
    'admin_state_up',
    'status',
    'device_id',
    'device_owner',
    'allowed_address_pairs',
    'extra_dhcp_opts',
    'port_security_enabled',
    'created_at',
    'updated_at',
    'revision_number',
    ['security_group_ids', 'security_groups'],
  ];
  const SG_KEYS = ['id', 'name', 'description', 'project_id', 'stateful', 'created_at', 'updated_at', 'revision_number'];
  const RULE_KEYS: (string | [string, string])[] = [
    'id',
    'security_group_id',
    'project_id',
    'direction',
    ['ether_type', 'ethertype'],
    'protocol',
    'port_range_min',
    'port_range_max',
    'remote_ip_prefix',
    'remote_group_id',
    'description',
    'created_at',
    'updated_at',
    'revision_number',
  ];

  // ---- networks -------------------------------------------------------------------------------

  it('network create / list / show / set / unset / delete', async () => {
    const name = `${pfx}-net`;
    const created = await json(['network', 'create', '--description', 'first', '--tag', 't1', name]);
    assert.match(created.id, UUID_RE);
    assert.equal(created.name, name);
    assert.equal(created.description, 'first');
    assert.equal(created.project_id, project);
    assert.equal(created.status, 'ACTIVE');
    assert.equal(created.admin_state_up, true);
    assert.equal(created.shared, false);
    assert.equal(created['router:external'], false);
    assert.equal(created.mtu, 1500);
    assert.equal(created.port_security_enabled, true);
    assert.deepEqual(created.subnets, []);
    // `network create --tag` is a POST then a PUT .../tags: the CLI prints the tags it set
    assert.deepEqual(created.tags, ['t1']);
    const id: string = created.id;
    let fromApi = (await api('GET', `/v2.0/networks/${id}`)).network;
    assert.deepEqual(fromApi.tags, ['t1']);
    // the CLI prints the network as the POST returned it, before its PUT .../tags bumped the
    // revision, so updated_at and revision_number are compared after the next `show`
    sameAsApi(
      created,
      fromApi,
      NETWORK_KEYS.filter((k) => k !== 'updated_at' && k !== 'revision_number'),
      'network create',
    );
    assert.ok(fromApi.revision_number >= created.revision_number);

    // list, using the environment variables instead of the flags this time
    const listed: Json[] = await json(['network', 'list'], 'env');
    const apiNets: Json[] = (await api('GET', '/v2.0/networks')).networks;
    assert.deepEqual(ids(listed, 'ID'), ids(apiNets), 'network list shows exactly the networks of GET /v2.0/networks');
    const row = listed.find((n) => n.ID === id);
    assert.deepEqual(row, { ID: id, Name: name, Subnets: [] });

    await ok(['network', 'set', '--name', `${name}-b`, '--description', 'second', '--tag', 't2', '--tag', 't3', name]);
    let shown = await json(['network', 'show', `${name}-b`]);
    fromApi = (await api('GET', `/v2.0/networks/${id}`)).network;
    assert.equal(shown.name, `${name}-b`);
    assert.equal(shown.description, 'second');
    assert.deepEqual(sorted(shown.tags), ['t1', 't2', 't3'], '`network set --tag` adds to the existing tags');
    assert.ok(shown.revision_number > created.revision_number, 'the update bumps revision_number');
    sameAsApi(shown, fromApi, NETWORK_KEYS, 'network show');
    assert.deepEqual(sorted(shown.tags), sorted(fromApi.tags));

    await ok(['network', 'set', '--no-tag', '--tag', 'only', `${name}-b`]);
    shown = await json(['network', 'show', `${name}-b`, '-c', 'tags']);
    assert.deepEqual(shown, { tags: ['only'] }, '`--no-tag --tag only` replaces every tag');
    assert.deepEqual((await api('GET', `/v2.0/networks/${id}/tags`)).tags, ['only']);

    await ok(['network', 'unset', '--tag', 'only', `${name}-b`]);
    shown = await json(['network', 'show', id]);
    fromApi = (await api('GET', `/v2.0/networks/${id}`)).network;
    assert.deepEqual(shown.tags, []);
    assert.deepEqual(fromApi.tags, []);
    sameAsApi(shown, fromApi, NETWORK_KEYS, 'network show after unset');

    await ok(['network', 'delete', `${name}-b`]);
    assert.equal(await apiStatus('GET', `/v2.0/networks/${id}`), 404);
    // the CLI looks the name up (GET /v2.0/networks/<name> → 404, then ?name=) and finds nothing
    const err = await fails(['network', 'show', `${name}-b`]);
    assert.match(err, new RegExp(`No Network found for ${name}-b`));
  });

  // ---- subnets --------------------------------------------------------------------------------

  it('subnet create / list (also --network) / show / set / unset / delete', async () => {
    const net = (await api('POST', '/v2.0/networks', { network: { name: `${pfx}-subnet-net` } })).network;
    // a subnet elsewhere, which `subnet list --network` must leave out
    const other = (await api('POST', '/v2.0/networks', { network: { name: `${pfx}-other-net` } })).network;
    const otherSubnet = (await api('POST', '/v2.0/subnets', { subnet: { network_id: other.id, cidr: '10.79.0.0/24', ip_version: 4, name: `${pfx}-other-sub` } })).subnet;
    const s1 = `${pfx}-sub1`;
    const s2 = `${pfx}-sub2`;

    const a = await json([
      'subnet',
      'create',
      '--network',
      net.name,
      '--subnet-range',
      '10.62.0.0/24',
      '--allocation-pool',
      'start=10.62.0.10,end=10.62.0.100',
      '--dns-nameserver',
      '8.8.8.8',
      '--dns-nameserver',
      '8.8.4.4',
      '--description',
      'sub one',
      s1,
    ]);
    assert.match(a.id, UUID_RE);
    assert.equal(a.name, s1);
    assert.equal(a.network_id, net.id);
    assert.equal(a.project_id, project);
    assert.equal(a.cidr, '10.62.0.0/24');
    assert.equal(a.ip_version, 4);
    assert.equal(a.gateway_ip, '10.62.0.1');
    assert.equal(a.enable_dhcp, true);
    assert.equal(a.description, 'sub one');
    assert.deepEqual(a.allocation_pools, [{ start: '10.62.0.10', end: '10.62.0.100' }]);
    assert.deepEqual(a.dns_nameservers, ['8.8.8.8', '8.8.4.4'], 'DNS servers keep the order given');
    assert.deepEqual(a.host_routes, []);
    assert.deepEqual(a.tags, []);
    sameAsApi(a, (await api('GET', `/v2.0/subnets/${a.id}`)).subnet, [...SUBNET_KEYS, 'allocation_pools', 'tags'], 'subnet create');

    const b = await json(['subnet', 'create', '--network', net.id, '--subnet-range', '10.72.0.0/24', '--gateway', 'none', s2]);
    assert.equal(b.gateway_ip, null, '--gateway none gives a subnet without gateway');
    assert.deepEqual(b.allocation_pools, [{ start: '10.72.0.1', end: '10.72.0.254' }], 'without a gateway the pool starts at .1');
    sameAsApi(b, (await api('GET', `/v2.0/subnets/${b.id}`)).subnet, [...SUBNET_KEYS, 'allocation_pools'], 'subnet create --gateway none');

    const all: Json[] = await json(['subnet', 'list']);
    const apiAll: Json[] = (await api('GET', '/v2.0/subnets')).subnets;
    assert.deepEqual(ids(all, 'ID'), ids(apiAll));
    assert.ok(all.some((r) => r.ID === otherSubnet.id));
    assert.deepEqual(
      all.find((r) => r.ID === a.id),
      { ID: a.id, Name: s1, Network: net.id, Subnet: '10.62.0.0/24' },
    );
    assert.deepEqual(
      all.find((r) => r.ID === b.id),
      { ID: b.id, Name: s2, Network: net.id, Subnet: '10.72.0.0/24' },
    );

    const onNet: Json[] = await json(['subnet', 'list', '--network', net.name]);
    assert.deepEqual(ids(onNet, 'ID'), sorted([a.id, b.id]), "subnet list --network shows only that network's subnets");
    assert.deepEqual(ids(onNet, 'ID'), ids((await api('GET', `/v2.0/subnets?network_id=${net.id}`)).subnets));

    const shown = await json(['subnet', 'show', s1]);
    sameAsApi(shown, (await api('GET', `/v2.0/subnets/${a.id}`)).subnet, [...SUBNET_KEYS, 'allocation_pools', 'tags'], 'subnet show');
    const netShown = (await api('GET', `/v2.0/networks/${net.id}`)).network;
    assert.deepEqual(sorted(netShown.subnets), sorted([a.id, b.id]));

    // `subnet set` sends the new DNS servers first, then the current ones, and the pools likewise
    await ok(['subnet', 'set', '--name', `${s1}-b`, '--description', 'renamed', '--dns-nameserver', '1.1.1.1', '--allocation-pool', 'start=10.62.0.150,end=10.62.0.160', '--tag', 'blue', s1]);
    let after1 = await json(['subnet', 'show', `${s1}-b`]);
    assert.equal(after1.id, a.id);
    assert.equal(after1.description, 'renamed');
    assert.deepEqual(after1.dns_nameservers, ['1.1.1.1', '8.8.8.8', '8.8.4.4']);
    assert.deepEqual([...after1.allocation_pools].sort(byStart), [
      { start: '10.62.0.10', end: '10.62.0.100' },
      { start: '10.62.0.150', end: '10.62.0.160' },
    ]);
    assert.deepEqual(after1.tags, ['blue']);
    let fromApi = (await api('GET', `/v2.0/subnets/${a.id}`)).subnet;
    sameAsApi(after1, fromApi, [...SUBNET_KEYS, 'tags'], 'subnet show after set');
    assert.deepEqual([...after1.allocation_pools].sort(byStart), [...fromApi.allocation_pools].sort(byStart));

    await ok(['subnet', 'unset', '--dns-nameserver', '8.8.8.8', '--allocation-pool', 'start=10.62.0.10,end=10.62.0.100', '--tag', 'blue', `${s1}-b`]);
    after1 = await json(['subnet', 'show', a.id]);
    assert.deepEqual(after1.dns_nameservers, ['1.1.1.1', '8.8.4.4']);
    assert.deepEqual(after1.allocation_pools, [{ start: '10.62.0.150', end: '10.62.0.160' }]);
    assert.deepEqual(after1.tags, []);
    fromApi = (await api('GET', `/v2.0/subnets/${a.id}`)).subnet;
    sameAsApi(after1, fromApi, [...SUBNET_KEYS, 'allocation_pools', 'tags'], 'subnet show after unset');

    await ok(['subnet', 'delete', `${s1}-b`, s2]);
    assert.equal(await apiStatus('GET', `/v2.0/subnets/${a.id}`), 404);
    assert.equal(await apiStatus('GET', `/v2.0/subnets/${b.id}`), 404);
    assert.deepEqual((await api('GET', `/v2.0/networks/${net.id}`)).network.subnets, []);
    assert.equal(await apiStatus('GET', `/v2.0/subnets/${otherSubnet.id}`), 200);
  });

  // ---- ports ----------------------------------------------------------------------------------

  it('port create / list (also --network) / show / set / unset / delete, and an IP already taken', async () => {
    const net = (await api('POST', '/v2.0/networks', { network: { name: `${pfx}-port-net` } })).network;
    const sa = (await api('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.63.0.0/24', ip_version: 4, name: `${pfx}-psub-a` } })).subnet;
    const sb = (await api('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.64.0.0/24', ip_version: 4, name: `${pfx}-psub-b` } })).subnet;
    // a port on another network, which `port list --network` must leave out
    const other = (await api('POST', '/v2.0/networks', { network: { name: `${pfx}-port-other` } })).network;
    await api('POST', '/v2.0/subnets', { subnet: { network_id: other.id, cidr: '10.65.0.0/24', ip_version: 4 } });
    const otherPort = (await api('POST', '/v2.0/ports', { port: { network_id: other.id, name: `${pfx}-other-port` } })).port;
    const defaultSg: Json[] = (await api('GET', `/v2.0/security-groups?name=default&project_id=${project}`)).security_groups;
    assert.equal(defaultSg.length, 1);
    const p1 = `${pfx}-p1`;
    const p2 = `${pfx}-p2`;
    const p3 = `${pfx}-p3`;

    const one = await json(['port', 'create', '--network', net.name, '--fixed-ip', `subnet=${sa.name},ip-address=10.63.0.10`, '--mac-address', 'fa:16:3e:0a:0b:01', '--description', 'port one', p1]);
    assert.match(one.id, UUID_RE);
    assert.equal(one.name, p1);
    assert.equal(one.network_id, net.id);
    assert.equal(one.project_id, project);
    assert.equal(one.mac_address, 'fa:16:3e:0a:0b:01');
    assert.deepEqual(one.fixed_ips, [{ subnet_id: sa.id, ip_address: '10.63.0.10' }]);
    assert.equal(one.status, 'DOWN');
    assert.equal(one.admin_state_up, true);
    assert.equal(one.device_owner, '');
    assert.equal(one.description, 'port one');
    assert.deepEqual(one.security_group_ids, [defaultSg[0].id], "a new port gets the project's default security group");
    const oneApi = (await api('GET', `/v2.0/ports/${one.id}`)).port;
    sameAsApi(one, oneApi, [...PORT_KEYS, 'fixed_ips', 'tags'], 'port create');

    const two = await json(['port', 'create', '--network', net.id, p2]);
    assert.match(two.mac_address, OSC_MAC_RE);
    assert.notEqual(two.mac_address, one.mac_address);
    assert.equal(two.fixed_ips.length, 1, 'Neutron gives a port one address from one IPv4 subnet');
    const ip2 = two.fixed_ips[0];
    assert.ok([sa.id, sb.id].includes(ip2.subnet_id), JSON.stringify(two.fixed_ips));
    assert.notEqual(ip2.ip_address, '10.63.0.10');
    assert.match(ip2.ip_address, /^10\.6[34]\.0\.\d+$/);
    sameAsApi(two, (await api('GET', `/v2.0/ports/${two.id}`)).port, [...PORT_KEYS, 'fixed_ips'], 'port create (automatic address)');

    // error path: the address is taken; the CLI prints Neutron's 409 message and exits non-zero
    const err = await fails(['port', 'create', '--network', net.id, '--fixed-ip', `subnet=${sa.id},ip-address=10.63.0.10`, p3]);
    assert.match(err, /ConflictException: 409/);
    assert.ok(err.includes(`IP address 10.63.0.10 already allocated in subnet ${sa.id}`), err);
    assert.deepEqual((await api('GET', `/v2.0/ports?name=${p3}`)).ports, [], 'the failed create left no port behind');

    const all: Json[] = await json(['port', 'list']);
    assert.deepEqual(ids(all, 'ID'), ids((await api('GET', '/v2.0/ports')).ports));
    assert.deepEqual(
      all.find((r) => r.ID === one.id),
      {
        ID: one.id,
        Name: p1,
        'MAC Address': 'fa:16:3e:0a:0b:01',
        'Fixed IP Addresses': [{ subnet_id: sa.id, ip_address: '10.63.0.10' }],
        Status: 'DOWN',
      },
    );
    assert.ok(all.some((r) => r.ID === otherPort.id));

    const onNet: Json[] = await json(['port', 'list', '--network', net.name]);
    assert.deepEqual(ids(onNet, 'ID'), sorted([one.id, two.id]), "port list --network shows only that network's ports");
    assert.deepEqual(ids(onNet, 'ID'), ids((await api('GET', `/v2.0/ports?network_id=${net.id}`)).ports));

    const shown = await json(['port', 'show', p1]);
    sameAsApi(shown, (await api('GET', `/v2.0/ports/${one.id}`)).port, [...PORT_KEYS, 'fixed_ips', 'tags'], 'port show');

    // `port set --fixed-ip` adds to the current addresses
    await ok(['port', 'set', '--name', `${p1}-b`, '--fixed-ip', `subnet=${sb.name},ip-address=10.64.0.20`, p1]);
    let after1 = await json(['port', 'show', `${p1}-b`]);
    assert.equal(after1.id, one.id);
    assert.equal(after1.name, `${p1}-b`);
    assert.deepEqual([...after1.fixed_ips].sort(byIp), [
      { subnet_id: sa.id, ip_address: '10.63.0.10' },
      { subnet_id: sb.id, ip_address: '10.64.0.20' },
    ]);
    assert.equal(after1.mac_address, 'fa:16:3e:0a:0b:01');
    let fromApi = (await api('GET', `/v2.0/ports/${one.id}`)).port;
    sameAsApi(after1, fromApi, PORT_KEYS, 'port show after set');
    assert.deepEqual([...after1.fixed_ips].sort(byIp), [...fromApi.fixed_ips].sort(byIp));

    await ok(['port', 'unset', '--fixed-ip', `subnet=${sa.name},ip-address=10.63.0.10`, `${p1}-b`]);
    after1 = await json(['port', 'show', one.id]);
    assert.deepEqual(after1.fixed_ips, [{ subnet_id: sb.id, ip_address: '10.64.0.20' }]);
    fromApi = (await api('GET', `/v2.0/ports/${one.id}`)).port;
    sameAsApi(after1, fromApi, [...PORT_KEYS, 'fixed_ips'], 'port show after unset');
    // the address the CLI removed is free again
    const reuse = (await api('POST', '/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ subnet_id: sa.id, ip_address: '10.63.0.10' }] } })).port;
    assert.deepEqual(reuse.fixed_ips, [{ subnet_id: sa.id, ip_address: '10.63.0.10' }]);

    // error path: a network with ports can not be deleted (409 NetworkInUse); the CLI says so
    const inUse = await fails(['network', 'delete', net.name]);
    assert.match(inUse, /ConflictException: 409/);
    assert.ok(inUse.includes(`Unable to complete operation on network ${net.id}`), inUse);
    assert.match(inUse, /1 of 1 networks failed to delete/);
    assert.equal(await apiStatus('GET', `/v2.0/networks/${net.id}`), 200);

    await ok(['port', 'delete', `${p1}-b`, p2]);
    assert.equal(await apiStatus('GET', `/v2.0/ports/${one.id}`), 404);
    assert.equal(await apiStatus('GET', `/v2.0/ports/${two.id}`), 404);
    assert.equal(await apiStatus('GET', `/v2.0/ports/${otherPort.id}`), 200);
  });

  // ---- security groups ------------------------------------------------------------------------

  it('security group create / list / show / set / delete and rule create / list / show / delete', async () => {
    const sg = `${pfx}-sg`;
    const created = await json(['security', 'group', 'create', '--description', 'web servers', sg]);
    assert.match(created.id, UUID_RE);
    assert.equal(created.name, sg);
    assert.equal(created.description, 'web servers');
    assert.equal(created.project_id, project);
    assert.equal(created.stateful, true);
    // a new group allows all egress, IPv4 and IPv6, and nothing else
    assert.equal(created.rules.length, 2, JSON.stringify(created.rules));
    assert.deepEqual(sorted(created.rules.map((r: Json) => `${r.direction}/${r.ethertype}/${r.protocol}/${r.remote_ip_prefix}/${r.remote_group_id}`)), [
      'egress/IPv4/null/null/null',
      'egress/IPv6/null/null/null',
    ]);
    const id: string = created.id;
    let fromApi = (await api('GET', `/v2.0/security-groups/${id}`)).security_group;
    sameAsApi(created, fromApi, SG_KEYS, 'security group create');
    assert.deepEqual(ids(created.rules), ids(fromApi.security_group_rules));

    const listed: Json[] = await json(['security', 'group', 'list']);
    const apiGroups: Json[] = (await api('GET', '/v2.0/security-groups')).security_groups;
    assert.deepEqual(ids(listed, 'ID'), ids(apiGroups));
    assert.deepEqual(
      listed.find((r) => r.ID === id),
      { ID: id, Name: sg, Description: 'web servers', Project: project, Tags: [] },
    );
    const def = listed.find((r) => r.Name === 'default' && r.Project === project);
    assert.ok(def, `the project's default group is listed: ${JSON.stringify(listed)}`);
    assert.equal(def.Description, 'Default security group');

    await ok(['security', 'group', 'set', '--name', `${sg}-b`, '--description', 'ssh only', sg]);
    const shown = await json(['security', 'group', 'show', `${sg}-b`]);
    assert.equal(shown.id, id);
    assert.equal(shown.name, `${sg}-b`);
    assert.equal(shown.description, 'ssh only');
    fromApi = (await api('GET', `/v2.0/security-groups/${id}`)).security_group;
    sameAsApi(shown, fromApi, SG_KEYS, 'security group show');
    assert.deepEqual(ids(shown.rules), ids(fromApi.security_group_rules));

    const rule = await json(['security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '22', '--remote-ip', '0.0.0.0/0', `${sg}-b`]);
    assert.match(rule.id, UUID_RE);
    assert.equal(rule.security_group_id, id);
    assert.equal(rule.direction, 'ingress');
    assert.equal(rule.ether_type, 'IPv4');
    assert.equal(rule.protocol, 'tcp');
    assert.equal(rule.port_range_min, 22);
    assert.equal(rule.port_range_max, 22);
    assert.equal(rule.remote_ip_prefix, '0.0.0.0/0');
    assert.equal(rule.remote_group_id, null);
    assert.equal(rule.project_id, project);
    sameAsApi(rule, (await api('GET', `/v2.0/security-group-rules/${rule.id}`)).security_group_rule, RULE_KEYS, 'security group rule create');

    // error path: the same rule again is a 409 naming the existing rule
    const err = await fails(['security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '22', '--remote-ip', '0.0.0.0/0', id]);
    assert.match(err, /ConflictException: 409/);
    assert.ok(err.includes(`Security group rule already exists. Rule id is ${rule.id}.`), err);

    const rules: Json[] = await json(['security', 'group', 'rule', 'list', `${sg}-b`]);
    assert.deepEqual(ids(rules, 'ID'), ids((await api('GET', `/v2.0/security-group-rules?security_group_id=${id}`)).security_group_rules));
    assert.equal(rules.length, 3);
    const row = rules.find((r) => r.ID === rule.id);
    assert.ok(row, JSON.stringify(rules));
    assert.equal(row['IP Protocol'], 'tcp');
    assert.equal(row.Ethertype, 'IPv4');
    assert.equal(row['IP Range'], '0.0.0.0/0');
    assert.equal(row['Port Range'], '22:22');
    assert.equal(row.Direction, 'ingress');
    assert.equal(row['Remote Security Group'], null);

    const ruleShown = await json(['security', 'group', 'rule', 'show', rule.id]);
    sameAsApi(ruleShown, (await api('GET', `/v2.0/security-group-rules/${rule.id}`)).security_group_rule, RULE_KEYS, 'security group rule show');

    await ok(['security', 'group', 'rule', 'delete', rule.id]);
    assert.equal(await apiStatus('GET', `/v2.0/security-group-rules/${rule.id}`), 404);
    assert.equal((await api('GET', `/v2.0/security-groups/${id}`)).security_group.security_group_rules.length, 2);

    await ok(['security', 'group', 'delete', `${sg}-b`]);
    assert.equal(await apiStatus('GET', `/v2.0/security-groups/${id}`), 404);
    assert.deepEqual((await api('GET', `/v2.0/security-group-rules?security_group_id=${id}`)).security_group_rules, []);
  });

  // ---- quotas ---------------------------------------------------------------------------------

  it('quota show --default prints the network quotas the server reports', async () => {
    // Why this invocation: in python-openstackclient 6.0 `openstack quota show` always asks the
    // compute (nova) and volume (cinder) APIs too, and only skips them when their endpoint
    // cannot be found (EndpointNotFound). With `--os-endpoint`, auth type "none" hands that one
    // endpoint to every service, so nova's `GET /os-quota-sets/...` reaches Neutrino, gets a
    // 404, and the command fails. So the CLI runs with a clouds.yaml cloud that only sets
    // `network_endpoint_override`: compute and volume then have no endpoint and are skipped.
    // A project must come from Keystone: `quota show <project>` looks the project up in the
    // identity API (there is none), and without a project the SDK refuses to GET
    // /v2.0/quotas/<None> ("Request requires an ID"). `--default` is the variant that works: it
    // asks GET /v2.0/quotas/None/default, whose answer does not depend on the project.
    const q = await json(['quota', 'show', '--default'], 'cloud');
    const defaults = (await api('GET', `/v2.0/quotas/${project}/default`)).quota;
    // the CLI's names for Neutron's quota resources
    const names: Record<string, string> = {
      network: 'networks',
      subnet: 'subnets',
      port: 'ports',
      router: 'routers',
      floatingip: 'floating-ips',
      security_group: 'secgroups',
      security_group_rule: 'secgroup-rules',
      rbac_policy: 'rbac_policies',
      subnetpool: 'subnet_pools',
    };
    for (const [resource, cliName] of Object.entries(names)) {
      assert.equal(q[cliName], defaults[resource], `quota ${resource} (CLI "${cliName}")`);
    }
    assert.equal(q.networks, 37);
    assert.equal(q.subnets, 41);
    assert.equal(q.ports, 53);
    assert.equal(q.secgroups, 13);
    assert.equal(q['secgroup-rules'], 117);
    assert.equal(q.routers, 7);
    assert.equal(q['floating-ips'], 23);
    assert.equal(q.rbac_policies, 9);
    assert.equal(q.subnet_pools, -1);
  });
  // ---- ML2: provider networks, agents, binding -----------------------------------------------

  it('network create --provider-*, network agent list, port create --host (ML2 and agents)', async () => {
    // a real L2 agent (its kernel side in memory) on compute1, talking to the server over its bus
    const dp = new FakeDataplane('Open vSwitch agent', 'neutrino-openvswitch-agent', { bridge_mappings: { physnet1: 'br-eth1' }, tunnel_types: [] });
    const agent = new L2Agent({ bus: s.bus, log: pino({ level: 'silent' }), host: `${pfx}-compute1`, reportInterval: 0, dataplane: dp });
    await agent.start();
    try {
      const net = await json(['network', 'create', '--provider-network-type', 'vlan', '--provider-physical-network', 'physnet1', '--provider-segment', '120', `${pfx}-vlan`]);
      assert.equal(net['provider:network_type'], 'vlan');
      assert.equal(net['provider:physical_network'], 'physnet1');
      assert.equal(net['provider:segmentation_id'], 120);
      const taken = await fails(['network', 'create', '--provider-network-type', 'vlan', '--provider-physical-network', 'physnet1', '--provider-segment', '120', `${pfx}-vlan2`]);
      assert.match(taken, /VLAN 120 on physical network physnet1/);
      const agents: Json[] = await json(['network', 'agent', 'list']);
      const mine = agents.find((a) => a.Host === `${pfx}-compute1`);
      assert.ok(mine, JSON.stringify(agents));
      assert.equal(mine['Agent Type'], 'Open vSwitch agent');
      assert.equal(mine.Alive, true);
      assert.equal(mine.State, true);
      assert.equal(mine.Binary, 'neutrino-openvswitch-agent');
      await ok(['subnet', 'create', '--network', net.id, '--subnet-range', '10.120.0.0/24', `${pfx}-vlan-sub`]);
      const port = await json(['port', 'create', '--network', net.id, '--host', `${pfx}-compute1`, `${pfx}-bound`]);
      assert.equal(port.binding_host_id, `${pfx}-compute1`);
      assert.equal(port.binding_vif_type, 'ovs');
      const fromApi = (await api('GET', `/v2.0/ports/${port.id}`)).port;
      assert.equal(fromApi['binding:vif_type'], 'ovs');
      await ok(['port', 'delete', port.id]);
      await ok(['network', 'delete', net.id]);
    } finally {
      await agent.stop();
    }
  });

  // ---- L3: routers, floating IPs, the L3 agent ------------------------------------------------

  it('router create/set --external-gateway/add subnet/add route/show/remove subnet/delete, floating ip create/set --port/unset --port, network agent list (L3)', async () => {
    // an L3 agent and an L2 agent on one network host, registered as real agents do (report_state)
    const host = `${pfx}-network1`;
    const report = (agentType: string, binary: string, topic: string) =>
      s.bus.call(REPORTS, 'report_state', { agent_state: { agent_state: { agent_type: agentType, binary, host, topic, configurations: {}, start_flag: true } }, time: new Date().toISOString() });
    await report('Linux bridge agent', 'neutrino-linuxbridge-agent', 'N/A');
    await report('L3 agent', 'neutrino-l3-agent', 'l3_agent');
    const agents: Json[] = await json(['network', 'agent', 'list']);
    const l3 = agents.find((a) => a.Host === host && a['Agent Type'] === 'L3 agent');
    assert.ok(l3, JSON.stringify(agents));
    assert.equal(l3.Alive, true);
    assert.equal(l3.Binary, 'neutrino-l3-agent');

    const ext = await json(['network', 'create', '--external', `${pfx}-ext`]);
    assert.equal(ext['router:external'], true);
    await ok(['subnet', 'create', '--network', ext.id, '--subnet-range', '203.0.113.0/24', '--no-dhcp', `${pfx}-ext-sub`]);
    const int = await json(['network', 'create', `${pfx}-int`]);
    const intSub = await json(['subnet', 'create', '--network', int.id, '--subnet-range', '10.77.0.0/24', `${pfx}-int-sub`]);

    const created = await json(['router', 'create', `${pfx}-r1`]);
    assert.match(created.id, UUID_RE);
    assert.equal(created.external_gateway_info, null);
    await ok(['router', 'set', '--external-gateway', `${pfx}-ext`, `${pfx}-r1`]);
    await ok(['router', 'add', 'subnet', `${pfx}-r1`, `${pfx}-int-sub`]);
    const r = await json(['router', 'show', `${pfx}-r1`]);
    const fromApi = (await api('GET', `/v2.0/routers/${created.id}`)).router;
    sameAsApi(r, fromApi, ['id', 'name', 'project_id', 'status', 'external_gateway_info', 'routes', 'revision_number'], 'router show');
    assert.equal(r.external_gateway_info.network_id, ext.id);
    assert.equal(r.external_gateway_info.enable_snat, true);
    assert.deepEqual(
      r.interfaces_info.map((i: Json) => [i.subnet_id, i.ip_address]),
      [[intSub.id, '10.77.0.1']],
    );
    // scheduled to the L3 agent, which the CLI shows both ways
    const hosting: Json[] = await json(['network', 'agent', 'list', '--router', `${pfx}-r1`]);
    assert.deepEqual(
      hosting.map((a) => a.Host),
      [host],
    );
    const onAgent: Json[] = await json(['router', 'list', '--agent', l3.ID]);
    assert.ok(
      onAgent.some((x) => x.ID === created.id),
      JSON.stringify(onAgent),
    );
    await ok(['network', 'agent', 'remove', 'router', '--l3', l3.ID, `${pfx}-r1`]);
    assert.deepEqual(await json(['network', 'agent', 'list', '--router', `${pfx}-r1`]), []);
    await ok(['network', 'agent', 'add', 'router', '--l3', l3.ID, `${pfx}-r1`]);
    assert.deepEqual(
      (await json(['network', 'agent', 'list', '--router', `${pfx}-r1`])).map((a: Json) => a.Host),
      [host],
    );

    // extra routes: set, and the atomic add/remove (extraroute-atomic)
    await ok(['router', 'set', '--route', 'destination=192.168.50.0/24,gateway=10.77.0.50', `${pfx}-r1`]);
    await ok(['router', 'add', 'route', '--route', 'destination=192.168.51.0/24,gateway=10.77.0.51', `${pfx}-r1`]);
    assert.deepEqual((await api('GET', `/v2.0/routers/${created.id}`)).router.routes, [
      { destination: '192.168.50.0/24', nexthop: '10.77.0.50' },
      { destination: '192.168.51.0/24', nexthop: '10.77.0.51' },
    ]);
    assert.match(await fails(['router', 'add', 'route', '--route', 'destination=192.168.52.0/24,gateway=172.31.0.1', `${pfx}-r1`]), /not connected with router/);
    await ok(['router', 'remove', 'route', '--route', 'destination=192.168.51.0/24,gateway=10.77.0.51', `${pfx}-r1`]);
    await ok(['router', 'unset', '--route', 'destination=192.168.50.0/24,gateway=10.77.0.50', `${pfx}-r1`]);
    assert.deepEqual((await api('GET', `/v2.0/routers/${created.id}`)).router.routes, []);

    const vm = await json(['port', 'create', '--network', int.id, '--device-owner', 'compute:nova', `${pfx}-vm`]);
    const fip = await json(['floating', 'ip', 'create', `${pfx}-ext`]);
    assert.match(fip.floating_ip_address, /^203\.0\.113\./);
    assert.equal(fip.status, 'DOWN');
    assert.equal(fip.port_id, null);
    await ok(['floating', 'ip', 'set', '--port', `${pfx}-vm`, fip.id]);
    const assoc = await json(['floating', 'ip', 'show', fip.id]);
    assert.equal(assoc.port_id, vm.id);
    assert.equal(assoc.router_id, created.id);
    assert.equal(assoc.fixed_ip_address, vm.fixed_ips[0].ip_address);
    const removeBusy = await fails(['router', 'remove', 'subnet', `${pfx}-r1`, `${pfx}-int-sub`]);
    assert.match(removeBusy, /required by one or more floating IPs|floating IPs need it/);
    await ok(['floating', 'ip', 'unset', '--port', fip.id]);
    const unset = (await api('GET', `/v2.0/floatingips/${fip.id}`)).floatingip;
    assert.equal(unset.port_id, null);
    assert.equal(unset.router_id, null);
    await ok(['floating', 'ip', 'delete', fip.id]);

    await ok(['router', 'remove', 'subnet', `${pfx}-r1`, `${pfx}-int-sub`]);
    assert.deepEqual((await json(['router', 'show', `${pfx}-r1`])).interfaces_info, []);
    await ok(['router', 'unset', '--external-gateway', `${pfx}-r1`]);
    await ok(['router', 'delete', `${pfx}-r1`]);
    assert.equal(await apiStatus('GET', `/v2.0/routers/${created.id}`), 404);
    await ok(['port', 'delete', vm.id]);
    await ok(['network', 'delete', int.id, ext.id]);
  });
});
