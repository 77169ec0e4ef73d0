// The L3 agent's metering extension (what Neutron's metering agent does, inside the L3 agent):
// after every pass over a router it asks the server for the router's labels
// (get_metering_labels) and converges the router's metering table (metering-table.ts) in one
// nft transaction; a metering_labels_updated fanout redoes every router it holds. Every
// [agent] report_interval it reads the counters of every router, logs one line per label and
// router (event metering.report) and reports them to the server (report_metering_counters),
// which keeps them for GET /v2.0/metering/metering-label-counters.
import type { Logger } from 'pino';
import { ROUTER_GATEWAY_PREFIX, servicePortDevice } from '../../../../contract/device-names.js';
import type { SyncRouter } from '../../../../contract/l3.js';
import { GET_METERING_LABELS, METERING_AGENT_TOPIC, METERING_LABELS_UPDATED, REPORT_METERING_COUNTERS, type MeteringCounter, type RouterMeteringLabels } from '../../../../contract/metering.js';
import { PLUGIN } from '../../../../contract/topics.js';
import { run } from '../../../../linux/exec.js';
import { applyNftScript, listNftTable } from '../../../../linux/nft.js';
import type { Bus } from '../../../../rpc/bus.js';
import type { L3AgentExtension, L3ExtensionDeps, L3RouterContext } from '../l3-extension.js';
import { countersOf, METERING_TABLE, renderMetering } from './metering-table.js';

interface RouterState {
  router: SyncRouter;
  namespace: string;
  labels: string[];
}

export class MeteringExtension implements L3AgentExtension {
  readonly name = 'metering';
  readonly listen;
  private readonly routers = new Map<string, RouterState>();
  private readonly bus: Bus;
  private readonly log: Logger;
  private readonly host: string;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(deps: Pick<L3ExtensionDeps, 'bus' | 'log' | 'host'>, reportInterval: number) {
    this.bus = deps.bus;
    this.log = deps.log;
    this.host = deps.host;
    this.listen = { [METERING_AGENT_TOPIC]: { [METERING_LABELS_UPDATED]: () => this.serial(() => this.convergeAll()) } };
    if (reportInterval > 0) {
      this.timer = setInterval(() => void this.report().catch((err: Error) => this.log.warn({ event: 'metering.report_failed', err: err.message }, 'metering report failed')), reportInterval * 1000);
      this.timer.unref?.();
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  routerUpdated(ctx: L3RouterContext): Promise<void> {
    return this.serial(async () => {
      const st = this.routers.get(ctx.router.id) ?? { router: ctx.router, namespace: ctx.namespace, labels: [] };
      st.router = ctx.router;
      st.namespace = ctx.namespace;
      this.routers.set(ctx.router.id, st);
      await this.converge([st]);
    });
  }

  private convergeAll(): Promise<void> {
    return this.converge([...this.routers.values()]);
  }

  private async converge(states: RouterState[]): Promise<void> {
    if (!states.length) return;
    const answer = (await this.bus.call(PLUGIN, GET_METERING_LABELS, { router_ids: states.map((s) => s.router.id) })) as RouterMeteringLabels[];
    const byRouter = new Map(answer.map((a) => [a.router_id, a.labels]));
    for (const st of states) {
      const labels = byRouter.get(st.router.id) ?? [];
      const gateway = st.router.gw_port ? servicePortDevice(ROUTER_GATEWAY_PREFIX, st.router.gw_port.id) : null;
      await applyNftScript(st.namespace, renderMetering(gateway, labels, st.labels));
      st.labels = labels.map((l) => l.id);
      this.log.debug({ event: 'metering.converged', router_id: st.router.id, labels: st.labels.length }, 'metering table converged');
    }
  }

  /** Reads every router's counters, logs them and reports them to the server. */
  async report(): Promise<MeteringCounter[]> {
    const counters: MeteringCounter[] = [];
    for (const [routerId, st] of this.routers) {
      const objects = await listNftTable(st.namespace, 'inet', METERING_TABLE).catch(() => null);
      if (!objects) continue;
      for (const [labelId, c] of countersOf(objects)) {
        counters.push({ label_id: labelId, router_id: routerId, pkts: c.pkts, bytes: c.bytes });
        this.log.info(
          { event: 'metering.report', metering_label_id: labelId, router_id: routerId, project_id: st.router.project_id, pkts: c.pkts, bytes: c.bytes, host: this.host },
          'metering counters',
        );
      }
    }
    if (counters.length) await this.bus.call(PLUGIN, REPORT_METERING_COUNTERS, { host: this.host, counters });
    return counters;
  }

  async routerDeleted(routerId: string, namespace: string): Promise<void> {
    await this.serial(async () => {
      this.routers.delete(routerId);
      await run('nft', ['delete', 'table', 'inet', METERING_TABLE], { netns: namespace, allowFailure: true });
    });
  }

  async synced(routerIds: string[]): Promise<void> {
    const keep = new Set(routerIds);
    for (const id of [...this.routers.keys()]) if (!keep.has(id)) this.routers.delete(id);
  }

  configurations(): Record<string, unknown> {
    return { routers: this.routers.size, counter: 'nftables' };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
