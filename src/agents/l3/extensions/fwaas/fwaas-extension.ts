// The L3 agent's fwaas_v2 extension (neutron-fwaas's FWaaSV2 L3 agent extension): in each
// router's qrouter namespace, its own nft table (fwaas-ruleset.ts) filtering the forwarded
// traffic of the interfaces firewall groups are bound to. It asks the server for a router's
// groups after every router pass and when the firewall_v2 plugin casts firewall_groups_updated;
// each change is one nft transaction (a diff against the table this process applied, the whole
// table replaced when it has none), after which the connections the change forbids are ended;
// then it reports the groups' statuses.
import { cidrContains, parseCidr, parseIp } from '../../../../common/ip-address.js';
import {
  FIREWALL_AGENT,
  FIREWALL_GROUPS_UPDATED,
  FIREWALL_PLUGIN,
  GET_FIREWALL_GROUPS_FOR_ROUTERS,
  SET_FIREWALL_GROUP_STATUS,
  type FirewallGroupAgentStatus,
  type FwaasGroup,
  type FwaasRouterGroups,
} from '../../../../contract/fwaas.js';
import { DEVICE_NAME_ID_LENGTH } from '../../../../contract/device-names.js';
import type { SyncRouter } from '../../../../contract/l3.js';
import { deleteConntrack, type ConntrackFilter } from '../../../../linux/conntrack.js';
import { applyNftScript, listNftTable } from '../../../../linux/nft.js';
import { diffTable, replaceTable, type NftTable } from '../../../firewall/nft-table.js';
import type { L3AgentExtension, L3ExtensionDeps, L3RouterContext } from '../l3-extension.js';
import { FWAAS_TABLE, planFwaas } from './fwaas-ruleset.js';

interface RouterState {
  router: SyncRouter;
  namespace: string;
  /** the table this process applied last (null: none, and none is there) */
  table: NftTable | null;
  marks: Map<number, string>;
  enforced: Set<string>;
  /** one change at a time per router */
  chain: Promise<void>;
}

const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

export class FwaasL3Extension implements L3AgentExtension {
  readonly name = 'fwaas_v2';
  readonly listen;
  private readonly routers = new Map<string, RouterState>();
  private applied = 0;

  constructor(private readonly deps: L3ExtensionDeps) {
    this.listen = {
      // the agent core consumes <topic>.<host> (the server's casts) and the topic's fanouts
      [FIREWALL_AGENT]: {
        [FIREWALL_GROUPS_UPDATED]: (a: { router_ids?: unknown }) => {
          const ids = Array.isArray(a?.router_ids) ? (a.router_ids as unknown[]).filter((x): x is string => typeof x === 'string') : [];
          // routers this agent has not converged yet get their groups on their first pass
          void this.refresh(ids.filter((id) => this.routers.has(id)));
        },
      },
    };
  }

  async routerUpdated(ctx: L3RouterContext): Promise<void> {
    const known = this.routers.get(ctx.router.id);
    const st: RouterState = known ?? { router: ctx.router, namespace: ctx.namespace, table: null, marks: new Map(), enforced: new Set(), chain: Promise.resolve() };
    st.router = ctx.router;
    st.namespace = ctx.namespace;
    this.routers.set(ctx.router.id, st);
    const [groups] = await this.fetch([ctx.router.id]);
    // a failure here makes the agent retry the router pass
    await this.serialise(st, () => this.converge(st, groups?.groups ?? [], !known));
  }

  async routerDeleted(routerId: string): Promise<void> {
    // the table goes with the namespace
    this.routers.delete(routerId);
  }

  async synced(routerIds: string[]): Promise<void> {
    const keep = new Set(routerIds);
    for (const id of this.routers.keys()) if (!keep.has(id)) this.routers.delete(id);
  }

  configurations(): Record<string, unknown> {
    return { routers: [...this.routers.values()].filter((r) => r.table).length, applied_changes: this.applied };
  }

  private async fetch(routerIds: string[]): Promise<FwaasRouterGroups[]> {
    return this.deps.bus.call<FwaasRouterGroups[]>(FIREWALL_PLUGIN, GET_FIREWALL_GROUPS_FOR_ROUTERS, { host: this.deps.host, router_ids: routerIds });
  }

  private serialise(st: RouterState, work: () => Promise<void>): Promise<void> {
    const next = st.chain.then(work, work);
    st.chain = next.catch(() => undefined);
    return next;
  }

  /** The server's cast: these routers' groups changed. */
  async refresh(routerIds: string[]): Promise<void> {
    if (!routerIds.length) return;
    try {
      const answers = await this.fetch(routerIds);
      await Promise.all(
        answers.map((a) => {
          const st = this.routers.get(a.router_id);
          return st ? this.serialise(st, () => this.converge(st, a.groups, false)) : undefined;
        }),
      );
    } catch (err) {
      // the router pass retries what a cast could not do
      this.deps.log.warn({ event: 'fwaas.refresh_failed', router_ids: routerIds, err: (err as Error).message }, 'firewall groups not applied; asking the agent to redo the routers');
      this.deps.routersUpdated(routerIds);
    }
  }

