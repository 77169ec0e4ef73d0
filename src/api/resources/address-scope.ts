// address-scope: /v2.0/address-scopes (neutron-lib's api/definitions/address_scope.py).
// Not a standard-attr resource in Neutron: no description, timestamps, revision or tags.
import { AddressScopeNotFound } from '../errors-subnet-allocation.js';
import type { ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, nameAttr, projectAttrs } from './common.js';

/** ip_version as Neutron converts it: 4 or 6, given as a number or a string of one. */
export const ipVersion: v.Validator = (x) => {
  const n = v.integer(0, 255)(x);
  if (n !== 4 && n !== 6) throw new v.AttributeInvalid(`${JSON.stringify(x)} is not in [4, 6]`);
  return n;
};

export const addressScopeDef: ResourceDef = {
  collection: 'address_scopes',
  member: 'address_scope',
  path: 'address-scopes',
  table: 'address_scopes',
  notFound: (id) => AddressScopeNotFound({ address_scope_id: id }),
  taggable: false,
  bulk: true,
  attributes: [
    idAttr,
    nameAttr,
    ...projectAttrs,
    { name: 'shared', post: true, put: true, default: false, validate: v.boolean, column: 'shared', filter: 'bool', sort: true },
    { name: 'ip_version', post: true, put: false, validate: ipVersion, column: 'ip_version', filter: 'int', sort: true },
  ],
};
