// rbac-policies: who besides its owner may use a network (access_as_shared) or reach it as an
// external network (access_as_external). Neutron's extensions/rbac.py; only networks so far.
import { RbacPolicyNotFound } from '../errors.js';
import { NOT_SPECIFIED, type ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { AttributeInvalid } from '../validators.js';
import { idAttr, projectAttrs } from './common.js';

export const RBAC_OBJECT_TYPES = ['network'] as const;
export const RBAC_ACTIONS = ['access_as_shared', 'access_as_external'] as const;

/** As Neutron's converter: trimmed, lower-cased, and one of the object types served. */
const objectType: v.Validator = (x) => {
  const t = typeof x === 'string' ? x.trim().toLowerCase() : null;
  if (t === null || !(RBAC_OBJECT_TYPES as readonly string[]).includes(t)) {
    throw new AttributeInvalid(`${JSON.stringify(x)} is not a valid RBAC object type; supported: ${RBAC_OBJECT_TYPES.join(', ')}`);
  }
  return t;
};

/** A project id or '*' (every project). Neutron asks for a UUID; projects here may be any id. */
const targetProject: v.Validator = (x) => {
  if (x === '*') return x;
  if (typeof x !== 'string' || x.trim() === '' || x.length > 255 || /\s/.test(x)) {
    throw new AttributeInvalid(`${JSON.stringify(x)} is not a valid target project: give a project id or '*'`);
  }
  return x;
};

export const rbacPolicyDef: ResourceDef = {
  collection: 'rbac_policies',
  member: 'rbac_policy',
  path: 'rbac-policies',
  table: 'networkrbacs',
  notFound: (id) => RbacPolicyNotFound({ id, object_type: 'network' }),
  taggable: false,
  bulk: true,
  attributes: [
    idAttr,
    ...projectAttrs,
    { name: 'object_type', post: true, put: false, validate: objectType, filter: 'string' },
    { name: 'object_id', post: true, put: false, validate: v.uuid, column: 'object_id', filter: 'string', sort: true },
    { name: 'action', post: true, put: false, validate: v.oneOf(RBAC_ACTIONS), column: 'action', filter: 'string', sort: true },
    // target_project is the newer name of target_tenant, as project_id is of tenant_id; the
    // plugin requires one of them
    { name: 'target_tenant', post: true, put: true, default: NOT_SPECIFIED, validate: targetProject, column: 'target_tenant', filter: 'string', sort: true },
    { name: 'target_project', post: true, put: true, default: NOT_SPECIFIED, validate: targetProject, column: 'target_tenant', filter: 'string', sort: true },
  ],
};
