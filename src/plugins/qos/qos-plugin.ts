// The qos service plugin (Neutron's QoSPlugin): policies, their rules, the project's default
// policy (qos-default), and what the L2 agents are told. Every change is one transaction; the
// agents hear of a changed policy after commit (one fanout carrying the policy, whose ports'
// agents apply it at once), and of a port's or network's new policy by ML2's own port and
// network fanouts.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery } from '../../api/resource.js';
import {
  QOS_RULE_KINDS,
  QoSPolicyDefaultAlreadyExists,
  QosPolicyInUse,
  QosPolicyNotFound,
  QosRuleDuplicate,
  QosRuleNotFound,
  qosPolicyDef,
  type QosRuleKind,
  type QosRuleType,
} from '../../api/resources/qos.js';
import { timestamp } from '../../common/time.js';
import { QOS_POLICY_UPDATE, QOS_POLICY_UPDATE_TOPIC, type AgentQosPolicy, type AgentQosRule } from '../../contract/qos.js';
import { bool, int } from '../../db/rows.js';
import type { QosPolicyTable } from '../../db/schema.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import { checkRevision, saveChanges } from '../revision.js';
import type { Services } from '../services.js';

type RuleRow = Record<string, unknown> & { id: string; qos_policy_id: string };

function showRule(kind: QosRuleKind, r: RuleRow): ApiObject {
  const out: ApiObject = { id: r.id, qos_policy_id: r.qos_policy_id };
  for (const a of kind.attributes) out[a.name] = r[a.column!];
  return { ...out, type: kind.type };
}

