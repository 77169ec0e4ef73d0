// /v2.0/fwaas/firewall_rules (neutron-fwaas's firewall_db_v2): a rule is seen by its project
// and, shared, by every project; changing it marks its policies not audited and its groups
// PENDING_UPDATE, and their routers hear of it after commit.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { InvalidInput } from '../../api/errors.js';
import {
  FirewallIpAddressConflict,
  FirewallRuleInUse,
  FirewallRuleInvalidICMPParameter,
  FirewallRuleInvalidPortValue,
  FirewallRuleNotFound,
  FirewallRuleWithPortWithoutProtocolInvalid,
} from '../../api/errors-fwaas.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery } from '../../api/resource.js';
import { firewallRuleDef } from '../../api/resources/firewall-rule.js';
import { parseCidr } from '../../common/ip-address.js';
import { bool, int, rowsForIds, type IdSet } from '../../db/rows.js';
import type { FirewallRuleTable } from '../../db/schema.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import type { Services } from '../services.js';
import { FwaasChanges } from './fwaas-changes.js';
import type { FwaasNotifier } from './fwaas-notifier.js';

type RuleFields = Pick<FirewallRuleTable, 'protocol' | 'ip_version' | 'source_ip_address' | 'destination_ip_address' | 'source_port' | 'destination_port'>;

/** neutron-fwaas's checks of a rule's protocol, ports and addresses, on the rule as it will be. */
export function checkRule(r: RuleFields): void {
  if (r.protocol && r.protocol !== 'tcp' && r.protocol !== 'udp' && (r.source_port || r.destination_port)) {
    throw FirewallRuleInvalidICMPParameter({ param: 'Source, destination port' });
  }
  if (!r.protocol && (r.source_port || r.destination_port)) throw FirewallRuleWithPortWithoutProtocolInvalid({});
  for (const range of [r.source_port, r.destination_port]) {
    if (!range) continue;
    const [min, max = min] = range.split(':').map(Number);
    if (min > max) throw FirewallRuleInvalidPortValue({ port: range });
  }
  for (const a of [r.source_ip_address, r.destination_ip_address]) {
    if (a && parseCidr(a)?.version !== r.ip_version) throw FirewallIpAddressConflict({});
  }
}

/** A one-port range shows as "N", as Neutron stores min and max and shows them back. */
const normalRange = (range: string | null): string | null => {
  if (!range) return null;
  const [min, max = min] = range.split(':');
  return Number(min) === Number(max) ? String(Number(min)) : `${Number(min)}:${Number(max)}`;
};

export class FirewallRulePlugin implements Handler {
  constructor(
    private readonly s: Services,
    private readonly notifier: FwaasNotifier,
  ) {}

  visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('firewall_rules_v2 as r').selectAll('r');
    if (!ctx.isAdmin) qb = qb.where((eb) => eb.or([eb('r.project_id', '=', ctx.projectId), eb('r.shared', '=', 1)]));
    return qb;
  }

  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<FirewallRuleTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('r.id', '=', id), lock).executeTakeFirst();
    if (!row) throw FirewallRuleNotFound({ firewall_rule_id: id });
    return row as FirewallRuleTable;
  }

  async render(trx: Trx, rows: FirewallRuleTable[], ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const assoc = await rowsForIds(this.s.db, ids, 'firewall_rule_id', (where) =>
      trx.selectFrom('firewall_policy_rule_associations_v2').select(['firewall_rule_id', 'firewall_policy_id']).where(where).orderBy('firewall_policy_id').execute(),
    );
    const policies = new Map<string, string[]>();
    for (const a of assoc) policies.set(a.firewall_rule_id, [...(policies.get(a.firewall_rule_id) ?? []), a.firewall_policy_id]);
    return rows.map((r) => ({
      id: r.id,
      project_id: r.project_id,
      tenant_id: r.project_id,
      name: r.name,
      description: r.description,
      firewall_policy_id: policies.get(r.id) ?? null,
      shared: bool(r.shared),
      protocol: r.protocol,
      ip_version: Number(r.ip_version),
      source_ip_address: r.source_ip_address,
      destination_ip_address: r.destination_ip_address,
      source_port: r.source_port,
      destination_port: r.destination_port,
      action: r.action,
      enabled: bool(r.enabled),
      source_firewall_group_id: null,
      destination_firewall_group_id: null,
    }));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const trx = this.s.db.kysely;
    const { rows, ids } = await listRows<FirewallRuleTable>(firewallRuleDef, this.visible(trx, ctx), q, 'r');
    return this.render(trx, rows, ids);
  }

  async show(ctx: RequestContext, id: string): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, [await this.find(trx, ctx, id)]))[0];
  }

  private static refuseRemoteGroups(item: ApiObject): void {
    for (const k of ['source_firewall_group_id', 'destination_firewall_group_id']) {
      if (item[k] !== null && item[k] !== undefined) {
        throw InvalidInput({ msg: `${k} is not supported: the L3 agent's nftables driver matches addresses, not firewall groups; use source_ip_address or destination_ip_address` });
      }
    }
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    const rows: FirewallRuleTable[] = items.map((i) => {
      authorize(i);
      FirewallRulePlugin.refuseRemoteGroups(i);
      const row: FirewallRuleTable = {
        id: randomUUID(),
        project_id: i.project_id as string,
        name: i.name as string,
        description: i.description as string,
        shared: int(i.shared as boolean),
        protocol: i.protocol as string | null,
        ip_version: i.ip_version as number,
        source_ip_address: i.source_ip_address as string | null,
        destination_ip_address: i.destination_ip_address as string | null,
        source_port: normalRange(i.source_port as string | null),
        destination_port: normalRange(i.destination_port as string | null),
        action: i.action as string,
        enabled: int(i.enabled as boolean),
      };
      checkRule(row);
      return row;
    });
    await inTransaction(this.s.db, async (trx) => {
      await trx.insertInto('firewall_rules_v2').values(rows).execute();
    });
    for (const r of rows) this.s.log.info({ event: 'firewall_rule.create', firewall_rule_id: r.id, action: r.action, request_id: ctx.requestId }, 'firewall rule created');
    return this.render(this.s.db.kysely, rows);
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, _ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    FirewallRulePlugin.refuseRemoteGroups(changes);
    const fw = new FwaasChanges();
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, [row]))[0]);
      const set: Partial<FirewallRuleTable> = {};
      for (const k of ['name', 'description', 'protocol', 'ip_version', 'source_ip_address', 'destination_ip_address', 'action'] as const) {
        if (k in changes) (set as Record<string, unknown>)[k] = changes[k];
      }
      for (const k of ['source_port', 'destination_port'] as const) if (k in changes) set[k] = normalRange(changes[k] as string | null);
      for (const k of ['shared', 'enabled'] as const) if (k in changes) set[k] = int(changes[k] as boolean);
      const next = { ...row, ...set };
      checkRule(next);
      const policies = (await trx.selectFrom('firewall_policy_rule_associations_v2').select('firewall_policy_id').where('firewall_rule_id', '=', id).execute()).map((p) => p.firewall_policy_id);
      // unsharing a rule other projects' policies hold would take it from under them
      if (bool(row.shared) && set.shared === 0 && policies.length) {
        const others = await trx.selectFrom('firewall_policies_v2').select('id').where('id', 'in', policies).where('project_id', '!=', row.project_id).executeTakeFirst();
        if (others) throw FirewallRuleInUse({ firewall_rule_id: id });
      }
      if (Object.keys(set).length) await trx.updateTable('firewall_rules_v2').set(set).where('id', '=', id).execute();
      if (policies.length) {
        await trx.updateTable('firewall_policies_v2').set({ audited: 0 }).where('id', 'in', policies).execute();
        await fw.policiesChanged(trx, policies);
      }
      return next;
    });
    this.s.log.info({ event: 'firewall_rule.update', firewall_rule_id: id, changed: Object.keys(changes), request_id: ctx.requestId }, 'firewall rule updated');
    await this.notifier.send(fw);
    return (await this.render(this.s.db.kysely, [row]))[0];
  }

  async delete(ctx: RequestContext, id: string, _ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize((await this.render(trx, [row]))[0]);
      if (await trx.selectFrom('firewall_policy_rule_associations_v2').select('firewall_policy_id').where('firewall_rule_id', '=', id).executeTakeFirst()) {
        throw FirewallRuleInUse({ firewall_rule_id: id });
      }
      await trx.deleteFrom('firewall_rules_v2').where('id', '=', id).execute();
    });
    this.s.log.info({ event: 'firewall_rule.delete', firewall_rule_id: id, request_id: ctx.requestId }, 'firewall rule deleted');
  }
}
