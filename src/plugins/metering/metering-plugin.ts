// The metering service plugin (Neutron's MeteringPlugin): labels and their rules, counted on
// every router of the label's project (a shared label: on every router) by the L3 agents'
// metering extension. Every change is one transaction; the agents are told after commit (one
// fanout: they ask again for their routers' labels). The agents' reports (packets and bytes per
// label and router, every report_interval) are kept for GET /v2.0/metering/metering-label-counters.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { InvalidInput } from '../../api/errors.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery } from '../../api/resource.js';
import { MeteringLabelNotFound, MeteringLabelRuleNotFound, meteringLabelDef, meteringLabelRuleDef } from '../../api/resources/metering.js';
import { timestamp } from '../../common/time.js';
import { METERING_AGENT_TOPIC, METERING_LABELS_UPDATED, type MeteringCounter, type RouterMeteringLabels } from '../../contract/metering.js';
import { bool, int } from '../../db/rows.js';
import type { MeteringLabelRuleTable, MeteringLabelTable } from '../../db/schema.js';
import { inTransaction, type Trx } from '../../db/transaction.js';
import type { Services } from '../services.js';

const showLabel = (r: MeteringLabelTable): ApiObject => ({ id: r.id, name: r.name, description: r.description, shared: bool(r.shared), project_id: r.project_id, tenant_id: r.project_id });
const showRule = (r: MeteringLabelRuleTable): ApiObject => ({
  id: r.id,
  metering_label_id: r.metering_label_id,
  direction: r.direction,
  remote_ip_prefix: r.remote_ip_prefix,
  source_ip_prefix: r.source_ip_prefix,
  destination_ip_prefix: r.destination_ip_prefix,
  excluded: bool(r.excluded),
  project_id: r.project_id,
  tenant_id: r.project_id,
});

export class MeteringPlugin {
  readonly labels: Handler;
  readonly rules: Handler;

  constructor(private readonly s: Services) {
    this.labels = {
      list: (ctx, q) => this.listLabels(ctx, q),
      show: (ctx, id) => this.showLabel(ctx, id),
      create: (ctx, items, authorize) => this.createLabels(ctx, items, authorize),
      delete: (ctx, id, _m, authorize) => this.deleteLabel(ctx, id, authorize),
    };
    this.rules = {
      list: (ctx, q) => this.listRules(ctx, q),
      show: (ctx, id) => this.showRuleById(ctx, id),
      create: (ctx, items, authorize) => this.createRules(ctx, items, authorize),
      delete: (ctx, id, _m, authorize) => this.deleteRule(ctx, id, authorize),
    };
  }

  private visibleLabels(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('meteringlabels as l').selectAll('l');
    if (!ctx.isAdmin) qb = qb.where((eb) => eb.or([eb('l.project_id', '=', ctx.projectId), eb('l.shared', '=', 1)]));
    return qb;
  }

  private async findLabel(trx: Trx, ctx: RequestContext, id: string): Promise<MeteringLabelTable> {
    const r = await this.visibleLabels(trx, ctx).where('l.id', '=', id).executeTakeFirst();
    if (!r) throw MeteringLabelNotFound(id);
    return r as MeteringLabelTable;
  }

  private async listLabels(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const { rows } = await listRows<MeteringLabelTable>(meteringLabelDef, this.visibleLabels(this.s.db.kysely, ctx), q, 'l');
    return rows.map(showLabel);
  }

  private async showLabel(ctx: RequestContext, id: string): Promise<ApiObject> {
    return showLabel(await this.findLabel(this.s.db.kysely, ctx, id));
  }

  private async createLabels(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    for (const i of items) authorize(i);
    const rows = await inTransaction(this.s.db, async (trx) => {
      const rows = items.map(
        (i): MeteringLabelTable => ({ id: randomUUID(), project_id: i.project_id as string, name: i.name as string, description: i.description as string, shared: int(i.shared as boolean) }),
      );
      await trx.insertInto('meteringlabels').values(rows).execute();
      return rows;
    });
    for (const r of rows) this.s.log.info({ event: 'metering_label.create', metering_label_id: r.id, project_id: r.project_id, request_id: ctx.requestId }, 'metering label created');
    await this.changed();
    return rows.map(showLabel);
  }

