// Turns a POST/PUT body into validated attribute values, from the resource's declaration:
// unknown, read-only and missing attributes and wrong types are refused here, before any plugin
// runs. Who may set what is the policy table's business (src/api/policy/).
import type { RequestContext } from './context.js';
import { HTTPBadRequest, PolicyNotAuthorized } from './errors.js';
import type { ApiObject, Attribute, ResourceDef } from './resource.js';
import { AttributeInvalid } from './validators.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function validateValue(attr: Attribute, value: unknown): unknown {
  if (!attr.validate) return value;
  try {
    return attr.validate(value);
  } catch (e) {
    if (e instanceof AttributeInvalid) {
      throw HTTPBadRequest({ msg: `Invalid input for ${attr.name}. Reason: ${e.message}.` });
    }
    throw e;
  }
}

/** The items of a create request: `{member: {...}}` or, for bulk, `{collection: [...]}`. */
export function createItems(def: ResourceDef, body: unknown, ctx: RequestContext): { items: ApiObject[]; bulk: boolean } {
  if (!isObject(body)) throw HTTPBadRequest({ msg: 'Resource body required' });
  let raw: unknown[];
  const bulk = !(def.member in body);
  if (!bulk) {
    raw = [body[def.member]];
  } else if (def.collection in body && def.collection !== def.member) {
    if (!def.bulk) throw HTTPBadRequest({ msg: `Bulk operation is not supported for ${def.collection}` });
    const list = body[def.collection];
    if (!Array.isArray(list) || list.length === 0) {
      throw HTTPBadRequest({ msg: `Resources required: ${def.collection} must be a non-empty list` });
    }
    raw = list;
  } else {
    throw HTTPBadRequest({ msg: `Unable to find '${def.member}' in request body` });
  }
  const extra = Object.keys(body).filter((k) => k !== def.member && k !== def.collection);
  if (extra.length) throw HTTPBadRequest({ msg: `Unrecognized attribute(s) '${extra.join(', ')}'` });
  return { items: raw.map((item) => createItem(def, item, ctx)), bulk };
}

function checkKnown(def: ResourceDef, item: Record<string, unknown>, op: 'post' | 'put'): void {
  const known = new Set(def.attributes.map((a) => a.name));
  const unknown = Object.keys(item).filter((k) => !known.has(k));
  if (unknown.length) throw HTTPBadRequest({ msg: `Unrecognized attribute(s) '${unknown.join(', ')}'` });
  for (const a of def.attributes) {
    if (a.name in item && !a[op]) {
      throw HTTPBadRequest({ msg: `Attribute '${a.name}' not allowed in ${op.toUpperCase()}` });
    }
  }
}

function createItem(def: ResourceDef, item: unknown, ctx: RequestContext): ApiObject {
  if (!isObject(item)) throw HTTPBadRequest({ msg: `Invalid format for ${def.member}: must be a JSON object` });
  checkKnown(def, item, 'post');
  reconcileProject(item, ctx);
  const out: ApiObject = {};
  for (const a of def.attributes) {
    if (!a.post || a.name === 'tenant_id') continue;
    if (a.name in item) {
      out[a.name] = validateValue(a, item[a.name]);
    } else if (a.default === undefined) {
      throw HTTPBadRequest({ msg: `Failed to parse request. Required attribute '${a.name}' not specified` });
    } else {
      out[a.name] = typeof a.default === 'function' ? (a.default as () => unknown)() : a.default;
    }
  }
  return out;
}

/** tenant_id and project_id are one attribute; only admins (context_is_admin) act for another project. */
function reconcileProject(item: Record<string, unknown>, ctx: RequestContext): void {
  const t = item.tenant_id;
  const p = item.project_id;
  if (t !== undefined && p !== undefined && t !== p) {
    throw HTTPBadRequest({ msg: "'project_id' and 'tenant_id' do not match" });
  }
  const given = p ?? t;
  delete item.tenant_id;
  if (given === undefined) {
    item.project_id = ctx.projectId;
    return;
  }
  if (typeof given !== 'string' || given.length === 0 || given.length > 255) {
    throw HTTPBadRequest({ msg: `Invalid input for project_id. Reason: ${JSON.stringify(given)} is not a valid project id.` });
  }
  if (given !== ctx.projectId && !ctx.isAdmin) {
    throw PolicyNotAuthorized({ action: 'create:project_id' });
  }
  item.project_id = given;
}

export function updateChanges(def: ResourceDef, body: unknown): ApiObject {
  if (!isObject(body) || !(def.member in body)) {
    throw HTTPBadRequest({ msg: `Unable to find '${def.member}' in request body` });
  }
  const extra = Object.keys(body).filter((k) => k !== def.member);
  if (extra.length) throw HTTPBadRequest({ msg: `Unrecognized attribute(s) '${extra.join(', ')}'` });
  const item = body[def.member];
  if (!isObject(item)) throw HTTPBadRequest({ msg: `Invalid format for ${def.member}: must be a JSON object` });
  checkKnown(def, item, 'put');
  const out: ApiObject = {};
  for (const a of def.attributes) {
    if (!(a.name in item)) continue;
    out[a.name] = validateValue(a, item[a.name]);
  }
  return out;
}

/** `If-Match: revision_number=N` (several comma-separated constraints allowed; the first revision one counts). */
export function parseIfMatch(header: string | string[] | undefined): number | null {
  if (header === undefined) return null;
  const text = Array.isArray(header) ? header.join(',') : header;
  for (const part of text.split(',')) {
    const m = /^\s*revision_number=(\d+)\s*$/.exec(part);
    if (m) return Number(m[1]);
  }
  throw HTTPBadRequest({ msg: `If-Match header '${text}' is not of the form revision_number=N` });
}
