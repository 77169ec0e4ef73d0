// address-group: /v2.0/address-groups (neutron-lib's api/definitions/address_group.py):
// named lists of prefixes that security group rules may name as their remote side.
import { AddressGroupNotFound } from '../errors.js';
import type { ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, nameAttr, projectAttrs, standardAttrs } from './common.js';

export const addressGroupDef: ResourceDef = {
  collection: 'address_groups',
  member: 'address_group',
  path: 'address-groups',
  table: 'address_groups',
  notFound: (id) => AddressGroupNotFound({ address_group_id: id }),
  taggable: false,
  bulk: false,
  attributes: [
    idAttr,
    nameAttr,
    ...projectAttrs,
    { name: 'addresses', post: true, put: false, default: [], validate: (x) => (x === null ? [] : v.list(v.addressGroupAddress)(x)) },
    ...standardAttrs.filter((a) => a.name !== 'tags'),
  ],
};