  private async deleteLabel(ctx: RequestContext, id: string, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.findLabel(trx, ctx, id);
      authorize(showLabel(row));
      await trx.deleteFrom('meteringlabelrules').where('metering_label_id', '=', id).execute();
      await trx.deleteFrom('meteringlabelcounters').where('metering_label_id', '=', id).execute();
      await trx.deleteFrom('meteringlabels').where('id', '=', id).execute();
    });
    this.s.log.info({ event: 'metering_label.delete', metering_label_id: id, request_id: ctx.requestId }, 'metering label deleted');
    await this.changed();
  }

  private visibleRules(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('meteringlabelrules as r').selectAll('r');
    if (!ctx.isAdmin) qb = qb.where('r.metering_label_id', 'in', this.visibleLabels(trx, ctx).clearSelect().select('l.id'));
    return qb;
  }

  private async listRules(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const { rows } = await listRows<MeteringLabelRuleTable>(meteringLabelRuleDef, this.visibleRules(this.s.db.kysely, ctx), q, 'r');
    return rows.map(showRule);
  }

  private async showRuleById(ctx: RequestContext, id: string): Promise<ApiObject> {
    const r = await this.visibleRules(this.s.db.kysely, ctx).where('r.id', '=', id).executeTakeFirst();
    if (!r) throw MeteringLabelRuleNotFound(id);
    return showRule(r as MeteringLabelRuleTable);
  }

  private async createRules(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    const rows = await inTransaction(this.s.db, async (trx) => {
      const rows: MeteringLabelRuleTable[] = [];
      for (const i of items) {
        const label = await this.findLabel(trx, ctx, i.metering_label_id as string);
        authorize(i, { project_id: label.project_id });
        const remote = i.remote_ip_prefix as string | null;
        const src = i.source_ip_prefix as string | null;
        const dst = i.destination_ip_prefix as string | null;
        if (remote && (src || dst)) throw InvalidInput({ msg: "Cannot use 'remote-ip-prefix' in conjunction with 'source-ip-prefix' or 'destination-ip-prefix'" });
        if (!remote && !src && !dst) throw InvalidInput({ msg: "You must define at least one of the following parameters 'remote_ip_prefix', or 'source_ip_prefix' or 'destination_ip_prefix'" });
        const row: MeteringLabelRuleTable = {
          id: randomUUID(),
          metering_label_id: label.id,
          project_id: label.project_id,
          direction: i.direction as string,
          remote_ip_prefix: remote,
          source_ip_prefix: src,
          destination_ip_prefix: dst,
          excluded: int(i.excluded as boolean),
        };
        await trx.insertInto('meteringlabelrules').values(row).execute();
        rows.push(row);
      }
      return rows;
    });
    for (const r of rows)
      this.s.log.info({ event: 'metering_label_rule.create', metering_label_rule_id: r.id, metering_label_id: r.metering_label_id, request_id: ctx.requestId }, 'metering label rule created');
    await this.changed();
    return rows.map(showRule);
  }

  private async deleteRule(ctx: RequestContext, id: string, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const r = await this.visibleRules(trx, ctx).where('r.id', '=', id).executeTakeFirst();
      if (!r) throw MeteringLabelRuleNotFound(id);
      authorize(showRule(r as MeteringLabelRuleTable));
      await trx.deleteFrom('meteringlabelrules').where('id', '=', id).execute();
    });
    this.s.log.info({ event: 'metering_label_rule.delete', metering_label_rule_id: id, request_id: ctx.requestId }, 'metering label rule deleted');
    await this.changed();
  }

  private async changed(): Promise<void> {
    await this.s.bus
      .fanout(METERING_AGENT_TOPIC, METERING_LABELS_UPDATED, {})
      .catch((err: Error) => this.s.log.warn({ event: 'rpc.notify_failed', topic: METERING_AGENT_TOPIC, err: err.message }, 'could not tell the L3 agents that metering labels changed'));
  }

  /** get_metering_labels: per router, its project's labels and the shared ones, with their rules. */
  async ofRouters(routerIds: string[]): Promise<RouterMeteringLabels[]> {
    const ids = routerIds.filter((r) => typeof r === 'string');
    if (!ids.length) return [];
    const trx = this.s.db.kysely;
    const routers = await trx.selectFrom('routers').select(['id', 'project_id']).where('id', 'in', ids).execute();
    const labels = await trx.selectFrom('meteringlabels').selectAll().execute();
    const rules = labels.length ? await trx.selectFrom('meteringlabelrules').selectAll().orderBy('id').execute() : [];
    return routers.map((r) => ({
      router_id: r.id,
      labels: labels
        .filter((l) => bool(l.shared) || l.project_id === r.project_id)
        .map((l) => ({
          id: l.id,
          rules: rules
            .filter((x) => x.metering_label_id === l.id)
            .map((x) => ({
              id: x.id,
              direction: x.direction as 'ingress' | 'egress',
              remote_ip_prefix: x.remote_ip_prefix,
              source_ip_prefix: x.source_ip_prefix,
              destination_ip_prefix: x.destination_ip_prefix,
              excluded: bool(x.excluded),
            })),
        })),
    }));
  }

  /** report_metering_counters: the agent's counters (totals since the label was set up on the router). */
  async report(host: string, counters: MeteringCounter[]): Promise<void> {
    const now = timestamp();
    await inTransaction(this.s.db, async (trx) => {
      const known = new Set((await trx.selectFrom('meteringlabels').select('id').execute()).map((l) => l.id));
      for (const c of counters) {
        if (!known.has(c.label_id)) continue;
        const had = await trx.selectFrom('meteringlabelcounters').select('first_update').where('metering_label_id', '=', c.label_id).where('router_id', '=', c.router_id).executeTakeFirst();
        if (had) {
          await trx
            .updateTable('meteringlabelcounters')
            .set({ host, pkts: c.pkts, bytes: c.bytes, last_update: now })
            .where('metering_label_id', '=', c.label_id)
            .where('router_id', '=', c.router_id)
            .execute();
        } else {
          await trx
            .insertInto('meteringlabelcounters')
            .values({ metering_label_id: c.label_id, router_id: c.router_id, host, pkts: c.pkts, bytes: c.bytes, first_update: now, last_update: now })
            .execute();
        }
      }
    });
  }

  /** GET /v2.0/metering/metering-label-counters (admin): what the agents last reported. */
  async counters(labelId: string | null): Promise<ApiObject[]> {
    let q = this.s.db.kysely.selectFrom('meteringlabelcounters').selectAll().orderBy('metering_label_id').orderBy('router_id');
    if (labelId) q = q.where('metering_label_id', '=', labelId);
    return (await q.execute()).map((r) => ({
      metering_label_id: r.metering_label_id,
      router_id: r.router_id,
      host: r.host,
      pkts: Number(r.pkts),
      bytes: Number(r.bytes),
      first_update: r.first_update,
      last_update: r.last_update,
    }));
  }
}
