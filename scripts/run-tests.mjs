#!/usr/bin/env node
// Runs every test tier this machine can run, and says which it skipped and why.
// Under CI (CI=true) a tier that cannot run is a failure, not a skip.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist', 'test');
const ci = process.env.CI === 'true';
// built by `tsc` just before this script runs
const { pgProblem } = await import(join(dist, 'helpers', 'postgres.js'));

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
  return r.status === 0 ? null : 'the openstack CLI is not installed (apt-get install python3-openstackclient)';
}

const tiers = [
  { name: 'unit', dir: 'unit', problem: async () => null },
  { name: 'api (SQLite)', dir: 'api', problem: async () => null },
  { name: 'integration (PostgreSQL)', dir: 'integration', problem: () => pgProblem() },
  { name: 'clients (openstack CLI)', dir: 'clients', problem: async () => openstackProblem() },
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
