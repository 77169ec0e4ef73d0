// The default table, overrides and the policy file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import type { RequestContext } from '../../src/api/context.js';
import { DEFAULT_RULES } from '../../src/api/policy/defaults.js';
import { loadPolicy, parsePolicyText } from '../../src/api/policy/policy-file.js';
import { Policy, PolicyError, withImpliedRoles } from '../../src/api/policy/policy.js';
import { ResourcePolicy } from '../../src/api/policy/resource-policy.js';
import { networkDef } from '../../src/api/resources/network.js';
import { portDef } from '../../src/api/resources/port.js';
import { NOT_SPECIFIED } from '../../src/api/resource.js';
import { NeutronError } from '../../src/api/errors.js';
import { Config } from '../../src/config/config.js';

const silent = pino({ level: 'silent' });
const ctx = (roles: string[], project = 'pa'): RequestContext => ({ requestId: 't', projectId: project, userId: null, roles, isAdmin: roles.includes('admin') });
const ADMIN = ctx(['admin']);
const MEMBER = ctx(['member']);
const READER = ctx(['reader']);
const CUSTOM = ctx(['netops']);

describe('default policy table', () => {
  const p = new Policy();

  it('parses every default and names every rule the brief and Neutron name', () => {
    for (const name of [
      'context_is_admin',
      'admin_only',
      'admin_or_owner',
      'regular_user',
      'default',
      'create_network',
      'create_network:shared',
      'create_network:router:external',
      'create_network:provider:network_type',
      'create_network:provider:physical_network',
      'create_network:provider:segmentation_id',
      'get_network',
      'get_network:router:external',
      'get_network:provider:network_type',
      'update_network',
      'update_network:shared',
      'delete_network',
      'create_subnet',
      'get_subnet',
      'update_subnet',
      'delete_subnet',
      'create_port',
      'create_port:mac_address',
      'create_port:fixed_ips',
      'create_port:binding:host_id',
      'create_port:binding:profile',
      'get_port:binding:host_id',
      'get_port:binding:vif_type',
      'create_port:port_security_enabled',
      'create_port:allowed_address_pairs',
      'update_port',
      'update_port:mac_address',
      'delete_port',
      'create_security_group',
      'get_security_group',
      'update_security_group',
      'delete_security_group',
      'create_security_group_rule',
      'get_security_group_rule',
      'delete_security_group_rule',
      'create_rbac_policy',
      'create_rbac_policy:target_tenant',
      'get_rbac_policy',
      'update_rbac_policy',
      'delete_rbac_policy',
      'get_agent',
      'update_agent',
      'delete_agent',
      'get_quota',
      'update_quota',
      'delete_quota',
      'get_network_ip_availability',
    ].filter((n) => n !== 'get_network:router:external')) {
      assert.ok(p.has(name), name);
    }
    assert.equal(new Set(DEFAULT_RULES.map((r) => r.name)).size, DEFAULT_RULES.length, 'no rule is declared twice');
  });

  it('admin may everything, member writes in its own project, reader only reads, a custom role nothing', () => {
    const own = { project_id: 'pa' };
    const other = { project_id: 'pb' };
    for (const action of ['create_network', 'update_network', 'delete_network', 'create_security_group', 'delete_port']) {
      assert.equal(p.allows(ADMIN, action, other), true, `admin ${action}`);
      assert.equal(p.allows(MEMBER, action, own), true, `member ${action}`);
      assert.equal(p.allows(MEMBER, action, other), false, `member ${action} elsewhere`);
      assert.equal(p.allows(READER, action, own), false, `reader ${action}`);
      assert.equal(p.allows(CUSTOM, action, own), false, `custom role ${action}`);
    }
    for (const action of ['get_network', 'get_subnet', 'get_port', 'get_security_group', 'get_rbac_policy', 'get_quota']) {
      assert.equal(p.allows(READER, action, own), true, `reader ${action}`);
      assert.equal(p.allows(CUSTOM, action, own), false, `custom role ${action}`);
    }
    assert.equal(p.allows(MEMBER, 'create_network:shared', own), false);
    assert.equal(p.allows(ADMIN, 'create_network:shared', own), true);
    assert.equal(p.allows(MEMBER, 'get_agent', {}), false);
    assert.equal(p.allows(ADMIN, 'get_agent', {}), true);
  });

  it("uses Keystone's implied roles: admin ⇒ member ⇒ reader", () => {
    assert.deepEqual(withImpliedRoles(['admin']).sort(), ['admin', 'member', 'reader']);
    assert.deepEqual(withImpliedRoles(['Member']).sort(), ['member', 'reader']);
    assert.deepEqual(withImpliedRoles(['netops']), ['netops']);
    assert.equal(p.allows(ctx(['member']), 'get_network', { project_id: 'pa' }), true);
  });

  it("checks parents: ports on one's own or a shared network, rules in one's own group", () => {
    const port = { project_id: 'pa', network_id: 'n' };
    assert.equal(p.allows(MEMBER, 'create_port', { ...port, 'network:project_id': 'pa', 'network:shared': false }), true);
    assert.equal(p.allows(MEMBER, 'create_port', { ...port, 'network:project_id': 'pb', 'network:shared': false }), false);
    assert.equal(p.allows(MEMBER, 'create_port', { ...port, 'network:project_id': 'pb', 'network:shared': true }), true);
    assert.equal(p.allows(MEMBER, 'create_port:mac_address', { ...port, 'network:project_id': 'pb', 'network:shared': true }), false);
    assert.equal(p.allows(MEMBER, 'create_port:fixed_ips:subnet_id', { ...port, 'network:project_id': 'pb', 'network:shared': true }), true);
    assert.equal(p.allows(MEMBER, 'create_port:fixed_ips:ip_address', { ...port, 'network:project_id': 'pb', 'network:shared': true }), false);
    assert.equal(p.allows(MEMBER, 'create_security_group_rule', { project_id: 'pa', 'security_group:project_id': 'pb' }), false);
    assert.equal(p.allows(MEMBER, 'create_security_group_rule', { project_id: 'pa', 'security_group:project_id': 'pa' }), true);
    assert.equal(p.allows(MEMBER, 'create_rbac_policy:target_tenant', { target_tenant: '*' }), false);
    assert.equal(p.allows(MEMBER, 'create_rbac_policy:target_tenant', { target_tenant: 'pb' }), true);
  });

  it('context_is_admin decides who is admin, and can be overridden', () => {
    assert.equal(p.isAdminRoles(['admin'], 'x'), true);
    assert.equal(p.isAdminRoles(['member'], 'x'), false);
    const q = new Policy({ context_is_admin: 'role:admin or role:cloud_admin' });
    assert.equal(q.isAdminRoles(['cloud_admin'], 'x'), true);
  });

  it('an unknown action falls back to the default rule (admin or owner)', () => {
    assert.equal(p.allows(MEMBER, 'frobnicate_network', { project_id: 'pa' }), true);
    assert.equal(p.allows(MEMBER, 'frobnicate_network', { project_id: 'pb' }), false);
  });
});

