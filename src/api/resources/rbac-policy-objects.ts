// rbac-policies over every object type served: networks, and with rbac-subnetpool,
// rbac-address-scope, rbac-security-groups and rbac-address-group, subnet pools, address
// scopes, security groups and address groups (Neutron's extensions/rbac.py takes the
// object types from the loaded RBAC extensions).
import type { ResourceDef } from '../resource.js';
import type * as v from '../validators.js';
import { AttributeInvalid } from '../validators.js';
import { rbacPolicyDef } from './rbac-policy.js';

export const RBAC_OBJECT_TYPES_ALL = ['network', 'subnetpool', 'address_scope', 'security_group', 'address_group'] as const;

/** As Neutron's converter: trimmed, lower-cased, and one of the object types served. */
const objectType: v.Validator = (x) => {
  const t = typeof x === 'string' ? x.trim().toLowerCase() : null;
  if (t === null || !(RBAC_OBJECT_TYPES_ALL as readonly string[]).includes(t)) {
    throw new AttributeInvalid(`${JSON.stringify(x)} is not a valid RBAC object type; supported: ${RBAC_OBJECT_TYPES_ALL.join(', ')}`);
  }
  return t;
};

export const rbacPolicyObjectsDef: ResourceDef = {
  ...rbacPolicyDef,
  attributes: rbacPolicyDef.attributes.map((a) => (a.name === 'object_type' ? { ...a, validate: objectType, column: 'object_type', sort: true } : a)),
};
