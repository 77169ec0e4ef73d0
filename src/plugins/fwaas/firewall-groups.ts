// /v2.0/fwaas/firewall_groups (neutron-fwaas's firewall_db_v2 and plugin): ingress and egress
// policies bound to router interface ports. Status as neutron-fwaas: INACTIVE without ports,
// PENDING_CREATE / PENDING_UPDATE until the L3 agents hosting the ports' routers report
// ACTIVE (or DOWN when admin_state_up is false, ERROR when they could not apply it).
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { PortNotFound } from '../../api/errors.js';
import {
  FirewallDefaultObjectUpdateRestricted,
  FirewallDefaultParameterExists,
  FirewallGroupCannotRemoveDefault,
  FirewallGroupInUse,
  FirewallGroupNotFound,
  FirewallGroupPortInUse,
  FirewallGroupPortInvalid,
  FirewallGroupPortInvalidProject,
  FirewallPolicyConflict,
  FirewallPolicyNotFound,
} from '../../api/errors-fwaas.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery } from '../../api/resource.js';
import { firewallGroupDef } from '../../api/resources/firewall-group.js';
import { DEVICE_OWNER_ROUTER_INTF } from '../../contract/device-owners.js';
import { bool, int, rowsForIds, type IdSet } from '../../db/rows.js';
import type { FirewallGroupTable } from '../../db/schema.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import type { Services } from '../services.js';
import { DEFAULT_GROUP_NAME, ensureDefaultGroup } from './default-group.js';
import { FwaasChanges } from './fwaas-changes.js';
import type { FwaasNotifier } from './fwaas-notifier.js';

/** The status a group gets from the server when it changes (the agents report the rest). */
const statusFor = (ports: string[], created: boolean): string => (ports.length ? (created ? 'PENDING_CREATE' : 'PENDING_UPDATE') : 'INACTIVE');

export class FirewallGroupPlugin implements Handler {
  constructor(
    private readonly s: Services,
    private readonly notifier: FwaasNotifier,
  ) {}

  visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('firewall_groups_v2 as g').selectAll('g');
    if (!ctx.isAdmin) qb = qb.where((eb) => eb.or([eb('g.project_id', '=', ctx.projectId), eb('g.shared', '=', 1)]));
    return qb;
  }

  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<FirewallGroupTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('g.id', '=', id), lock).executeTakeFirst();
    if (!row) throw FirewallGroupNotFound({ firewall_id: id });
    return row as FirewallGroupTable;
  }

  async render(trx: Trx, rows: FirewallGroupTable[], ids: IdSet = rows.map((r) => r.id)): Promise<ApiObject[]> {
    const assoc = await rowsForIds(this.s.db, ids, 'firewall_group_id', (where) =>
      trx.selectFrom('firewall_group_port_associations_v2').select(['firewall_group_id', 'port_id']).where(where).orderBy('port_id').execute(),
    );
    const ports = new Map<string, string[]>();
    for (const a of assoc) ports.set(a.firewall_group_id, [...(ports.get(a.firewall_group_id) ?? []), a.port_id]);
    return rows.map((g) => ({
      id: g.id,
      project_id: g.project_id,
      tenant_id: g.project_id,
      name: g.name,
      description: g.description,
      ingress_firewall_policy_id: g.ingress_firewall_policy_id,
      egress_firewall_policy_id: g.egress_firewall_policy_id,
      admin_state_up: bool(g.admin_state_up),
      ports: ports.get(g.id) ?? [],
      // a group whose last port went with its router interface (the association goes with the port) binds nothing
      status: ports.has(g.id) ? g.status : 'INACTIVE',
      shared: bool(g.shared),
    }));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    // as neutron-fwaas: listing groups makes the project's default group
    // (an admin's project filter names the project; nobody else makes another project's)
    const asked = q.filters.get('project_id')?.length === 1 ? q.filters.get('project_id')![0] : ctx.projectId;
    const project = ctx.isAdmin ? asked : ctx.projectId;
    if (project) await inTransaction(this.s.db, (trx) => ensureDefaultGroup(trx, project));
    const trx = this.s.db.kysely;
    const { rows, ids } = await listRows<FirewallGroupTable>(firewallGroupDef, this.visible(trx, ctx), q, 'g', (qb, rest) => {
      const ports = rest.get('ports');
      return ports ? qb.where('g.id', 'in', trx.selectFrom('firewall_group_port_associations_v2').select('firewall_group_id').where('port_id', 'in', ports)) : qb;
    });
    return this.render(trx, rows, ids);
  }

  async show(ctx: RequestContext, id: string): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, [await this.find(trx, ctx, id)]))[0];
  }

  /** A policy the group's project may use: its own or a shared one. */
  private async checkPolicy(trx: Trx, ctx: RequestContext, project: string, policyId: string | null): Promise<void> {
    if (!policyId) return;
    const p = await trx.selectFrom('firewall_policies_v2').select(['project_id', 'shared']).where('id', '=', policyId).executeTakeFirst();
    if (!p || (!ctx.isAdmin && p.project_id !== ctx.projectId && !bool(p.shared))) throw FirewallPolicyNotFound({ firewall_policy_id: policyId });
    if (!bool(p.shared) && p.project_id !== project) throw FirewallPolicyConflict({ firewall_policy_id: policyId });
  }

  /**
   * Ports a group may be bound to: router interfaces (the L3 agent enforces groups there; VM
   * ports would need the L2 agent's extension, not built), of the group's project (an admin
   * included), not bound to another group.
   */
  private async checkPorts(trx: Trx, ctx: RequestContext, project: string, groupId: string, portIds: string[]): Promise<void> {
    if (!portIds.length) return;
    const ports = await trx.selectFrom('ports').select(['id', 'project_id', 'device_owner']).where('id', 'in', portIds).execute();
    const byId = new Map(ports.map((p) => [p.id, p]));
    for (const id of portIds) {
      const p = byId.get(id);
      if (!p || (!ctx.isAdmin && p.project_id !== ctx.projectId)) throw PortNotFound({ id });
      if (p.device_owner !== DEVICE_OWNER_ROUTER_INTF) throw FirewallGroupPortInvalid({ port_id: id });
      if (p.project_id !== project) throw FirewallGroupPortInvalidProject({ port_id: id, project_id: p.project_id });
    }
    const taken = await trx.selectFrom('firewall_group_port_associations_v2').select('port_id').where('port_id', 'in', portIds).where('firewall_group_id', '!=', groupId).execute();
    if (taken.length) throw FirewallGroupPortInUse({ port_ids: taken.map((t) => t.port_id) });
  }

  private async setPorts(trx: Trx, groupId: string, portIds: string[]): Promise<void> {
    await trx.deleteFrom('firewall_group_port_associations_v2').where('firewall_group_id', '=', groupId).execute();
    if (portIds.length)
      await trx
        .insertInto('firewall_group_port_associations_v2')
        .values(portIds.map((port_id) => ({ firewall_group_id: groupId, port_id })))
        .execute();
  }

  /** A port bound by two racing requests: the database's key says so; answer as the check would. */
  private portRace(e: unknown, portIds: string[]): never {
    const c = this.s.db.dialect.uniqueViolation(e);
    if (c?.includes('firewall_group_port_associations_v2')) throw FirewallGroupPortInUse({ port_ids: portIds });
    throw e;
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    for (const i of items) {
      authorize(i);
      if (i.name === DEFAULT_GROUP_NAME) throw FirewallDefaultParameterExists({ name: DEFAULT_GROUP_NAME, resource_type: 'Firewall Group' });
    }
    const fw = new FwaasChanges();
    const rows = await inTransaction(this.s.db, async (trx) => {
      const rows: FirewallGroupTable[] = [];
      for (const i of items) {
        const ports = i.ports as string[];
        const row: FirewallGroupTable = {
          id: randomUUID(),
          project_id: i.project_id as string,
          name: i.name as string,
          description: i.description as string,
          admin_state_up: int(i.admin_state_up as boolean),
          status: statusFor(ports, true),
          shared: int(i.shared as boolean),
          ingress_firewall_policy_id: i.ingress_firewall_policy_id as string | null,
          egress_firewall_policy_id: i.egress_firewall_policy_id as string | null,
        };
        await ensureDefaultGroup(trx, row.project_id);
        await this.checkPolicy(trx, ctx, row.project_id, row.ingress_firewall_policy_id);
        await this.checkPolicy(trx, ctx, row.project_id, row.egress_firewall_policy_id);
        await this.checkPorts(trx, ctx, row.project_id, row.id, ports);
        await trx.insertInto('firewall_groups_v2').values(row).execute();
        await this.setPorts(trx, row.id, ports).catch((e) => this.portRace(e, ports));
        if (ports.length) fw.groups.add(row.id);
        rows.push(row);
      }
      return rows;
    });
    for (const r of rows) this.s.log.info({ event: 'firewall_group.create', firewall_group_id: r.id, status: r.status, request_id: ctx.requestId }, 'firewall group created');
    await this.notifier.send(fw);
    return this.render(this.s.db.kysely, rows);
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, _ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    if (changes.name === DEFAULT_GROUP_NAME) throw FirewallDefaultParameterExists({ name: DEFAULT_GROUP_NAME, resource_type: 'Firewall Group' });
    const fw = new FwaasChanges();
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      const before = (await this.render(trx, [row]))[0];
      authorize(before);
      if (row.name === DEFAULT_GROUP_NAME) {
        // the default group keeps its policies and state; only its ports (and, for an admin, its description …) change
        const fixed = ctx.isAdmin ? ['name'] : ['name', 'description', 'admin_state_up', 'ingress_firewall_policy_id', 'egress_firewall_policy_id'];
        if (fixed.some((k) => k in changes)) throw FirewallDefaultObjectUpdateRestricted({ resource_type: 'Firewall Group', resource_id: id });
      }
      const set: Partial<FirewallGroupTable> = {};
      if ('name' in changes) set.name = changes.name as string;
      if ('description' in changes) set.description = changes.description as string;
      if ('admin_state_up' in changes) set.admin_state_up = int(changes.admin_state_up as boolean);
      if ('shared' in changes) set.shared = int(changes.shared as boolean);
      for (const k of ['ingress_firewall_policy_id', 'egress_firewall_policy_id'] as const) {
        if (!(k in changes)) continue;
        await this.checkPolicy(trx, ctx, row.project_id, changes[k] as string | null);
        set[k] = changes[k] as string | null;
      }
      const oldPorts = before.ports as string[];
      const ports = 'ports' in changes ? (changes.ports as string[]) : oldPorts;
      if ('ports' in changes) {
        await this.checkPorts(trx, ctx, row.project_id, id, ports);
        await this.setPorts(trx, id, ports).catch((e) => this.portRace(e, ports));
        // routers that lose the group must hear of it too
        await fw.routersOfPorts(trx, oldPorts);
      }
      const enforced = ['ports', 'admin_state_up', 'ingress_firewall_policy_id', 'egress_firewall_policy_id'].some((k) => k in changes);
      if (enforced) set.status = statusFor(ports, false);
      if (Object.keys(set).length) await trx.updateTable('firewall_groups_v2').set(set).where('id', '=', id).execute();
      if (enforced) fw.groups.add(id);
      return { ...row, ...set };
    });
    this.s.log.info({ event: 'firewall_group.update', firewall_group_id: id, changed: Object.keys(changes), status: row.status, request_id: ctx.requestId }, 'firewall group updated');
    await this.notifier.send(fw);
    return (await this.render(this.s.db.kysely, [row]))[0];
  }

  async delete(ctx: RequestContext, id: string, _ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    const fw = new FwaasChanges();
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      const shown = (await this.render(trx, [row]))[0];
      authorize(shown);
      // as neutron-fwaas: a group the agents enforce is unbound from its ports first
      if (row.status === 'ACTIVE' && (shown.ports as string[]).length) throw FirewallGroupInUse({ firewall_id: id });
      const isDefault = !!(await trx.selectFrom('default_firewall_groups').select('project_id').where('firewall_group_id', '=', id).executeTakeFirst());
      if (isDefault && !ctx.isAdmin) throw FirewallGroupCannotRemoveDefault({});
      await fw.routersOfPorts(trx, shown.ports as string[]);
      await trx.deleteFrom('default_firewall_groups').where('firewall_group_id', '=', id).execute();
      await trx.deleteFrom('firewall_group_port_associations_v2').where('firewall_group_id', '=', id).execute();
      await trx.deleteFrom('firewall_groups_v2').where('id', '=', id).execute();
      if (isDefault && (row.ingress_firewall_policy_id || row.egress_firewall_policy_id)) {
        // as neutron-fwaas: the default group's policies go with it (their rules stay)
        const policies = [row.ingress_firewall_policy_id, row.egress_firewall_policy_id].filter((p): p is string => !!p);
        const inUse = new Set(
          (
            await trx
              .selectFrom('firewall_groups_v2')
              .select(['ingress_firewall_policy_id', 'egress_firewall_policy_id'])
              .where((eb) => eb.or([eb('ingress_firewall_policy_id', 'in', policies), eb('egress_firewall_policy_id', 'in', policies)]))
              .execute()
          ).flatMap((g) => [g.ingress_firewall_policy_id, g.egress_firewall_policy_id]),
        );
        const free = policies.filter((p) => !inUse.has(p));
        if (free.length) {
          await trx.deleteFrom('firewall_policy_rule_associations_v2').where('firewall_policy_id', 'in', free).execute();
          await trx.deleteFrom('firewall_policies_v2').where('id', 'in', free).execute();
        }
      }
    });
    this.s.log.info({ event: 'firewall_group.delete', firewall_group_id: id, request_id: ctx.requestId }, 'firewall group deleted');
    await this.notifier.send(fw);
  }
}
