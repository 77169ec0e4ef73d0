import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from '../../src/api/validators.js';
import { normalizeRule } from '../../src/plugins/securitygroups/security-groups.js';
import type { NeutronError } from '../../src/api/errors.js';

describe('validators', () => {
  it('convert booleans like neutron-lib', () => {
    assert.equal(v.boolean('True'), true);
    assert.equal(v.boolean(0), false);
    assert.throws(() => v.boolean('yes'), v.AttributeInvalid);
  });
  it('check UUIDs, MACs, cidrs and IPs', () => {
    assert.throws(() => v.uuid('abc'), v.AttributeInvalid);
    assert.equal(v.macAddress('FA-16-3E-00-00-01'), 'fa:16:3e:00:00:01');
    assert.throws(() => v.macAddress('ff:ff:ff:ff:ff:ff'), /multicast/);
    assert.equal(v.subnetCidr('10.0.0.0/8'), '10.0.0.0/8');
    assert.throws(() => v.subnetCidr('10.0.0.1/8'), /10\.0\.0\.0\/8/);
    assert.throws(() => v.subnetCidr('10.0.0.0'), v.AttributeInvalid);
    assert.equal(v.ipOrCidr('10.0.0.1/24'), '10.0.0.1/24');
    assert.equal(v.ipAddress('::1'), '::1');
    assert.throws(() => v.integer(1, 5)(6), /too large/);
  });
  it('refuse unknown keys in dicts and duplicates in unique lists', () => {
    const d = v.dict({ a: { required: true, validate: v.string(3) } });
    assert.throws(() => d({ a: 'x', b: 1 }), /Unexpected keys/);
    assert.throws(() => d({}), /Expected keys/);
    assert.throws(() => v.list(v.string(), { unique: true })(['a', 'a']), /Duplicate/);
  });
});

describe('security group rule normalisation', () => {
  const base = {
    security_group_id: 'sg',
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: null,
    port_range_min: null,
    port_range_max: null,
    remote_ip_prefix: null,
    remote_group_id: null,
    description: '',
  };
  const errType = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as NeutronError).type;
    }
    return null;
  };
  it('accepts names and numbers, single ports and ICMP type/code', () => {
    const r = normalizeRule({ ...base, protocol: 'TCP', port_range_min: 22, port_range_max: 22 }, 'p');
    assert.equal(r.protocol, 'tcp');
    assert.equal(r.port_range_max, 22);
    assert.equal(normalizeRule({ ...base, protocol: 'tcp', port_range_min: 1, port_range_max: 65535 }, 'p').port_range_min, null);
    assert.equal(normalizeRule({ ...base, ethertype: 'IPv6', protocol: 'icmp' }, 'p').protocol, 'ipv6-icmp');
    assert.equal(normalizeRule({ ...base, protocol: '17' }, 'p').protocol, '17');
    assert.equal(normalizeRule({ ...base, ethertype: 'ipv6', protocol: 'icmpv6', port_range_min: 128, port_range_max: 0 }, 'p').ethertype, 'IPv6');
  });
  it('refuses what Neutron refuses', () => {
    assert.equal(
      errType(() => normalizeRule({ ...base, protocol: 'bogus' }, 'p')),
      'SecurityGroupRuleInvalidProtocol',
    );
    assert.equal(
      errType(() => normalizeRule({ ...base, port_range_min: 1 }, 'p')),
      'SecurityGroupProtocolRequiredWithPorts',
    );
    assert.equal(
      errType(() => normalizeRule({ ...base, protocol: 'gre', port_range_min: 1 }, 'p')),
      'SecurityGroupInvalidProtocolForPort',
    );
    assert.equal(
      errType(() => normalizeRule({ ...base, protocol: 'tcp', port_range_min: 30, port_range_max: 20 }, 'p')),
      'SecurityGroupInvalidPortRange',
    );
    assert.equal(
      errType(() => normalizeRule({ ...base, protocol: 'icmp', port_range_max: 3 }, 'p')),
      'SecurityGroupMissingIcmpType',
    );
    assert.equal(
      errType(() => normalizeRule({ ...base, protocol: 'icmpv6' }, 'p')),
      'SecurityGroupEthertypeConflictWithProtocol',
    );
    assert.equal(
      errType(() => normalizeRule({ ...base, remote_ip_prefix: '::/0' }, 'p')),
      'SecurityGroupRuleParameterConflict',
    );
    assert.equal(
      errType(() => normalizeRule({ ...base, ethertype: 'IPv5' }, 'p')),
      'SecurityGroupRuleInvalidEtherType',
    );
    assert.equal(
      errType(() => normalizeRule({ ...base, direction: 'sideways' }, 'p')),
      'HTTPBadRequest',
    );
  });
});
