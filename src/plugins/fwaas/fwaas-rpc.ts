// What the L3 agents' fwaas_v2 extension asks the server on q-firewall-plugin (contract/fwaas.ts):
// the groups bound to a router's interfaces with their policies' enabled rules in order, and
// the statuses it reached applying them.
import { FIREWALL_GROUP_AGENT_STATUSES, GET_FIREWALL_GROUPS_FOR_ROUTERS, SET_FIREWALL_GROUP_STATUS, type FwaasGroup, type FwaasRouterGroups, type FwaasRule } from '../../contract/fwaas.js';
import { DEVICE_OWNER_ROUTER_INTF } from '../../contract/device-owners.js';
import { bool } from '../../db/rows.js';
import type { Endpoints } from '../../rpc/bus.js';
import type { Services } from '../services.js';

export class FwaasRpcCallbacks {
  constructor(private readonly s: Services) {}

  endpoints(): Endpoints {
    return {
      [GET_FIREWALL_GROUPS_FOR_ROUTERS]: (a: { host?: string; router_ids?: unknown }) => {
        if (!Array.isArray(a?.router_ids) || a.router_ids.some((r) => typeof r !== 'string')) throw new TypeError('router_ids must be a list of router ids');
        return this.groupsForRouters(a.router_ids as string[]);
      },
      [SET_FIREWALL_GROUP_STATUS]: async (a: { host?: string; statuses?: Record<string, string> }) => {
        await this.setStatuses(a?.statuses ?? {});
        return null;
      },
    };
  }

  /** A fixed number of queries however many routers, groups and rules. */
  async groupsForRouters(routerIds: string[]): Promise<FwaasRouterGroups[]> {
    if (!routerIds.length) return [];
    const trx = this.s.db.kysely;
    const bound = await trx
      .selectFrom('routerports as rp')
      .innerJoin('firewall_group_port_associations_v2 as a', 'a.port_id', 'rp.port_id')
      .select(['rp.router_id', 'rp.port_id', 'a.firewall_group_id'])
      .where('rp.router_id', 'in', routerIds)
      .where('rp.port_type', '=', DEVICE_OWNER_ROUTER_INTF)
      .execute();
    const groupIds = [...new Set(bound.map((b) => b.firewall_group_id))];
    const groups = groupIds.length ? await trx.selectFrom('firewall_groups_v2').selectAll().where('id', 'in', groupIds).execute() : [];
    const policyIds = [...new Set(groups.flatMap((g) => [g.ingress_firewall_policy_id, g.egress_firewall_policy_id]).filter((p): p is string => !!p))];
    const rules = policyIds.length
      ? await trx
          .selectFrom('firewall_policy_rule_associations_v2 as pa')
          .innerJoin('firewall_rules_v2 as r', 'r.id', 'pa.firewall_rule_id')
          .selectAll('r')
          .select(['pa.firewall_policy_id', 'pa.position'])
          .where('pa.firewall_policy_id', 'in', policyIds)
          .orderBy('pa.firewall_policy_id')
          .orderBy('pa.position')
          .execute()
      : [];
    const byPolicy = new Map<string, FwaasRule[]>(policyIds.map((p) => [p, []]));
    for (const r of rules) {
      if (!bool(r.enabled)) continue;
      byPolicy.get(r.firewall_policy_id)!.push({
        id: r.id,
        protocol: r.protocol,
        ip_version: Number(r.ip_version) as 4 | 6,
        source_ip_address: r.source_ip_address,
        destination_ip_address: r.destination_ip_address,
        source_port: r.source_port,
        destination_port: r.destination_port,
        action: r.action as FwaasRule['action'],
      });
    }
    const groupById = new Map(groups.map((g) => [g.id, g]));
    return routerIds.map((routerId) => {
      const here = new Map<string, FwaasGroup>();
      for (const b of bound) {
        if (b.router_id !== routerId) continue;
        const g = groupById.get(b.firewall_group_id)!;
        let out = here.get(g.id);
        if (!out) {
          out = {
            id: g.id,
            admin_state_up: bool(g.admin_state_up),
            port_ids: [],
            ingress_rules: g.ingress_firewall_policy_id ? byPolicy.get(g.ingress_firewall_policy_id)! : null,
            egress_rules: g.egress_firewall_policy_id ? byPolicy.get(g.egress_firewall_policy_id)! : null,
          };
          here.set(g.id, out);
        }
        out.port_ids.push(b.port_id);
      }
      return { router_id: routerId, groups: [...here.values()] };
    });
  }

  /** Agents' reports; a group no port binds any more stays INACTIVE whatever a late report says. */
  async setStatuses(statuses: Record<string, string>): Promise<void> {
    const trx = this.s.db.kysely;
    for (const [id, status] of Object.entries(statuses)) {
      if (!FIREWALL_GROUP_AGENT_STATUSES.includes(status)) throw new TypeError(`status ${status} of firewall group ${id}: not one of ${FIREWALL_GROUP_AGENT_STATUSES.join(', ')}`);
      const r = await trx
        .updateTable('firewall_groups_v2')
        .set({ status })
        .where('id', '=', id)
        .where('id', 'in', trx.selectFrom('firewall_group_port_associations_v2').select('firewall_group_id'))
        .where('status', '!=', status)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0) this.s.log.info({ event: 'firewall_group.status', firewall_group_id: id, status }, `firewall group ${status}`);
    }
  }
}