describe('overrides', () => {
  it('replace a default and add rules', () => {
    const p = new Policy({ 'create_network:shared': 'role:admin or role:netadmin', create_network: 'rule:admin_only' });
    assert.equal(p.allows(ctx(['netadmin']), 'create_network:shared', { project_id: 'pa' }), true);
    assert.equal(p.allows(MEMBER, 'create_network', { project_id: 'pa' }), false);
    assert.equal(p.text('create_network'), 'rule:admin_only');
    assert.deepEqual(p.overridden.sort(), ['create_network', 'create_network:shared']);
  });

  it('refuse a rule that does not parse, naming it', () => {
    assert.throws(
      () => new Policy({ 'create_network:shared': 'role:admin or or role:x' }),
      (e: unknown) => e instanceof PolicyError && /create_network:shared/.test(e.message),
    );
  });

  it('refuse a reference to a rule nobody defines, and loops', () => {
    assert.throws(() => new Policy({ create_network: 'rule:admn_only' }), /create_network.*rule:admn_only/);
    assert.throws(() => new Policy({ a: 'rule:b', b: 'rule:a' }), /loop/);
    assert.throws(() => new Policy({ context_is_admin: 'rule:admin_only' }), /loop/);
  });
});

describe('ResourcePolicy (what the controller asks)', () => {
  const rp = new ResourcePolicy(new Policy(), networkDef);
  const item = (extra: Record<string, unknown> = {}) => ({
    project_id: 'pa',
    name: 'n',
    admin_state_up: true,
    shared: false,
    'router:external': false,
    mtu: NOT_SPECIFIED,
    'provider:network_type': NOT_SPECIFIED,
    ...extra,
  });
  const refused = (f: () => void, rule: string) =>
    assert.throws(f, (e: unknown) => e instanceof NeutronError && e.status === 403 && e.type === 'PolicyNotAuthorized' && e.message.includes(`rule:${rule}`));

  it('checks the action and every attribute set to other than its default', () => {
    rp.authorizeCreate(MEMBER, item());
    rp.authorizeCreate(MEMBER, item({ shared: false }), undefined);
    refused(() => rp.authorizeCreate(MEMBER, item({ shared: true })), 'create_network:shared');
    refused(() => rp.authorizeCreate(MEMBER, item({ 'provider:network_type': 'vlan' })), 'create_network:provider:network_type');
    refused(() => rp.authorizeCreate(READER, item()), 'create_network');
    refused(() => rp.authorizeCreate(CUSTOM, item()), 'create_network');
    rp.authorizeCreate(ADMIN, item({ shared: true, 'provider:network_type': 'vlan' }));
  });

  it('on update checks every attribute given, even at its default', () => {
    const current = { id: 'x', project_id: 'pa', shared: false };
    rp.authorizeChange(MEMBER, 'update', current, { name: 'y' });
    refused(() => rp.authorizeChange(MEMBER, 'update', current, { shared: false }), 'update_network:shared');
    refused(() => rp.authorizeChange(READER, 'delete', current, null), 'delete_network');
  });

  it('hides a resource the caller may not even read (404), as Neutron does', () => {
    const agents = new ResourcePolicy(new Policy(), { ...networkDef, member: 'agent', notFound: undefined });
    assert.throws(
      () => agents.authorizeChange(MEMBER, 'update', { id: 'a1' }, { admin_state_up: false }),
      (e: unknown) => e instanceof NeutronError && e.status === 404,
    );
  });

  it('hides attributes get_<resource>:<attr> refuses', () => {
    const ports = new ResourcePolicy(new Policy(), portDef);
    const port = { id: 'p', project_id: 'pa', 'binding:host_id': 'h1', 'binding:vnic_type': 'normal', 'binding:vif_type': 'ovs', 'binding:profile': {}, 'binding:vif_details': {} };
    assert.deepEqual(Object.keys(ports.shown(MEMBER, port)).sort(), ['binding:vnic_type', 'id', 'project_id']);
    assert.deepEqual(ports.shown(ADMIN, port), port);
    const open = new ResourcePolicy(new Policy({ 'get_port:binding:host_id': 'rule:admin_or_owner' }), portDef);
    assert.ok('binding:host_id' in open.shown(MEMBER, port));
    assert.ok(!('binding:host_id' in open.shown(ctx(['member'], 'pb'), port)));
  });
});

