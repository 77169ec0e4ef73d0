// What the generic controller asks the policy table about one resource: may the caller
// create/update/delete this (the action and every attribute it sets), may it read this item,
// and which attributes of an item it may see (get_<resource>:<attribute>).
import type { RequestContext } from '../context.js';
import { HTTPNotFound, PolicyNotAuthorized, type NeutronError } from '../errors.js';
import { NOT_SPECIFIED, type ApiObject, type Attribute, type ResourceDef } from '../resource.js';
import type { Target } from './check.js';
import type { Policy } from './policy.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The target as oslo rules expect it: tenant_id beside project_id. */
function asTarget(obj: ApiObject, extra?: ApiObject): Target {
  const t: Target = { ...obj, ...(extra ?? {}) };
  if (t.project_id !== undefined && t.tenant_id === undefined) t.tenant_id = t.project_id;
  return t;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

export class ResourcePolicy {
  private readonly attrs: Map<string, Attribute>;
  /** get_<member>:<attr> rules in force, checked on every item shown */
  private readonly shownRules: [attr: string, rule: string][];

  constructor(
    private readonly policy: Policy,
    private readonly def: ResourceDef,
  ) {
    this.attrs = new Map(def.attributes.map((a) => [a.name, a]));
    const prefix = `get_${def.member}:`;
    this.shownRules = policy
      .names()
      .filter((n) => n.startsWith(prefix))
      .map((n) => [n.slice(prefix.length), n]);
  }

  private notFound(id: unknown): NeutronError {
    const text = String(id ?? '');
    return this.def.notFound ? this.def.notFound(text) : HTTPNotFound({ msg: `${this.def.member} ${text} could not be found.` });
  }

  /**
   * Whether a create request set the attribute, as Neutron decides: given and not its default
   * (shared: false on create asks for nothing an admin must grant).
   */
  private setOnCreate(item: ApiObject, name: string): boolean {
    const v = item[name];
    if (v === undefined || v === NOT_SPECIFIED) return false;
    const d = this.attrs.get(name)?.default;
    if (d === undefined || d === NOT_SPECIFIED || typeof d === 'function') return true;
    return !sameValue(v, d);
  }

  /** The rules a write must pass: the action, then <action>:<attr> and <action>:<attr>:<key> for what it sets. */
  private rulesFor(action: string, body: ApiObject, set: (name: string) => boolean): string[] {
    const rules = [action];
    for (const name of Object.keys(body)) {
      if (!set(name)) continue;
      const rule = `${action}:${name}`;
      if (this.policy.has(rule)) rules.push(rule);
      // lists of dicts (fixed_ips, allowed_address_pairs) and dicts: the keys given
      const v = body[name];
      const entries = Array.isArray(v) ? v.filter(isObject) : isObject(v) ? [v] : [];
      const keys = new Set(entries.flatMap((e) => Object.keys(e)));
      for (const k of keys) {
        const sub = `${rule}:${k}`;
        if (this.policy.has(sub)) rules.push(sub);
      }
    }
    return rules;
  }

  /** create_<member>: `item` is the validated body item, `parents` the facts of its parents (network:project_id …). */
  authorizeCreate(ctx: RequestContext, item: ApiObject, parents?: ApiObject): void {
    const target = asTarget(item, parents);
    const creds = this.policy.credentials(ctx);
    for (const rule of this.rulesFor(`create_${this.def.member}`, item, (n) => this.setOnCreate(item, n))) {
      if (!this.policy.check(rule, target, creds)) throw PolicyNotAuthorized({ action: rule });
    }
  }

  /**
   * update_/delete_<member> on `current` (the resource as shown, plus its parents' facts).
   * A caller refused who may not even read the resource gets its NotFound, as Neutron hides it.
   */
  authorizeChange(ctx: RequestContext, op: 'update' | 'delete', current: ApiObject, changes: ApiObject | null, action = `${op}_${this.def.member}`): void {
    const target = asTarget({ ...current, ...(changes ?? {}) });
    const creds = this.policy.credentials(ctx);
    const rules = changes ? this.rulesFor(action, changes, () => true) : [action];
    for (const rule of rules) {
      if (this.policy.check(rule, target, creds)) continue;
      if (!this.mayRead(ctx, current)) throw this.notFound(current.id);
      throw PolicyNotAuthorized({ action: rule });
    }
  }

  /**
   * get_<member> for an item the query layer returned. Items of other projects are there
   * because sharing (RBAC) lets the caller see them, which the query layer has decided;
   * the rule is asked of the caller's own items and of items no project owns (agents).
   */
  mayRead(ctx: RequestContext, item: ApiObject): boolean {
    const owner = item.project_id;
    if (owner !== undefined && owner !== ctx.projectId) return true;
    return this.policy.check(`get_${this.def.member}`, asTarget(item), this.policy.credentials(ctx));
  }

  /** Throws the resource's NotFound unless the caller may read the item. */
  checkRead(ctx: RequestContext, item: ApiObject, id: string): void {
    if (!this.mayRead(ctx, item)) throw this.notFound(id);
  }

  /** Whether get_<member>:<attr> (if there is such a rule) lets the caller see attr of item. */
  mayShow(ctx: RequestContext, attr: string, item: ApiObject): boolean {
    const rule = `get_${this.def.member}:${attr}`;
    return !this.policy.has(rule) || this.policy.check(rule, asTarget(item), this.policy.credentials(ctx));
  }

  /** The item without the attributes get_<member>:<attr> hides from this caller. */
  shown(ctx: RequestContext, item: ApiObject): ApiObject {
    if (!this.shownRules.length) return item;
    let out = item;
    const creds = this.policy.credentials(ctx);
    for (const [attr, rule] of this.shownRules) {
      if (!(attr in out)) continue;
      if (this.policy.check(rule, asTarget(item), creds)) continue;
      if (out === item) out = { ...item };
      delete out[attr];
    }
    return out;
  }
}
