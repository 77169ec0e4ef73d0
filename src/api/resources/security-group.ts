import type { ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, nameAttr, projectAttrs, standardAttrs } from './common.js';

export const securityGroupDef: ResourceDef = {
  collection: 'security_groups',
  member: 'security_group',
  path: 'security-groups',
  table: 'securitygroups',
  taggable: true,
  bulk: true,
  attributes: [
    idAttr,
    nameAttr,
    ...projectAttrs,
    { name: 'stateful', post: true, put: true, default: true, validate: v.boolean, column: 'stateful', filter: 'bool', sort: true, extension: 'stateful-security-group' },
    { name: 'security_group_rules', post: false, put: false },
    ...standardAttrs,
  ],
};