export class QosPlugin implements Handler {
  constructor(private readonly s: Services) {}

  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('qos_policies as p').selectAll('p');
    if (!ctx.isAdmin) qb = qb.where((eb) => eb.or([eb('p.project_id', '=', ctx.projectId), eb('p.shared', '=', 1)]));
    return qb;
  }

  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<QosPolicyTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('p.id', '=', id), lock).executeTakeFirst();
    if (!row) throw QosPolicyNotFound(id);
    return row as QosPolicyTable;
  }

  /** The rules of these policies, as the API shows them in a policy's `rules`. */
  private async rulesOf(trx: Trx, ids: string[]): Promise<Map<string, ApiObject[]>> {
    const out = new Map<string, ApiObject[]>();
    if (!ids.length) return out;
    for (const kind of QOS_RULE_KINDS) {
      const rows = (await trx.selectFrom(kind.table).selectAll().where('qos_policy_id', 'in', ids).orderBy('id').execute()) as unknown as RuleRow[];
      for (const r of rows) out.set(r.qos_policy_id, [...(out.get(r.qos_policy_id) ?? []), showRule(kind, r)]);
    }
    return out;
  }

  private async render(trx: Trx, rows: QosPolicyTable[]): Promise<ApiObject[]> {
    const rules = await this.rulesOf(
      trx,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      shared: bool(r.shared),
      is_default: bool(r.is_default),
      rules: rules.get(r.id) ?? [],
      project_id: r.project_id,
      tenant_id: r.project_id,
      created_at: r.created_at,
      updated_at: r.updated_at,
      revision_number: Number(r.revision_number),
    }));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows } = await listRows<QosPolicyTable>(qosPolicyDef, this.visible(trx, ctx), q, 'p');
    return this.render(trx, rows);
  }

  async show(ctx: RequestContext, id: string): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, [await this.find(trx, ctx, id)]))[0];
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    for (const i of items) authorize(i);
    const rows = await inTransaction(this.s.db, async (trx) => {
      const now = timestamp();
      const rows: QosPolicyTable[] = [];
      for (const i of items) {
        const row: QosPolicyTable = {
          id: randomUUID(),
          project_id: i.project_id as string,
          name: i.name as string,
          description: i.description as string,
          shared: int(i.shared as boolean),
          is_default: int(i.is_default as boolean),
          created_at: now,
          updated_at: now,
          revision_number: 0,
        };
        await trx.insertInto('qos_policies').values(row).execute();
        if (row.is_default) await this.makeDefault(trx, row);
        rows.push(row);
      }
      return rows;
    });
    for (const r of rows) this.s.log.info({ event: 'qos_policy.create', qos_policy_id: r.id, project_id: r.project_id, request_id: ctx.requestId }, 'QoS policy created');
    return this.render(this.s.db.kysely, rows);
  }

  /** qos-default: one default policy per project; a second is refused. */
  private async makeDefault(trx: Trx, row: QosPolicyTable): Promise<void> {
    const other = await trx.selectFrom('qos_policies_default').select('qos_policy_id').where('project_id', '=', row.project_id).executeTakeFirst();
    if (other && other.qos_policy_id !== row.id) throw QoSPolicyDefaultAlreadyExists(row.project_id);
    if (!other) await trx.insertInto('qos_policies_default').values({ project_id: row.project_id, qos_policy_id: row.id }).execute();
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize({ id: row.id, project_id: row.project_id, name: row.name, shared: bool(row.shared) });
      checkRevision(row.revision_number, ifMatch);
      const set: Partial<QosPolicyTable> = {};
      if ('name' in changes) set.name = changes.name as string;
      if ('description' in changes) set.description = changes.description as string;
      if ('shared' in changes) set.shared = int(changes.shared as boolean);
      if ('is_default' in changes) {
        set.is_default = int(changes.is_default as boolean);
        if (set.is_default) await this.makeDefault(trx, row);
        else await trx.deleteFrom('qos_policies_default').where('qos_policy_id', '=', id).execute();
      }
      return saveChanges(trx, 'qos_policies', row, set);
    });
    this.s.log.info({ event: 'qos_policy.update', qos_policy_id: id, changed: Object.keys(changes), request_id: ctx.requestId }, 'QoS policy updated');
    return (await this.render(this.s.db.kysely, [row]))[0];
  }

  async delete(ctx: RequestContext, id: string, ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize({ id: row.id, project_id: row.project_id, name: row.name, shared: bool(row.shared) });
      checkRevision(row.revision_number, ifMatch);
      const port = await trx.selectFrom('ports').select('id').where('qos_policy_id', '=', id).executeTakeFirst();
      if (port) throw QosPolicyInUse({ policy_id: id, object_type: 'port', object_id: port.id });
      const net = await trx.selectFrom('networks').select('id').where('qos_policy_id', '=', id).executeTakeFirst();
      if (net) throw QosPolicyInUse({ policy_id: id, object_type: 'network', object_id: net.id });
      await trx.deleteFrom('qos_policies').where('id', '=', id).execute();
    });
    this.s.log.info({ event: 'qos_policy.delete', qos_policy_id: id, request_id: ctx.requestId }, 'QoS policy deleted');
  }

  // --- rules -------------------------------------------------------------------------------

  private async findRule(trx: Trx, kind: QosRuleKind, policyId: string, ruleId: string): Promise<RuleRow> {
    const r = await trx.selectFrom(kind.table).selectAll().where('id', '=', ruleId).where('qos_policy_id', '=', policyId).executeTakeFirst();
    if (!r) throw QosRuleNotFound({ policy_id: policyId, rule_id: ruleId });
    return r as unknown as RuleRow;
  }

  /** The policy a rule of this kind and id belongs to (qos-rules-alias), or QosRuleNotFound. */
  async policyOfRule(ctx: RequestContext, kind: QosRuleKind, ruleId: string): Promise<string> {
    const r = await this.s.db.kysely.selectFrom(kind.table).select('qos_policy_id').where('id', '=', ruleId).executeTakeFirst();
    if (!r) throw QosRuleNotFound({ policy_id: '', rule_id: ruleId });
    await this.find(this.s.db.kysely, ctx, r.qos_policy_id).catch(() => {
      throw QosRuleNotFound({ policy_id: r.qos_policy_id, rule_id: ruleId });
    });
    return r.qos_policy_id;
  }

  /** The policy as its rules' policy checks see it (project_id), or QosPolicyNotFound. */
  async policyTarget(ctx: RequestContext, policyId: string): Promise<ApiObject> {
    const p = await this.find(this.s.db.kysely, ctx, policyId);
    return { project_id: p.project_id, shared: bool(p.shared) };
  }

  async listRules(ctx: RequestContext, kind: QosRuleKind, policyId: string, q: ListQuery, def: typeof qosPolicyDef): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    await this.find(trx, ctx, policyId);
    // biome-ignore lint/suspicious/noExplicitAny: one helper for three rule tables
    const base = (trx as any).selectFrom(`${kind.table} as r`).selectAll('r').where('r.qos_policy_id', '=', policyId);
    const { rows } = await listRows<RuleRow>(def, base, q, 'r');
    return rows.map((r) => showRule(kind, r));
  }

  async showRule(ctx: RequestContext, kind: QosRuleKind, policyId: string, ruleId: string): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    await this.find(trx, ctx, policyId);
    return showRule(kind, await this.findRule(trx, kind, policyId, ruleId));
  }

  async createRule(ctx: RequestContext, kind: QosRuleKind, policyId: string, item: ApiObject, authorize: (target: ApiObject) => void): Promise<ApiObject> {
    const row = await inTransaction(this.s.db, async (trx) => {
      const policy = await this.find(trx, ctx, policyId, true);
      authorize({ ...item, project_id: policy.project_id });
      const row: RuleRow = { id: randomUUID(), qos_policy_id: policyId };
      for (const a of kind.attributes) row[a.column!] = item[a.name];
      await this.checkUnique(trx, kind, row);
      await trx
        .insertInto(kind.table)
        .values(row as never)
        .execute();
      await saveChanges(trx, 'qos_policies', policy, {});
      return row;
    });
    this.s.log.info({ event: 'qos_rule.create', qos_policy_id: policyId, rule_id: row.id, type: kind.type, request_id: ctx.requestId }, 'QoS rule created');
    await this.policyChanged(policyId);
    return showRule(kind, row);
  }

  async updateRule(ctx: RequestContext, kind: QosRuleKind, policyId: string, ruleId: string, changes: ApiObject, authorize: (target: ApiObject) => void): Promise<ApiObject> {
    const row = await inTransaction(this.s.db, async (trx) => {
      const policy = await this.find(trx, ctx, policyId, true);
      const before = await this.findRule(trx, kind, policyId, ruleId);
      authorize({ ...showRule(kind, before), project_id: policy.project_id });
      const set: Record<string, unknown> = {};
      for (const a of kind.attributes) if (a.name in changes) set[a.column!] = changes[a.name];
      const row = { ...before, ...set };
      await this.checkUnique(trx, kind, row);
      if (Object.keys(set).length)
        await trx
          .updateTable(kind.table)
          .set(set as never)
          .where('id', '=', ruleId)
          .execute();
      await saveChanges(trx, 'qos_policies', policy, {});
      return row;
    });
    this.s.log.info({ event: 'qos_rule.update', qos_policy_id: policyId, rule_id: ruleId, type: kind.type, changed: Object.keys(changes), request_id: ctx.requestId }, 'QoS rule updated');
    await this.policyChanged(policyId);
    return showRule(kind, row);
  }

  async deleteRule(ctx: RequestContext, kind: QosRuleKind, policyId: string, ruleId: string, authorize: (target: ApiObject) => void): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const policy = await this.find(trx, ctx, policyId, true);
      const before = await this.findRule(trx, kind, policyId, ruleId);
      authorize({ ...showRule(kind, before), project_id: policy.project_id });
      await trx.deleteFrom(kind.table).where('id', '=', ruleId).execute();
      await saveChanges(trx, 'qos_policies', policy, {});
    });
    this.s.log.info({ event: 'qos_rule.delete', qos_policy_id: policyId, rule_id: ruleId, type: kind.type, request_id: ctx.requestId }, 'QoS rule deleted');
    await this.policyChanged(policyId);
  }

  /** one rule of a kind per policy (and direction, where the kind has one) */
  private async checkUnique(trx: Trx, kind: QosRuleKind, row: RuleRow): Promise<void> {
    let q = trx.selectFrom(kind.table).select('id').where('qos_policy_id', '=', row.qos_policy_id).where('id', '!=', row.id);
    if (kind.uniqueBy) q = q.where(kind.uniqueBy as 'direction', '=', row[kind.uniqueBy] as string);
    if (await q.executeTakeFirst()) {
      throw QosRuleDuplicate({ kind: kind.objectName, policy_id: row.qos_policy_id, direction: kind.uniqueBy ? (row[kind.uniqueBy] as string) : undefined });
    }
  }

  // --- agents ------------------------------------------------------------------------------

  /** get_qos_policies: the policies (with their rules) the agents' ports name. */
  async forAgents(ids: string[]): Promise<AgentQosPolicy[]> {
    const wanted = [...new Set(ids.filter((i) => typeof i === 'string'))];
    if (!wanted.length) return [];
    const trx = this.s.db.kysely;
    const found = await trx.selectFrom('qos_policies').select('id').where('id', 'in', wanted).execute();
    const rules = await this.rulesOf(
      trx,
      found.map((f) => f.id),
    );
    return found.map((f) => ({ id: f.id, rules: (rules.get(f.id) ?? []).map(agentRule) }));
  }

  /** After commit: every L2 agent hears the policy as it now is (those with its ports apply it). */
  private async policyChanged(policyId: string): Promise<void> {
    const [policy] = await this.forAgents([policyId]);
    if (!policy) return;
    await this.s.bus.fanout(QOS_POLICY_UPDATE_TOPIC, QOS_POLICY_UPDATE, { policy }).then(
      () => this.s.log.debug({ event: 'rpc.notify', topic: QOS_POLICY_UPDATE_TOPIC, qos_policy_id: policyId }, 'QoS policy sent to the L2 agents'),
      (err: Error) => this.s.log.warn({ event: 'rpc.notify_failed', topic: QOS_POLICY_UPDATE_TOPIC, err: err.message }, 'could not send the QoS policy to the L2 agents'),
    );
  }
}

function agentRule(r: ApiObject): AgentQosRule {
  const { qos_policy_id: _p, ...rest } = r;
  return rest as unknown as AgentQosRule;
}

export const ruleKind = (type: QosRuleType): QosRuleKind => QOS_RULE_KINDS.find((k) => k.type === type)!;