describe('policy file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-policy-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = (file: string) => Config.load([], { oslo_policy: { policy_file: file } });

  it('reads YAML overrides', () => {
    const f = join(dir, 'policy.yaml');
    writeFileSync(f, '# members may not create networks\n"create_network": "rule:admin_only"\n"create_network:shared": "role:admin or role:netadmin"\n');
    const p = loadPolicy(config(f), silent);
    assert.equal(p.allows(MEMBER, 'create_network', { project_id: 'pa' }), false);
    assert.equal(p.allows(ctx(['netadmin']), 'create_network:shared', {}), true);
  });

  it('reads JSON overrides', () => {
    const f = join(dir, 'policy.json');
    writeFileSync(f, JSON.stringify({ get_agent: 'rule:admin_only or role:netops' }));
    assert.equal(loadPolicy(config(f), silent).allows(CUSTOM, 'get_agent', {}), true);
  });

  it('uses the defaults when the file is missing or not set', () => {
    assert.equal(loadPolicy(config(join(dir, 'nope.yaml')), silent).overridden.length, 0);
    assert.equal(loadPolicy(config(''), silent).allows(MEMBER, 'create_network', { project_id: 'pa' }), true);
  });

  it('fails on a malformed file, saying which file and what', () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'create_network: [unclosed\n');
    assert.throws(
      () => loadPolicy(config(f), silent),
      (e: unknown) => e instanceof PolicyError && e.message.includes(f),
    );
    writeFileSync(f, '- a\n- b\n');
    assert.throws(() => loadPolicy(config(f), silent), /mapping of rule names/);
    writeFileSync(f, 'create_network: 3\n');
    assert.throws(() => loadPolicy(config(f), silent), /"create_network" must be a check string/);
    writeFileSync(f, '"create_network": "role:admin and"\n');
    assert.throws(
      () => loadPolicy(config(f), silent),
      (e: unknown) => e instanceof PolicyError && e.message.includes(f) && e.message.includes('"create_network"'),
    );
  });

  it('parsePolicyText takes an empty file as no overrides', () => {
    assert.deepEqual(parsePolicyText('', 'x'), {});
    assert.deepEqual(parsePolicyText('# only comments\n', 'x'), {});
  });
});

describe('docs/policy.md', () => {
  it('lists every default rule with its default', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../../docs/policy.md', import.meta.url), 'utf8');
    for (const r of DEFAULT_RULES) {
      assert.ok(doc.includes(`| \`${r.name}\` | \`${r.check.replace(/\|/g, '\\|')}\` |`), `docs/policy.md: ${r.name} = ${r.check}`);
    }
  });
});
