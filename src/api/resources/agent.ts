import { AgentNotFound } from '../errors.js';
import type { ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr } from './common.js';

// agent extension: agents register themselves through report_state; the API reads them,
// lets admins switch them off (admin_state_up), describe them, and forget them (DELETE).
export const agentDef: ResourceDef = {
  collection: 'agents',
  member: 'agent',
  path: 'agents',
  table: 'agents',
  notFound: (id) => AgentNotFound({ id }),
  taggable: false,
  bulk: false,
  attributes: [
    idAttr,
    { name: 'agent_type', post: false, put: false, column: 'agent_type', filter: 'string', sort: true },
    { name: 'binary', post: false, put: false, column: 'binary', filter: 'string', sort: true },
    { name: 'topic', post: false, put: false, column: 'topic', filter: 'string', sort: true },
    { name: 'host', post: false, put: false, column: 'host', filter: 'string', sort: true },
    { name: 'admin_state_up', post: false, put: true, validate: v.boolean, column: 'admin_state_up', filter: 'bool', sort: true },
    { name: 'description', post: false, put: true, validate: v.nullableString(255), column: 'description', filter: 'string', sort: true },
    { name: 'alive', post: false, put: false },
    { name: 'created_at', post: false, put: false, column: 'created_at', filter: 'string', sort: true },
    { name: 'started_at', post: false, put: false, column: 'started_at', filter: 'string', sort: true },
    { name: 'heartbeat_timestamp', post: false, put: false, column: 'heartbeat_timestamp', filter: 'string', sort: true },
    { name: 'configurations', post: false, put: false },
    { name: 'resource_versions', post: false, put: false },
    { name: 'availability_zone', post: false, put: false, column: 'availability_zone', filter: 'string', sort: true },
    { name: 'load', post: false, put: false, column: 'load', filter: 'int', sort: true },
  ],
};
