#!/usr/bin/env node
// Runs every test tier this machine can run, and says which it skipped and why.
// Under CI (CI=true) a tier that cannot run is a failure, not a skip.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist', 'test');
const ci = process.env.CI === 'true';
// built by `tsc` just before this script runs
const { pgProblem } = await import(join(dist, 'helpers', 'postgres.js'));
const { keystoneProblem } = await import(join(dist, 'helpers', 'keystone.js'));
const { browserProblem } = await import(join(dist, 'helpers', 'browser.js'));

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => join(dir, f))
    .sort();
}

function openstackProblem() {
  const r = spawnSync('openstack', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) return 'the openstack CLI is not installed (apt-get install python3-openstackclient)';
  const sdk = spawnSync('/usr/bin/python3', ['-c', 'import openstack'], { encoding: 'utf8' });
  if (sdk.status !== 0) return 'openstacksdk is not installed for /usr/bin/python3 (apt-get install python3-openstacksdk)';
  const fwaas = spawnSync('/usr/bin/python3', ['-c', 'import neutronclient.osc'], { encoding: 'utf8' });
  return fwaas.status === 0 ? null : "python-neutronclient's OSC plugin (openstack firewall group …) is not installed (apt-get install python3-neutronclient)";
}

// The integration tests use RabbitMQ too; a TCP connect says whether anything listens.
function rabbitProblem(host = '127.0.0.1', port = 5672) {
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: 3000 });
    const done = (problem) => {
      sock.destroy();
      resolve(problem);
    };
    sock.once('connect', () => done(null));
    sock.once('timeout', () => done(`RabbitMQ on ${host}:${port} does not answer (start it: rabbitmq-server -detached)`));
    sock.once('error', (e) => done(`RabbitMQ on ${host}:${port} is not reachable (${e.code ?? e.message}): start it with rabbitmq-server -detached`));
  });
}

// The dataplane tier changes the real kernel (namespaces, bridges, VXLAN, nftables).
function dataplaneProblem() {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, bridges, nftables)';
  for (const [cmd, pkg] of [
    ['ip', 'iproute2'],
    ['bridge', 'iproute2'],
    ['nft', 'nftables'],
    ['ping', 'iputils-ping'],
    ['conntrack', 'conntrack'],
    ['dnsmasq', 'dnsmasq-base'],
    ['dhcp_release', 'dnsmasq-utils'],
    ['busybox', 'busybox'],
    ['haproxy', 'haproxy'],
    ['radvd', 'radvd'],
    ['dhclient', 'isc-dhcp-client'],
    ['curl', 'curl'],
    ['ovs-vswitchd', 'openvswitch-switch'],
    ['ovsdb-server', 'openvswitch-switch'],
    ['ethtool', 'ethtool'],
  ]) {
    const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
    if (r.status !== 0) return `${cmd} is missing (apt-get install ${pkg})`;
  }
  const ns = `nprobe-tier-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'delete', ns]);
  return null;
}

const tiers = [
  { name: 'unit', dir: 'unit', problem: async () => null },
  { name: 'api (SQLite)', dir: 'api', problem: async () => null },
  { name: 'integration (PostgreSQL, RabbitMQ)', dir: 'integration', problem: async () => (await pgProblem()) ?? (await rabbitProblem()) },
  { name: 'clients (openstack CLI, openstacksdk)', dir: 'clients', problem: async () => openstackProblem() },
  { name: 'dataplane (root, kernel, RabbitMQ)', dir: 'dataplane', problem: async () => dataplaneProblem() ?? (await rabbitProblem()) },
  { name: 'keystone (scripts/keystone/setup.sh)', dir: 'keystone', problem: async () => (await keystoneProblem()) ?? openstackProblem() },
  // the dashboard in Chromium; its Keystone test needs the keystone tier's Keystone too
  { name: 'browser (Chromium, Keystone)', dir: 'browser', problem: async () => browserProblem() ?? (await keystoneProblem()) },
];

const run = [];
const skipped = [];
for (const t of tiers) {
  const problem = await t.problem();
  const list = files(join(dist, t.dir));
  if (problem) {
    skipped.push(`${t.name}: ${problem}`);
    continue;
  }
  if (list.length === 0) {
    skipped.push(`${t.name}: no test files`);
    continue;
  }
  run.push(...list);
}

for (const s of skipped) console.log(`SKIPPED tier ${s}`);
if (ci && skipped.length) {
  console.error('CI must run every tier: failing because tiers were skipped.');
  process.exit(1);
}
const args = ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...run];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env } });
for (const s of skipped) console.log(`SKIPPED tier ${s}`);
process.exit(r.status ?? 1);
