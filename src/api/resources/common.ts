// Attributes every resource shares: id, project, name/description and the standard attributes.
import type { Attribute } from '../resource.js';
import * as v from '../validators.js';

export const idAttr: Attribute = { name: 'id', post: false, put: false, column: 'id', filter: 'string', sort: true };

export const projectAttrs: Attribute[] = [
  { name: 'project_id', post: true, put: false, validate: v.projectId, column: 'project_id', filter: 'string', sort: true },
  { name: 'tenant_id', post: true, put: false, validate: v.projectId, column: 'project_id', filter: 'string', sort: true },
];

export const nameAttr: Attribute = { name: 'name', post: true, put: true, default: '', validate: v.string(255), column: 'name', filter: 'string', sort: true };

// standard-attr-description, standard-attr-timestamp, standard-attr-revisions, standard-attr-tag
export const standardAttrs: Attribute[] = [
  { name: 'description', post: true, put: true, default: '', validate: v.string(255), column: 'description', filter: 'string', sort: true, extension: 'standard-attr-description' },
  { name: 'created_at', post: false, put: false, column: 'created_at', filter: 'string', sort: true, extension: 'standard-attr-timestamp' },
  { name: 'updated_at', post: false, put: false, column: 'updated_at', filter: 'string', sort: true, extension: 'standard-attr-timestamp' },
  { name: 'revision_number', post: false, put: false, column: 'revision_number', filter: 'int', sort: true, extension: 'standard-attr-revisions' },
  { name: 'tags', post: false, put: false, extension: 'standard-attr-tag' },
];
