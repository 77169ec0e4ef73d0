import type { ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { InvalidCIDR, SecurityGroupRuleNotFound } from '../errors.js';
import { parseCidr } from '../../common/ip-address.js';
import { idAttr, projectAttrs, standardAttrs } from './common.js';

/** A prefix as Neutron stores it: host bits kept, a bare address given its host mask. */
function remoteIpPrefix(x: unknown): string | null {
  if (x === null) return null;
  const c = typeof x === 'string' ? parseCidr(x) : null;
  if (!c) throw InvalidCIDR({ input: x });
  const text = v.ipOrCidr(x) as string;
  return text.includes('/') ? text : `${text}/${c.prefixlen}`;
}

export const securityGroupRuleDef: ResourceDef = {
  collection: 'security_group_rules',
  member: 'security_group_rule',
  path: 'security-group-rules',
  table: 'securitygrouprules',
  notFound: (id) => SecurityGroupRuleNotFound({ id }),
  taggable: false,
  bulk: true,
  attributes: [
    idAttr,
    ...projectAttrs,
    { name: 'security_group_id', post: true, put: false, validate: v.uuid, column: 'security_group_id', filter: 'string', sort: true },
    // direction/ethertype/protocol/ports are validated by the plugin, which knows their error types
    { name: 'direction', post: true, put: false, column: 'direction', filter: 'string', sort: true },
    { name: 'ethertype', post: true, put: false, default: 'IPv4', column: 'ethertype', filter: 'string', sort: true },
    { name: 'protocol', post: true, put: false, default: null, column: 'protocol', filter: 'string', sort: true },
    { name: 'port_range_min', post: true, put: false, default: null, column: 'port_range_min', filter: 'int', sort: true },
    { name: 'port_range_max', post: true, put: false, default: null, column: 'port_range_max', filter: 'int', sort: true },
    { name: 'remote_ip_prefix', post: true, put: false, default: null, validate: remoteIpPrefix, column: 'remote_ip_prefix', filter: 'string', sort: true },
    { name: 'remote_group_id', post: true, put: false, default: null, validate: v.nullableString(255), column: 'remote_group_id', filter: 'string', sort: true },
    {
      name: 'remote_address_group_id',
      post: true,
      put: false,
      default: null,
      validate: v.nullableString(255),
      column: 'remote_address_group_id',
      filter: 'string',
      sort: true,
      extension: 'security-groups-remote-address-group',
    },
    // security-groups-normalized-cidr: computed from remote_ip_prefix; a filter the plugin applies
    { name: 'normalized_cidr', post: false, put: false, filter: 'string' },
    { name: 'belongs_to_default_sg', post: false, put: false },
    ...standardAttrs.filter((a) => a.name !== 'tags'),
  ],
};
