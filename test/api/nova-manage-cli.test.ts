// `neutrino-manage` as a child process on a SQLite file: what an operator types, what is printed,
// the exit status of a refusal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI } from '../helpers/cli-process.js';

const MANAGE = new URL('../../src/cli/manage.js', import.meta.url).pathname;

describe('neutrino-manage (child process, SQLite)', () => {
  let dir: string;
  let conf: string;
  const run = (bin: string, ...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, out: r.stdout, err: r.stderr };
  };
  const manage = (...args: string[]) => run(MANAGE, '--config-file', conf, ...args);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nv-manage-'));
    conf = join(dir, 'neutrino.conf');
    writeFileSync(
      conf,
      `[DEFAULT]\nstate_path = ${dir}\nnetwork_manager = nova.network.manager.FlatDHCPManager\nflat_network_bridge = br100\n[database]\nconnection = sqlite:///${join(dir, 'n.db')}\n[ml2_type_vlan]\nnetwork_vlan_ranges = eth1\n`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('asks for the migrations first', () => {
    const r = manage('network', 'list');
    assert.equal(r.status, 1);
    assert.match(r.err, /lacks migration\(s\) 0001_core.*run neutrino db upgrade/);
    assert.equal(run(CLI, 'db', 'upgrade', '--config-file', conf).status, 0);
  });

  it('network create takes the mode and bridge from the configuration, prints progress and the network', () => {
    const r = manage('network', 'create', '--label', 'private', '--fixed_range_v4', '10.0.0.0/27', '--network_size', '32', '--bridge_interface', 'eth1', '--dns1', '192.0.2.53');
    assert.equal(r.status, 0, r.err);
    assert.match(r.err, /… wrote 1 network\(s\)/);
    assert.match(r.out, /private\s+flatdhcp\s+10\.0\.0\.0\/27\s+10\.0\.0\.1\s+10\.0\.0\.2\s+192\.0\.2\.53\s+-\s+-\s+br100\s+eth1\s+F/);
  });

  it('a VLAN pool from the command line, listed in address order', () => {
    const r = manage(
      'network',
      'create',
      '--network_manager',
      'vlan',
      '--label',
      'pool',
      '--fixed_range_v4',
      '10.1.0.0/24',
      '--num_networks',
      '2',
      '--network_size',
      '128',
      '--vlan_start',
      '200',
      '--bridge_interface',
      'eth1',
      '--multi_host',
      'T',
    );
    assert.equal(r.status, 0, r.err);
    const list = manage('network', 'list');
    assert.equal(list.status, 0, list.err);
    const lines = list.out.trim().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[2], /pool_0\s+vlan\s+10\.1\.0\.0\/25 .* 200\s+br200\s+eth1\s+T\s+-$/);
    assert.match(lines[3], /pool_1\s+vlan\s+10\.1\.0\.128\/25 .* 201\s+br201\s+eth1\s+T\s+-$/);
  });

  it('a refusal exits 1 naming the option and the error type; a bad boolean or number is refused before any work', () => {
    const r = manage('network', 'create', '--label', 'x', '--fixed_range_v4', '10.1.0.0/24', '--network_manager', 'vlan', '--vlan_start', '300', '--bridge_interface', 'eth1', '--num_networks', '1');
    assert.equal(r.status, 1);
    assert.match(r.err, /neutrino-manage: CidrConflict: the requested range 10\.1\.0\.0\/24 overlaps 10\.1\.0\.0\/25/);
    assert.match(manage('network', 'create', '--label', 'x', '--fixed_range_v4', '10.2.0.0/24', '--multi_host', 'maybe').err, /--multi_host: 'maybe' is not a boolean/);
    assert.match(manage('network', 'create', '--label', 'x', '--fixed_range_v4', '10.2.0.0/24', '--network_size', 'big').err, /--network_size: 'big' is not a whole number/);
    assert.match(manage('network', 'create', '--label', 'x', '--fixed_range_v4', '10.2.0.0/24', '--network_manager', 'hub').err, /--network_manager = hub: unknown network manager/);
    assert.match(manage('network', 'modify', '10.1.0.0/25').err, /give exactly one of --project P and --disassociate-project/);
  });

  it('modify, reserve, floating create/list/delete and network delete', () => {
    assert.match(manage('network', 'modify', '10.1.0.0/25', '--project', 'p1').out, /network 10\.1\.0\.0\/25 belongs to project p1/);
    assert.match(manage('network', 'delete', '10.1.0.0/25').err, /belongs to project p1: disassociate it first/);
    assert.match(manage('network', 'modify', '10.1.0.0/25', '--disassociate-project').out, /belongs to no project/);
    assert.match(manage('network', 'delete', '--fixed_range', '10.1.0.0/25').out, /deleted network 10\.1\.0\.0\/25 \(pool_0, /);
    assert.match(manage('fixed', 'reserve', '--address', '10.0.0.7').out, /reserved 10\.0\.0\.7 \(port /);
    assert.match(manage('fixed', 'unreserve', '--address', '10.0.0.7').out, /unreserved 10\.0\.0\.7/);
    assert.match(manage('floating', 'create', '--ip_range', '172.24.4.0/29', '--pool', 'public', '--interface', 'eth3').out, /pool public: added 172\.24\.4\.0\/29 \(6 addresses\) on eth3/);
    const list = manage('floating', 'list').out.trim().split('\n');
    assert.equal(list.length, 7);
    assert.match(list[1], /^-\s+172\.24\.4\.1\s+-\s+public\s+eth3$/);
    assert.match(manage('floating', 'delete', '--ip_range', '172.24.4.0/29').out, /deleted 172\.24\.4\.0\/29 from pool public/);
  });

  it('--help shows examples', () => {
    assert.match(run(MANAGE, '--help').out, /Examples:\n {2}neutrino-manage/);
    assert.match(run(MANAGE, 'network', 'create', '--help').out, /--num_networks 1000/);
  });
});
