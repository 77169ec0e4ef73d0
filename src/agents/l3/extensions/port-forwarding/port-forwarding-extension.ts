// The L3 agent's port_forwarding extension (Neutron's l3 agent extension of that name): the
// router's port forwardings as DNAT map entries in an nft table of its own (pf-table.ts) in
// the qrouter namespace. It converges a router after every pass of the agent over it and
// whenever the server casts port_forwardings_updated; each time it asks the server for the
// router's forwardings (get_port_forwardings) and changes the table in one nft transaction
// (the first apply of the process replaces the table whole, in one transaction too). Passes
// of one router run one at a time; requests during a pass coalesce into one more pass.
import type { Logger } from 'pino';
import { GET_PORT_FORWARDINGS, PORT_FORWARDING_AGENT, PORT_FORWARDING_PLUGIN, PORT_FORWARDINGS_UPDATED, type RouterPortForwardings } from '../../../../contract/port-forwarding.js';
import { ROUTER_GATEWAY_PREFIX, servicePortDevice } from '../../../../contract/device-names.js';
import { sendGratuitousArp } from '../../../../linux/arp.js';
import { deleteConntrack } from '../../../../linux/conntrack.js';
import { namespaceExists } from '../../../../linux/netns.js';
import { applyNftScript, listNftTable } from '../../../../linux/nft.js';
import type { Bus } from '../../../../rpc/bus.js';
import { diffTable, replaceTable, type NftTable } from '../../../firewall/nft-table.js';
import type { L3AgentExtension, L3ExtensionDeps, L3RouterContext } from '../l3-extension.js';
import { changedPorts, PF_TABLE, renderPortForwardings } from './pf-table.js';

interface RouterState {
  namespace: string;
  applied: NftTable | null;
  running: Promise<void> | null;
  again: boolean;
  forwardings: number;
  /** forwarded floating IPs the router holds on qg- that neighbours were told of (gratuitous ARP) */
  announced: Set<string>;
}

export class PortForwardingExtension implements L3AgentExtension {
  readonly name = 'port_forwarding';
  readonly listen;
  private readonly routers = new Map<string, RouterState>();
  private readonly bus: Bus;
  private readonly log: Logger;
  private readonly host: string;

  constructor(deps: L3ExtensionDeps) {
    this.bus = deps.bus;
    this.log = deps.log;
    this.host = deps.host;
    this.listen = {
      [PORT_FORWARDING_AGENT]: {
        [PORT_FORWARDINGS_UPDATED]: (a: { routers?: unknown }) => {
          const ids = Array.isArray(a?.routers) ? a.routers.filter((r): r is string => typeof r === 'string') : [];
          // routers this agent has not converged yet get their forwardings on their first pass
          for (const id of ids) if (this.routers.has(id)) void this.converge(id).catch(() => undefined);
        },
      },
    };
  }

  async routerUpdated(ctx: L3RouterContext): Promise<void> {
    let st = this.routers.get(ctx.router.id);
    if (!st) {
      st = { namespace: ctx.namespace, applied: null, running: null, again: false, forwardings: 0, announced: new Set() };
      this.routers.set(ctx.router.id, st);
    } else st.namespace = ctx.namespace;
    await this.converge(ctx.router.id);
    // the agent's pass just put a forwarded floating IP on qg- (it has no 1:1 NAT, so the agent
    // does not announce it): tell the external network at once, as the agent does for its own
    const gw = ctx.router.gw_port;
    const held = new Set(gw ? (ctx.router.port_forwardings_fip_set ?? []).map((c) => c.split('/')[0]) : []);
    for (const ip of [...st.announced]) if (!held.has(ip)) st.announced.delete(ip);
    if (gw) {
      const dev = servicePortDevice(ROUTER_GATEWAY_PREFIX, gw.id);
      for (const ip of held) {
        if (st.announced.has(ip)) continue;
        st.announced.add(ip);
        void sendGratuitousArp(ctx.namespace, dev, ip);
      }
    }
  }

  async routerDeleted(routerId: string): Promise<void> {
    // the table goes with the namespace
    this.routers.delete(routerId);
  }

  async synced(routerIds: string[]): Promise<void> {
    const keep = new Set(routerIds);
    for (const id of [...this.routers.keys()]) if (!keep.has(id)) this.routers.delete(id);
  }

  configurations(): Record<string, unknown> {
    let forwardings = 0;
    for (const r of this.routers.values()) forwardings += r.forwardings;
    return { routers: this.routers.size, port_forwardings: forwardings };
  }

  /** One pass at a time per router; asked during a pass, one more pass after it. */
  private converge(routerId: string): Promise<void> {
    const st = this.routers.get(routerId);
    if (!st) return Promise.resolve();
    if (st.running) {
      st.again = true;
      return st.running;
    }
    const loop = async () => {
      try {
        do {
          st.again = false;
          await this.pass(routerId, st);
        } while (st.again && this.routers.get(routerId) === st);
      } finally {
        st.running = null;
      }
    };
    st.running = loop();
    return st.running;
  }

  private async pass(routerId: string, st: RouterState): Promise<void> {
    const t0 = performance.now();
    const answer = await this.bus.call<RouterPortForwardings[]>(PORT_FORWARDING_PLUGIN, GET_PORT_FORWARDINGS, { host: this.host, router_ids: [routerId] });
    const pfs = answer.find((r) => r.router_id === routerId)?.port_forwardings ?? [];
    if (this.routers.get(routerId) !== st || !namespaceExists(st.namespace)) return;
    const table = renderPortForwardings(pfs);
    // a router that never had forwardings gets no table until it has one
    if (!st.applied && !pfs.length) {
      const left = await this.tableExists(st.namespace);
      if (!left) return;
    }
    const lines = st.applied ? diffTable(st.applied, table) : replaceTable(table);
    if (!lines.length) return;
    try {
      await applyNftScript(st.namespace, `${lines.join('\n')}\n`);
    } catch (err) {
      if (!st.applied) throw err;
      this.log.warn({ event: 'port_forwarding.incremental_failed', router_id: routerId, err: (err as Error).message }, 'incremental nft change failed; replacing the port forwarding table');
      await applyNftScript(st.namespace, `${replaceTable(table).join('\n')}\n`);
    }
    const gone = st.applied ? changedPorts(st.applied.sets.get('forwards')!.elements, table.sets.get('forwards')!.elements) : [];
    st.applied = table;
    st.forwardings = pfs.length;
    if (gone.length && gone.length <= 1024) {
      // flows of a forwarding removed or moved must not keep their old DNAT
      await deleteConntrack(
        st.namespace,
        gone.map((g) => ({ family: 'ipv4' as const, dst: g.dst, protocol: g.protocol, dport: g.dport })),
      ).catch((err: Error) => this.log.error({ event: 'port_forwarding.conntrack_failed', router_id: routerId, err: err.message }, 'could not delete the flows of removed port forwardings'));
    }
    this.log.info(
      { event: 'port_forwarding.applied', router_id: routerId, port_forwardings: pfs.length, changes: lines.length, ms: Math.round((performance.now() - t0) * 10) / 10 },
      `port forwardings of router ${routerId} applied`,
    );
  }

  private async tableExists(namespace: string): Promise<boolean> {
    return (await listNftTable(namespace, 'ip', PF_TABLE)) !== null;
  }
}

export const portForwardingExtension = (deps: L3ExtensionDeps): L3AgentExtension => new PortForwardingExtension(deps);
