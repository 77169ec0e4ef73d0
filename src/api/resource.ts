// How a resource and its extension attributes are declared, as neutron-lib's attribute maps.
import type { RequestContext } from './context.js';
import type { NeutronError } from './errors.js';
import type { Validator } from './validators.js';

/** Marks a default the plugin fills in (neutron-lib's ATTR_NOT_SPECIFIED). */
export const NOT_SPECIFIED = Symbol('not specified');

export type FilterKind = 'string' | 'bool' | 'int' | 'uuid';

export interface Attribute {
  name: string;
  /** may be given on create */
  post: boolean;
  /** may be given on update */
  put: boolean;
  /** value when not given on create; a function is called per request; absent means required */
  default?: unknown;
  validate?: Validator;
  /** database column for filtering and sorting; absent means not a column */
  column?: string;
  /** how a query-string value of this attribute is converted for filtering */
  filter?: FilterKind;
  sort?: boolean;
  /** the extension alias that adds this attribute, if any */
  extension?: string;
}

export type ApiObject = Record<string, unknown>;

export interface ListQuery {
  filters: Map<string, string[]>;
  fields: string[] | null;
  sorts: { key: string; dir: 'asc' | 'desc' }[];
  limit: number | null;
  marker: string | null;
  pageReverse: boolean;
  /** whether the policy lets the caller see an attribute of an item (get_<member>:<attr>);
   *  a plugin may skip fetching what nobody in the list may see */
  mayShow?: (attr: string, item: ApiObject) => boolean;
}

/**
 * The policy check of a create: the plugin calls it for each item, inside its transaction,
 * with the facts of the item's parents the rules name (network:project_id, network:shared,
 * security_group:project_id). Throws PolicyNotAuthorized.
 */
export type AuthorizeCreate = (item: ApiObject, parents?: ApiObject) => void;
/**
 * The policy check of an update or delete: the plugin calls it with the resource as it is
 * (API names and values, plus its parents' facts) once it has found it. Throws
 * PolicyNotAuthorized, or the resource's NotFound when the caller may not even read it.
 */
export type AuthorizeChange = (current: ApiObject) => void;

/** A caller that may do anything (internal calls, tests of a plugin alone). */
export const ALLOW_ALL = (): void => undefined;

export interface Handler {
  list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]>;
  show(ctx: RequestContext, id: string, fields: string[] | null): Promise<ApiObject>;
  create?(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]>;
  update?(ctx: RequestContext, id: string, changes: ApiObject, ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject>;
  delete?(ctx: RequestContext, id: string, ifMatch: number | null, authorize: AuthorizeChange): Promise<void>;
}

export interface ResourceDef {
  /** JSON key of a list: "security_groups" */
  collection: string;
  /** JSON key of one: "security_group" */
  member: string;
  /** URL segment: "security-groups" */
  path: string;
  /** database table, for tags and sorting */
  table: string;
  attributes: Attribute[];
  /** has the standard tags sub-resource and filters */
  taggable: boolean;
  /** create accepts a list (bulk) */
  bulk: boolean;
  /** query parameters accepted besides attributes (e.g. fixed_ips sub-filters) */
  extraFilters?: string[];
  /** the resource's NotFound, for a caller the policy does not let read it */
  notFound?: (id: string) => NeutronError;
}

export interface Extension {
  alias: string;
  name: string;
  description: string;
  updated: string;
  /** attributes this extension adds, by collection */
  attributes?: Record<string, Attribute[]>;
}
