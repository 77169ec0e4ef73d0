// subnet_allocation: /v2.0/subnetpools (neutron-lib's api/definitions/subnetpool.py, with
// address-scope's address_scope_id), and what it adds to subnets: subnetpool_id, prefixlen,
// a cidr that may be left to the pool, and default-subnetpools' use_default_subnetpool.
import { SUBNET_SEGMENT_ATTR } from './segment.js';
import { SubnetPoolNotFound } from '../errors-subnet-allocation.js';
import { NOT_SPECIFIED, type Attribute, type ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, projectAttrs, standardAttrs } from './common.js';
import { subnetDef } from './subnet.js';

const prefixlen = v.integer(0, 128);
const notEmptyName: v.Validator = (x) => {
  const s = v.string(255)(x) as string;
  if (s.trim() === '') throw new v.AttributeInvalid("'' Blank strings are not permitted");
  return s;
};

export const subnetPoolDef: ResourceDef = {
  collection: 'subnetpools',
  member: 'subnetpool',
  path: 'subnetpools',
  table: 'subnetpools',
  notFound: (id) => SubnetPoolNotFound({ subnetpool_id: id }),
  taggable: true,
  bulk: true,
  attributes: [
    idAttr,
    // required, and not blank, as Neutron's
    { name: 'name', post: true, put: true, validate: notEmptyName, column: 'name', filter: 'string', sort: true },
    ...projectAttrs,
    { name: 'prefixes', post: true, put: true, validate: v.list(v.subnetCidr) },
    { name: 'default_quota', post: true, put: true, default: NOT_SPECIFIED, validate: v.nullableInteger(0, 2 ** 31 - 1), column: 'default_quota', filter: 'int', sort: true },
    { name: 'ip_version', post: false, put: false, column: 'ip_version', filter: 'int', sort: true },
    { name: 'default_prefixlen', post: true, put: true, default: NOT_SPECIFIED, validate: prefixlen, column: 'default_prefixlen', filter: 'int', sort: true },
    { name: 'min_prefixlen', post: true, put: true, default: NOT_SPECIFIED, validate: prefixlen, column: 'min_prefixlen', filter: 'int', sort: true },
    { name: 'max_prefixlen', post: true, put: true, default: NOT_SPECIFIED, validate: prefixlen, column: 'max_prefixlen', filter: 'int', sort: true },
    { name: 'is_default', post: true, put: true, default: false, validate: v.boolean, column: 'is_default', filter: 'bool', sort: true },
    { name: 'shared', post: true, put: false, default: false, validate: v.boolean, column: 'shared', filter: 'bool', sort: true },
    {
      name: 'address_scope_id',
      post: true,
      put: true,
      default: NOT_SPECIFIED,
      validate: v.nullableUuid,
      column: 'address_scope_id',
      filter: 'string',
      sort: true,
      extension: 'address-scope',
    },
    ...standardAttrs,
  ],
};

/** Subnets as subnet_allocation and default-subnetpools declare them. */
const SUBNET_ALLOCATION_ATTRS: Attribute[] = [
  { name: 'subnetpool_id', post: true, put: false, default: NOT_SPECIFIED, validate: v.nullableUuid, column: 'subnetpool_id', filter: 'string', sort: true, extension: 'subnet_allocation' },
  { name: 'prefixlen', post: true, put: false, default: NOT_SPECIFIED, validate: prefixlen, extension: 'subnet_allocation' },
  { name: 'use_default_subnetpool', post: true, put: false, default: false, validate: v.boolean, extension: 'default-subnetpools' },
];

export const subnetWithPoolsDef: ResourceDef = {
  ...subnetDef,
  attributes: [
    // a cidr may be left to the pool
    ...subnetDef.attributes.filter((a) => a.name !== 'subnetpool_id').map((a) => (a.name === 'cidr' ? { ...a, default: NOT_SPECIFIED } : a)),
    ...SUBNET_ALLOCATION_ATTRS,
    SUBNET_SEGMENT_ATTR,
  ],
};
