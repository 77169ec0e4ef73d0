import type { ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { SecurityGroupDefaultAlreadyExists, SecurityGroupNotFound } from '../errors.js';
import { idAttr, nameAttr, projectAttrs, standardAttrs } from './common.js';

/** Only the project's own default group may be called "default" (in any case). */
const nameNotDefault = (x: unknown): unknown => {
  const name = v.string(255)(x) as string;
  if (name.toLowerCase() === 'default') throw SecurityGroupDefaultAlreadyExists({});
  return name;
};

export const securityGroupDef: ResourceDef = {
  collection: 'security_groups',
  member: 'security_group',
  path: 'security-groups',
  table: 'securitygroups',
  notFound: (id) => SecurityGroupNotFound({ id }),
  taggable: true,
  bulk: true,
  extraFilters: ['shared'],
  attributes: [
    idAttr,
    { ...nameAttr, validate: nameNotDefault },
    ...projectAttrs,
    { name: 'stateful', post: true, put: true, default: true, validate: v.boolean, column: 'stateful', filter: 'bool', sort: true, extension: 'stateful-security-group' },
    { name: 'security_group_rules', post: false, put: false },
    { name: 'shared', post: false, put: false, extension: 'security-groups-shared-filtering' },
    ...standardAttrs,
  ],
};
