// auto-allocated-topology (Neutron's auto_allocate service plugin): GET
// /v2.0/auto-allocated-topology/{project} gives the project a network ready to use — a
// network with a subnet from each default subnet pool, behind a router whose gateway is on
// the default external network (is_default) — made on first request and returned ever after;
// DELETE takes it away.
//
// The pieces are made through the plugins' own create calls, each its own transaction (their
// events and agent notifications go out as for any API call), under a claim row written first:
// one project's concurrent requests make one topology (the claim's primary key), and a request
// that died half-way leaves its claim with the ids made so far, which the next request cleans
// up before building again. Neutron has no claim, and can leave such pieces behind.
import type { RequestContext } from '../../api/context.js';
import { adminContext } from '../../api/context.js';
import { AutoAllocationFailure, PolicyNotAuthorized } from '../../api/errors.js';
import { NeutronError } from '../../api/errors.js';
import type { ApiObject } from '../../api/resource.js';
import { createItems } from '../../api/request-body.js';
import { networkDef } from '../../api/resources/network.js';
import { routerDef } from '../../api/resources/router.js';
import { subnetWithPoolsDef } from '../../api/resources/subnetpool.js';
import { timestamp } from '../../common/time.js';
import { uniqueViolation } from '../../db/connection.js';
import type { AutoAllocatedTopologyTable } from '../../db/schema.js';
import type { L3Service } from '../l3/l3-plugin.js';
import type { NetworkPlugin } from '../ml2/networks.js';
import type { SubnetPlugin } from '../ml2/subnets.js';
import type { Services } from '../services.js';
import type { SubnetPoolPlugin } from '../subnetpools/subnetpools.js';

/** a claim older than this whose builder is gone is cleaned up by the next request */
const STALE_CLAIM_MS = 60_000;
const allowAll = () => undefined;

export interface AutoAllocateParts {
  networks: NetworkPlugin;
  subnets: SubnetPlugin;
  pools: SubnetPoolPlugin;
  l3: L3Service;
}

export class AutoAllocate {
  constructor(
    private readonly s: Services,
    private readonly p: AutoAllocateParts,
  ) {}

  /** 'None' (what clients send for "mine") is the caller's project; only admins name another. */
  project(ctx: RequestContext, given: string): string {
    const project = given === 'None' || given === '' ? ctx.projectId : given;
    if (!ctx.isAdmin && project !== ctx.projectId) throw PolicyNotAuthorized({ action: 'get_auto_allocated_topology' });
    return project;
  }

  /** fields=dry-run: whether a topology could be made, without making it. */
  async checkRequirements(project: string): Promise<ApiObject> {
    await this.defaultExternalNetwork();
    if (!(await this.defaultPools(project)).length) throw AutoAllocationFailure({ reason: 'No default subnetpools defined' });
    return { id: 'dry-run=pass', tenant_id: project, project_id: project };
  }

