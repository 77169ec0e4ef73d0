// The oslo.policy check language: parsing and evaluation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, parseCheck, PolicySyntaxError, type Check, type Credentials } from '../../src/api/policy/check.js';

const creds = (roles: string[], project = 'p1', extra: Partial<Credentials> = {}): Credentials => ({
  roles,
  project_id: project,
  tenant_id: project,
  user_id: 'u1',
  is_admin: roles.includes('admin'),
  ...extra,
});

function allows(text: string, target: Record<string, unknown>, c: Credentials, rules: Record<string, string> = {}): boolean {
  const parsed = new Map(Object.entries(rules).map(([k, v]) => [k, parseCheck(v)] as [string, Check]));
  return evaluate(parseCheck(text), target, c, (n) => parsed.get(n));
}

describe('policy check language', () => {
  it('@, ! and the empty rule', () => {
    assert.equal(allows('@', {}, creds([])), true);
    assert.equal(allows('!', {}, creds(['admin'])), false);
    assert.equal(allows('', {}, creds([])), true);
    assert.equal(allows('   ', {}, creds([])), true);
  });

  it('role: matches case-insensitively, and only roles the caller has', () => {
    assert.equal(allows('role:admin', {}, creds(['admin'])), true);
    assert.equal(allows('role:Admin', {}, creds(['admin'])), true);
    assert.equal(allows('role:admin', {}, creds(['member'])), false);
    // a role named by the target
    assert.equal(allows('role:%(wanted)s', { wanted: 'member' }, creds(['member'])), true);
    assert.equal(allows('role:%(wanted)s', {}, creds(['member'])), false);
  });

  it('project_id:%(project_id)s and tenant_id:%(tenant_id)s compare credentials with the target', () => {
    assert.equal(allows('project_id:%(project_id)s', { project_id: 'p1' }, creds([])), true);
    assert.equal(allows('project_id:%(project_id)s', { project_id: 'p2' }, creds([])), false);
    assert.equal(allows('project_id:%(project_id)s', {}, creds([])), false, 'a target without the key never matches');
    assert.equal(allows('tenant_id:%(tenant_id)s', { tenant_id: 'p1' }, creds([])), true);
    assert.equal(allows('project_id:%(network:project_id)s', { 'network:project_id': 'p1' }, creds([])), true);
    assert.equal(allows('user_id:u1', {}, creds([])), true);
    assert.equal(allows('user_id:u2', {}, creds([])), false);
  });

  it('is_admin:True reads the credential as Python would print it', () => {
    assert.equal(allows('is_admin:True', {}, creds(['admin'])), true);
    assert.equal(allows('is_admin:True', {}, creds(['member'])), false);
    assert.equal(allows('is_admin:False', {}, creds(['member'])), true);
  });

  it('field:resource:attr=value looks at the target, booleans and regexes included', () => {
    assert.equal(allows('field:networks:shared=True', { shared: true }, creds([])), true);
    assert.equal(allows('field:networks:shared=True', { shared: false }, creds([])), false);
    assert.equal(allows('field:networks:shared=True', {}, creds([])), false);
    // a subnet or port carries its network's facts as network:<attr>
    assert.equal(allows('field:networks:shared=True', { 'network:shared': true }, creds([])), true);
    assert.equal(allows('field:rbac_policy:target_tenant=*', { target_tenant: '*' }, creds([])), true);
    assert.equal(allows('field:rbac_policy:target_tenant=*', { target_tenant: 'p2' }, creds([])), false);
    assert.equal(allows('field:port:device_owner=~^network:', { device_owner: 'network:dhcp' }, creds([])), true);
    assert.equal(allows('field:port:device_owner=~^network:', { device_owner: 'compute:nova' }, creds([])), false);
  });

  it('not binds tighter than and, and tighter than or; parentheses group', () => {
    const t = { project_id: 'p1' };
    assert.equal(allows('role:admin or role:member and project_id:%(project_id)s', t, creds(['member'])), true);
    assert.equal(allows('role:admin or role:member and project_id:%(project_id)s', { project_id: 'p2' }, creds(['member'])), false);
    assert.equal(allows('(role:admin or role:member) and project_id:%(project_id)s', { project_id: 'p2' }, creds(['admin'])), false);
    assert.equal(allows('role:admin or (role:member and project_id:%(project_id)s)', { project_id: 'p2' }, creds(['admin'])), true);
    assert.equal(allows('not role:admin', {}, creds(['member'])), true);
    assert.equal(allows('not role:admin and role:member', {}, creds(['admin', 'member'])), false);
    assert.equal(allows('not (role:admin or role:member)', {}, creds(['reader'])), true);
    assert.equal(allows('((role:reader))', {}, creds(['reader'])), true);
  });

  it('rule: evaluates another rule; an unknown one is false', () => {
    const rules = { admin_only: 'role:admin', owner: 'project_id:%(project_id)s', admin_or_owner: 'rule:admin_only or rule:owner' };
    assert.equal(allows('rule:admin_or_owner', { project_id: 'p1' }, creds(['member']), rules), true);
    assert.equal(allows('rule:admin_or_owner', { project_id: 'p9' }, creds(['member']), rules), false);
    assert.equal(allows('rule:admin_or_owner', { project_id: 'p9' }, creds(['admin']), rules), true);
    assert.equal(allows('rule:nowhere', {}, creds(['admin']), rules), false);
  });

  it('refuses text that is not a rule, saying what is wrong', () => {
    for (const bad of ['role:admin or', 'and role:admin', '(role:admin', 'role:admin)', 'admin', 'role:', ':admin', 'role:a role:b', 'field:networks:shared', 'not', 'field:port:x=~(']) {
      assert.throws(() => parseCheck(bad), PolicySyntaxError, bad);
    }
  });
});
