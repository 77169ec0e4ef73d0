// /v2.0/fwaas/firewall_policies and their insert_rule / remove_rule actions (neutron-fwaas's
// firewall_db_v2): an ordered list of rules. A policy may hold its project's rules and shared
// ones; a shared policy only shared rules. Any change but to `audited` alone clears `audited`.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import {
  FirewallDefaultParameterExists,
  FirewallPolicyInUse,
  FirewallPolicyNotFound,
  FirewallPolicySharingConflict,
  FirewallRuleAlreadyAssociated,
  FirewallRuleConflict,
  FirewallRuleInfoMissing,
  FirewallRuleNotAssociatedWithPolicy,
  FirewallRuleNotFound,
  FirewallRuleSharingConflict,
} from '../../api/errors-fwaas.js';
import { HTTPBadRequest } from '../../api/errors.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery } from '../../api/resource.js';
import { firewallPolicyDef } from '../../api/resources/firewall-policy.js';
import { isUuid } from '../../api/validators.js';
import { bool, int, rowsForIds, type IdSet } from '../../db/rows.js';
import type { FirewallPolicyTable } from '../../db/schema.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import type { Services } from '../services.js';
import { FwaasChanges } from './fwaas-changes.js';
import type { FwaasNotifier } from './fwaas-notifier.js';

/** the names neutron-fwaas keeps for each project's default policies */
export const DEFAULT_INGRESS_POLICY = 'default ingress';
export const DEFAULT_EGRESS_POLICY = 'default egress';

export class FirewallPolicyPlugin implements Handler {
  constructor(
    private readonly s: Services,
    private readonly notifier: FwaasNotifier,
  ) {}

  visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('firewall_policies_v2 as p').selectAll('p');
    if (!ctx.isAdmin) qb = qb.where((eb) => eb.or([eb('p.project_id', '=', ctx.projectId), eb('p.shared', '=', 1)]));
    return qb;
  }

  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<FirewallPolicyTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('p.id', '=', id), lock).executeTakeFirst();
    if (!row) throw FirewallPolicyNotFound({ firewall_policy_id: id });
    return row as FirewallPolicyTable;
  }

  /** The policy's rule ids in order. */
  async ruleIds(trx: Trx, id: string): Promise<string[]> {
    return (await trx.selectFrom('firewall_policy_rule_associations_v2').select('firewall_rule_id').where('firewall_policy_id', '=', id).orderBy('position').execute()).map((r) => r.firewall_rule_id);
  }

  async render(trx: Trx, rows: FirewallPolicyTable[], ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const assoc = await rowsForIds(this.s.db, ids, 'firewall_policy_id', (where) =>
      trx.selectFrom('firewall_policy_rule_associations_v2').select(['firewall_policy_id', 'firewall_rule_id', 'position']).where(where).orderBy('position').execute(),
    );
    const rules = new Map<string, string[]>();
    for (const a of assoc) rules.set(a.firewall_policy_id, [...(rules.get(a.firewall_policy_id) ?? []), a.firewall_rule_id]);
    return rows.map((p) => ({
      id: p.id,
      project_id: p.project_id,
      tenant_id: p.project_id,
      name: p.name,
      description: p.description,
      shared: bool(p.shared),
      firewall_rules: rules.get(p.id) ?? [],
      audited: bool(p.audited),
    }));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows, ids } = await listRows<FirewallPolicyTable>(firewallPolicyDef, this.visible(trx, ctx), q, 'p', (qb, rest) => {
      // neutron-fwaas's firewall_rules filter: policies holding any of these rules
      const rules = rest.get('firewall_rules');
      return rules ? qb.where('p.id', 'in', trx.selectFrom('firewall_policy_rule_associations_v2').select('firewall_policy_id').where('firewall_rule_id', 'in', rules)) : qb;
    });
    return this.render(trx, rows, ids);
  }

  async show(ctx: RequestContext, id: string): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, [await this.find(trx, ctx, id)]))[0];
  }

  /**
   * The rules a policy of `project` (shared or not) may hold, as neutron-fwaas checks them:
   * each must exist and be the policy project's or shared; a shared policy holds shared rules only.
   */
  private async checkRules(trx: Trx, ctx: RequestContext, policyId: string, project: string, shared: boolean, ruleIds: string[]): Promise<void> {
    if (!ruleIds.length) return;
    const rows = await trx.selectFrom('firewall_rules_v2').select(['id', 'project_id', 'shared']).where('id', 'in', ruleIds).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of ruleIds) {
      const r = byId.get(id);
      // another project's unshared rule is not there for a non-admin
      if (!r || (!ctx.isAdmin && r.project_id !== ctx.projectId && !bool(r.shared))) throw FirewallRuleNotFound({ firewall_rule_id: id });
      if (shared && !bool(r.shared)) throw FirewallRuleSharingConflict({ firewall_rule_id: id, firewall_policy_id: policyId });
      if (!bool(r.shared) && r.project_id !== project) throw FirewallRuleConflict({ firewall_rule_id: id, project_id: r.project_id });
    }
  }

  private static async setRules(trx: Trx, policyId: string, ruleIds: string[]): Promise<void> {
    await trx.deleteFrom('firewall_policy_rule_associations_v2').where('firewall_policy_id', '=', policyId).execute();
    if (ruleIds.length) {
      await trx
        .insertInto('firewall_policy_rule_associations_v2')
        .values(ruleIds.map((firewall_rule_id, position) => ({ firewall_policy_id: policyId, firewall_rule_id, position })))
        .execute();
    }
  }

  private static refuseDefaultName(name: unknown): void {
    if (name === DEFAULT_INGRESS_POLICY || name === DEFAULT_EGRESS_POLICY) throw FirewallDefaultParameterExists({ name, resource_type: 'Firewall Policy' });
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    for (const i of items) {
      authorize(i);
      FirewallPolicyPlugin.refuseDefaultName(i.name);
    }
    const rows = await inTransaction(this.s.db, async (trx) => {
      const rows: FirewallPolicyTable[] = [];
      for (const i of items) {
        const row: FirewallPolicyTable = {
          id: randomUUID(),
          project_id: i.project_id as string,
          name: i.name as string,
          description: i.description as string,
          shared: int(i.shared as boolean),
          audited: int(i.audited as boolean),
        };
        await this.checkRules(trx, ctx, row.id, row.project_id, i.shared as boolean, i.firewall_rules as string[]);
        await trx.insertInto('firewall_policies_v2').values(row).execute();
        await FirewallPolicyPlugin.setRules(trx, row.id, i.firewall_rules as string[]);
        rows.push(row);
      }
      return rows;
    });
    for (const r of rows) this.s.log.info({ event: 'firewall_policy.create', firewall_policy_id: r.id, request_id: ctx.requestId }, 'firewall policy created');
    return this.render(this.s.db.kysely, rows);
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, _ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    FirewallPolicyPlugin.refuseDefaultName(changes.name);
    const fw = new FwaasChanges();
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, [row]))[0]);
      const set: Partial<FirewallPolicyTable> = {};
      if ('name' in changes) set.name = changes.name as string;
      if ('description' in changes) set.description = changes.description as string;
      if ('shared' in changes) set.shared = int(changes.shared as boolean);
      // audited says someone checked the policy as it is; any other change voids that
      set.audited = 'audited' in changes ? int(changes.audited as boolean) : 0;
      const shared = 'shared' in changes ? (changes.shared as boolean) : bool(row.shared);
      if ('firewall_rules' in changes) {
        await this.checkRules(trx, ctx, id, row.project_id, shared, changes.firewall_rules as string[]);
        await FirewallPolicyPlugin.setRules(trx, id, changes.firewall_rules as string[]);
      } else if (shared && !bool(row.shared)) {
        const unshared = await trx
          .selectFrom('firewall_policy_rule_associations_v2 as a')
          .innerJoin('firewall_rules_v2 as r', 'r.id', 'a.firewall_rule_id')
          .select('r.id')
          .where('a.firewall_policy_id', '=', id)
          .where('r.shared', '=', 0)
          .orderBy('a.position')
          .executeTakeFirst();
        if (unshared) throw FirewallPolicySharingConflict({ firewall_policy_id: id, firewall_rule_id: unshared.id });
      }
      if (!shared && bool(row.shared)) {
        const other = await trx
          .selectFrom('firewall_groups_v2')
          .select('id')
          .where((eb) => eb.or([eb('ingress_firewall_policy_id', '=', id), eb('egress_firewall_policy_id', '=', id)]))
          .where('project_id', '!=', row.project_id)
          .executeTakeFirst();
        if (other) throw FirewallPolicyInUse({ firewall_policy_id: id });
      }
      await trx.updateTable('firewall_policies_v2').set(set).where('id', '=', id).execute();
      if ('firewall_rules' in changes) await fw.policiesChanged(trx, [id]);
      return { ...row, ...set };
    });
    this.s.log.info({ event: 'firewall_policy.update', firewall_policy_id: id, changed: Object.keys(changes), request_id: ctx.requestId }, 'firewall policy updated');
    await this.notifier.send(fw);
    return (await this.render(this.s.db.kysely, [row]))[0];
  }

  async delete(ctx: RequestContext, id: string, _ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, [row]))[0]);
      const used = await trx
        .selectFrom('firewall_groups_v2')
        .select('id')
        .where((eb) => eb.or([eb('ingress_firewall_policy_id', '=', id), eb('egress_firewall_policy_id', '=', id)]))
        .executeTakeFirst();
      if (used) throw FirewallPolicyInUse({ firewall_policy_id: id });
      await trx.deleteFrom('firewall_policy_rule_associations_v2').where('firewall_policy_id', '=', id).execute();
      await trx.deleteFrom('firewall_policies_v2').where('id', '=', id).execute();
    });
    this.s.log.info({ event: 'firewall_policy.delete', firewall_policy_id: id, request_id: ctx.requestId }, 'firewall policy deleted');
  }

  /**
   * PUT …/insert_rule {firewall_rule_id, insert_before?, insert_after?}: at the top without a
   * reference rule; insert_before wins over insert_after, as in neutron-fwaas.
   */
  async insertRule(ctx: RequestContext, id: string, body: unknown, authorize: AuthorizeChange): Promise<ApiObject> {
    const info = ruleInfo(body);
    const fw = new FwaasChanges();
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, [row]))[0]);
      const rules = await this.ruleIds(trx, id);
      if (rules.includes(info.ruleId)) throw FirewallRuleAlreadyAssociated({ firewall_rule_id: info.ruleId, firewall_policy_id: id });
      await this.checkRules(trx, ctx, id, row.project_id, bool(row.shared), [info.ruleId]);
      const before = typeof info.body.insert_before === 'string' && info.body.insert_before !== '' ? info.body.insert_before : null;
      const after = !before && typeof info.body.insert_after === 'string' && info.body.insert_after !== '' ? info.body.insert_after : null;
      let at = 0;
      const ref = before ?? after;
      if (ref) {
        const i = rules.indexOf(ref);
        if (i < 0) throw FirewallRuleNotAssociatedWithPolicy({ firewall_rule_id: ref, firewall_policy_id: id });
        at = before ? i : i + 1;
      }
      rules.splice(at, 0, info.ruleId);
      await FirewallPolicyPlugin.setRules(trx, id, rules);
      await trx.updateTable('firewall_policies_v2').set({ audited: 0 }).where('id', '=', id).execute();
      await fw.policiesChanged(trx, [id]);
      return { ...row, audited: 0 };
    });
    this.s.log.info({ event: 'firewall_policy.insert_rule', firewall_policy_id: id, firewall_rule_id: info.ruleId, request_id: ctx.requestId }, 'rule inserted into firewall policy');
    await this.notifier.send(fw);
    return (await this.render(this.s.db.kysely, [row]))[0];
  }

  /** PUT …/remove_rule {firewall_rule_id} */
  async removeRule(ctx: RequestContext, id: string, body: unknown, authorize: AuthorizeChange): Promise<ApiObject> {
    const info = ruleInfo(body);
    const fw = new FwaasChanges();
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, [row]))[0]);
      const exists = await trx.selectFrom('firewall_rules_v2').select('id').where('id', '=', info.ruleId).executeTakeFirst();
      if (!exists) throw FirewallRuleNotFound({ firewall_rule_id: info.ruleId });
      const rules = await this.ruleIds(trx, id);
      if (!rules.includes(info.ruleId)) throw FirewallRuleNotAssociatedWithPolicy({ firewall_rule_id: info.ruleId, firewall_policy_id: id });
      await FirewallPolicyPlugin.setRules(
        trx,
        id,
        rules.filter((r) => r !== info.ruleId),
      );
      await trx.updateTable('firewall_policies_v2').set({ audited: 0 }).where('id', '=', id).execute();
      await fw.policiesChanged(trx, [id]);
      return { ...row, audited: 0 };
    });
    this.s.log.info({ event: 'firewall_policy.remove_rule', firewall_policy_id: id, firewall_rule_id: info.ruleId, request_id: ctx.requestId }, 'rule removed from firewall policy');
    await this.notifier.send(fw);
    return (await this.render(this.s.db.kysely, [row]))[0];
  }
}

function ruleInfo(body: unknown): { ruleId: string; body: Record<string, unknown> } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw FirewallRuleInfoMissing({});
  const b = body as Record<string, unknown>;
  const ruleId = b.firewall_rule_id;
  if (ruleId === undefined || ruleId === null) throw FirewallRuleInfoMissing({});
  if (!isUuid(ruleId)) throw HTTPBadRequest({ msg: `Invalid input for firewall_rule_id. Reason: '${String(ruleId)}' is not a valid UUID.` });
  for (const k of ['insert_before', 'insert_after']) {
    const v = b[k];
    if (v !== undefined && v !== null && v !== '' && !isUuid(v)) throw HTTPBadRequest({ msg: `Invalid input for ${k}. Reason: '${String(v)}' is not a valid UUID.` });
  }
  return { ruleId, body: b };
}