  /** The project's topology, made first if it has none. */
  async get(ctx: RequestContext, project: string): Promise<ApiObject> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const row = await this.record(project);
      if (row?.state === 'ready' && row.network_id) return this.response(row.network_id, project);
      if (row && Date.now() - Date.parse(row.updated_at) < STALE_CLAIM_MS) {
        // another request is making it
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (row) await this.cleanup(row, 'stale claim');
      const external = await this.defaultExternalNetwork();
      try {
        await this.s.db.kysely.insertInto('auto_allocated_topologies').values({ project_id: project, network_id: null, router_id: null, state: 'building', updated_at: timestamp() }).execute();
      } catch (e) {
        if (uniqueViolation(e)) continue; // another request claimed it first
        throw e;
      }
      return this.response(await this.build(ctx, project, external), project);
    }
    throw AutoAllocationFailure({ reason: `the topology of project ${project} is still being made; try again` });
  }

  async delete(project: string): Promise<void> {
    const row = await this.record(project);
    if (row) await this.cleanup(row, 'deleted');
  }

  private record(project: string): Promise<AutoAllocatedTopologyTable | undefined> {
    return this.s.db.kysely.selectFrom('auto_allocated_topologies').selectAll().where('project_id', '=', project).executeTakeFirst();
  }

  private response(networkId: string, project: string): ApiObject {
    return { id: networkId, tenant_id: project, project_id: project };
  }

  private async defaultExternalNetwork(): Promise<string> {
    const nets = await this.s.db.kysely.selectFrom('networks').select('id').where('is_default', '=', 1).where('router_external', '=', 1).execute();
    if (!nets.length) throw AutoAllocationFailure({ reason: 'No default router:external network' });
    return nets[0].id;
  }

  private async defaultPools(project: string): Promise<{ id: string; ip_version: number }[]> {
    const ctx = adminContext(project);
    const trx = this.s.db.kysely;
    const out: { id: string; ip_version: number }[] = [];
    for (const version of [4, 6]) {
      const pool = await this.p.pools.defaultPool(trx, ctx, version);
      if (pool) out.push({ id: pool.id, ip_version: version });
    }
    return out;
  }

  /** Makes network, subnets, router and interfaces, recording each id in the claim; undoes all on failure. */
  private async build(ctx: RequestContext, project: string, external: string): Promise<string> {
    const as = adminContext(project, ctx.requestId);
    const note = (set: Partial<AutoAllocatedTopologyTable>) =>
      this.s.db.kysely
        .updateTable('auto_allocated_topologies')
        .set({ ...set, updated_at: timestamp() })
        .where('project_id', '=', project)
        .execute();
    const made: { network?: string; router?: string; subnets: string[] } = { subnets: [] };
    try {
      const pools = await this.defaultPools(project);
      if (!pools.length) throw AutoAllocationFailure({ reason: 'No default subnetpools defined' });
      const [network] = await this.p.networks.create(as, createItems(networkDef, { network: { name: 'auto_allocated_network', admin_state_up: false, project_id: project } }, as).items, allowAll);
      made.network = network.id as string;
      await note({ network_id: made.network });
      for (const pool of pools) {
        const body = { subnet: { name: `auto_allocated_subnet_v${pool.ip_version}`, network_id: made.network, ip_version: pool.ip_version, subnetpool_id: pool.id, project_id: project } };
        const [subnet] = await this.p.subnets.create(as, createItems(subnetWithPoolsDef, body, as).items, allowAll);
        made.subnets.push(subnet.id as string);
      }
      const routerBody = { router: { name: 'auto_allocated_router', external_gateway_info: { network_id: external }, admin_state_up: true, project_id: project } };
      const [router] = await this.p.l3.routers.create(as, createItems(routerDef, routerBody, as).items, allowAll);
      made.router = router.id as string;
      await note({ router_id: made.router });
      for (const subnet of made.subnets) await this.p.l3.interfaces.add(as, made.router, { subnet_id: subnet }, allowAll);
      await this.p.networks.update(as, made.network, { admin_state_up: true }, null, allowAll);
      await note({ state: 'ready' });
      this.s.log.info(
        { event: 'auto_allocate.made', project_id: project, network_id: made.network, router_id: made.router, subnets: made.subnets, request_id: ctx.requestId },
        `auto-allocated topology of project ${project} made`,
      );
      return made.network;
    } catch (err) {
      this.s.log.warn(
        { event: 'auto_allocate.failed', project_id: project, err: (err as Error).message, request_id: ctx.requestId },
        `auto-allocation for project ${project} failed; undoing what was made`,
      );
      await this.cleanup({ project_id: project, network_id: made.network ?? null, router_id: made.router ?? null, state: 'building', updated_at: '' }, 'failed');
      if (err instanceof NeutronError && err.type === 'AutoAllocationFailure') throw err;
      throw AutoAllocationFailure({ reason: `Unable to provide the project's topology: ${(err as Error).message}` });
    }
  }

  /** Removes a topology (or what a failed or dead request made of it) and its claim; what is already gone is skipped. */
  private async cleanup(row: AutoAllocatedTopologyTable, why: string): Promise<void> {
    const as = adminContext(row.project_id);
    const gone = (e: unknown) => e instanceof NeutronError && e.status === 404;
    if (row.router_id) {
      const ports = await this.s.db.kysely.selectFrom('routerports').select('port_id').where('router_id', '=', row.router_id).where('port_type', '=', 'network:router_interface').execute();
      for (const p of ports) await this.p.l3.interfaces.remove(as, row.router_id, { port_id: p.port_id }, allowAll).catch((e) => (gone(e) ? undefined : Promise.reject(e)));
      await this.p.l3.routers.delete(as, row.router_id, null, allowAll).catch((e) => (gone(e) ? undefined : Promise.reject(e)));
    }
    if (row.network_id) await this.p.networks.delete(as, row.network_id, null, allowAll).catch((e) => (gone(e) ? undefined : Promise.reject(e)));
    await this.s.db.kysely.deleteFrom('auto_allocated_topologies').where('project_id', '=', row.project_id).execute();
    this.s.log.info(
      { event: 'auto_allocate.removed', project_id: row.project_id, network_id: row.network_id, router_id: row.router_id, why },
      `auto-allocated topology of project ${row.project_id} removed (${why})`,
    );
  }
}