  private async converge(st: RouterState, groups: FwaasGroup[], firstSight: boolean): Promise<void> {
    const t0 = performance.now();
    const plan = planFwaas(groups);
    const ns = st.namespace;
    let script: string[];
    if (!plan) {
      // nothing bound: the table goes (once; at first sight a previous process may have left one)
      if (!st.table && !firstSight) return;
      script = [`add table inet ${FWAAS_TABLE}`, `delete table inet ${FWAAS_TABLE}`];
    } else {
      script = st.table ? diffTable(st.table, plan.table) : replaceTable(plan.table);
    }
    // a previous process's table: its chains and marks say which flows it already judged
    if (firstSight && plan) await this.readBack(st, plan);
    const statuses: Record<string, FirewallGroupAgentStatus> = {};
    try {
      if (script.length) await applyNftScript(ns, `${script.join('\n')}\n`);
    } catch (err) {
      if (!st.table) throw this.report(groups, 'ERROR', err);
      // someone changed the table under us: replace it whole
      st.table = null;
      try {
        if (plan) await applyNftScript(ns, `${replaceTable(plan.table).join('\n')}\n`);
      } catch (err2) {
        throw this.report(groups, 'ERROR', err2);
      }
    }
    const forbidden = this.forbiddenFlows(st, plan);
    st.table = plan?.table ?? null;
    // the marks move on only once their flows are gone: a failed delete is redone by the retry
    if (forbidden.length) await deleteConntrack(ns, forbidden);
    st.marks = plan?.marks ?? new Map();
    st.enforced = plan?.enforced ?? new Set();
    this.applied++;
    for (const g of groups) statuses[g.id] = g.admin_state_up ? 'ACTIVE' : 'DOWN';
    this.deps.log.info(
      { event: 'fwaas.applied', router_id: st.router.id, groups: groups.length, nft_lines: script.length, conntrack_filters: forbidden.length, ms: ms(t0) },
      `firewall groups of router ${st.router.id} applied`,
    );
    if (Object.keys(statuses).length) await this.sendStatuses(statuses);
  }

  /**
   * What a previous process left in the namespace (an agent restart): the ports it enforced
   * (its in-/eg- chains) and the marks of its allow rules, so that a restart ends no flow the
   * same rules still allow.
   */
  private async readBack(st: RouterState, plan: NonNullable<ReturnType<typeof planFwaas>>): Promise<void> {
    const objects = await listNftTable(st.namespace, 'inet', FWAAS_TABLE).catch(() => null);
    if (!objects) return;
    const byShort = new Map([...plan.enforced].map((p) => [p.slice(0, DEVICE_NAME_ID_LENGTH), p]));
    for (const o of objects) {
      const chain = (o.chain?.name ?? o.rule?.chain) as string | undefined;
      const port = chain && /^(in|eg)-/.test(chain) ? byShort.get(chain.slice(3)) : undefined;
      if (!port) continue;
      st.enforced.add(port);
      const mark = /"ct":\{"key":"mark"\}\},"value":(\d+)/.exec(JSON.stringify(o.rule ?? {}))?.[1];
      if (mark) st.marks.set(Number(mark), port);
    }
  }

  /**
   * The connections the new table forbids: those an allow rule that is gone (or moved, or
   * changed) had let in on a port still enforced, and, on a port newly enforced, every
   * connection through it (it was let in before any rule; neutron-fwaas flushes them too).
   */
  private forbiddenFlows(st: RouterState, plan: ReturnType<typeof planFwaas>): ConntrackFilter[] {
    const out: ConntrackFilter[] = [];
    const enforced = plan?.enforced ?? new Set<string>();
    const marks = plan?.marks ?? new Map<number, string>();
    for (const [mark, port] of st.marks) {
      if (marks.has(mark) || !enforced.has(port)) continue;
      for (const family of ['ipv4', 'ipv6'] as const) out.push({ family, mark: { value: mark, mask: 0xffffffff } });
    }
    for (const port of enforced) {
      if (st.enforced.has(port)) continue;
      const iface = st.router._interfaces.find((i) => i.id === port);
      for (const s of iface?.subnets ?? []) {
        const family = s.ip_version === 4 ? 'ipv4' : 'ipv6';
        out.push({ family, src: s.cidr }, { family, dst: s.cidr });
        const cidr = parseCidr(s.cidr);
        for (const f of st.router._floatingips) {
          const fixed = parseIp(f.fixed_ip_address);
          if (cidr && fixed && cidrContains(cidr, fixed)) out.push({ family, dst: f.floating_ip_address });
        }
      }
    }
    return out;
  }

  private report(groups: FwaasGroup[], status: FirewallGroupAgentStatus, err: unknown): Error {
    void this.sendStatuses(Object.fromEntries(groups.map((g) => [g.id, status])));
    this.deps.log.error({ event: 'fwaas.apply_failed', err: (err as Error).message }, 'firewall groups could not be applied');
    return err as Error;
  }

  private async sendStatuses(statuses: Record<string, FirewallGroupAgentStatus>): Promise<void> {
    try {
      await this.deps.bus.call(FIREWALL_PLUGIN, SET_FIREWALL_GROUP_STATUS, { host: this.deps.host, statuses });
    } catch (err) {
      this.deps.log.warn({ event: 'fwaas.status_failed', err: (err as Error).message }, 'could not report firewall group statuses; the next pass reports them again');
    }
  }
}
