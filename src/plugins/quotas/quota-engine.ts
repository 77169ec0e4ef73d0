// Per-project limits with Neutron's defaults ([quotas] quota_<resource>), usage counted from
// the resource tables inside the creating transaction.
import { sql } from 'kysely';
import type { Config } from '../../config/config.js';
import { OverQuota, QuotaBelowUsage } from '../../api/errors.js';
import type { Db } from '../../db/connection.js';
import { statement } from '../../db/statement.js';
import { inTransaction, type Trx } from '../../db/transaction.js';
import type { CallbackRegistry } from '../callbacks/registry.js';

/** quota resource name → the table(s) whose rows count against it (null: not built yet, usage 0) */
export const QUOTA_RESOURCES: Record<string, string | string[] | null> = {
  network: 'networks',
  subnet: 'subnets',
  port: 'ports',
  security_group: 'securitygroups',
  security_group_rule: 'securitygrouprules',
  router: 'routers',
  floatingip: 'floatingips',
  // every object type's entries (rbac-subnetpool, rbac-address-scope) count, as Neutron's
  rbac_policy: ['networkrbacs', 'subnetpoolrbacs', 'addressscoperbacs'],
  subnetpool: 'subnetpools',
  address_scope: 'address_scopes',
};

/** The counted resources that publish before_create. */
const COUNTED = ['network', 'subnet', 'port', 'security_group', 'security_group_rule', 'router', 'floatingip', 'rbac_policy', 'subnetpool', 'address_scope'] as const;

/** Read by every create (src/db/statement.ts: compiled once). */
const PROJECT_LIMIT = statement((db, projectId: string, resource: string) => db.kysely.selectFrom('quotas').select('limit').where('project_id', '=', projectId).where('resource', '=', resource));

export class QuotaEngine {
  constructor(
    private readonly config: Config,
    private readonly db: Db,
  ) {}

  /** Every counted create is checked at the start of its transaction; a service plugin's own ports are not held to it, as in Neutron. */
  subscribe(registry: CallbackRegistry): void {
    for (const resource of COUNTED) {
      registry.subscribe(
        resource,
        'before_create',
        async (p) => {
          if ('internal' in p && p.internal) return;
          for (const [project, n] of p.counts) {
            const known = p.knownLimits?.get(project);
            if (known !== undefined) await this.checkWithOverride(p.trx, project, resource, n, known);
            else await this.check(p.trx, project, resource, n);
          }
        },
        { name: 'quotas' },
      );
    }
  }

  defaults(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of Object.keys(QUOTA_RESOURCES)) out[r] = this.config.int('quotas', `quota_${r}`);
    return out;
  }

  async limits(trx: Trx, projectId: string): Promise<Record<string, number>> {
    const out = this.defaults();
    const rows = await trx.selectFrom('quotas').select(['resource', 'limit']).where('project_id', '=', projectId).execute();
    for (const r of rows) out[r.resource] = r.limit;
    return out;
  }

  async usage(trx: Trx, projectId: string, resource: string): Promise<number> {
    const tables = QUOTA_RESOURCES[resource];
    if (!tables) return 0;
    let n = 0;
    for (const table of Array.isArray(tables) ? tables : [tables]) {
      const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where project_id = ${projectId}`.execute(trx);
      n += Number(r.rows[0]?.n ?? 0);
    }
    return n;
  }

  /** Refuses with OverQuota when `adding` more of `resource` would pass the project's limit. */
  async check(trx: Trx, projectId: string, resource: string, adding: number): Promise<void> {
    const row = await PROJECT_LIMIT.first(this.db, trx, projectId, resource);
    await this.checkWithOverride(trx, projectId, resource, adding, row ? row.limit : null);
  }

  /** As check(), with the project's own limit (or null: none) already read. */
  async checkWithOverride(trx: Trx, projectId: string, resource: string, adding: number, override: number | null): Promise<void> {
    const limit = override ?? this.config.int('quotas', `quota_${resource}`);
    if (limit < 0) return;
    const used = await this.usage(trx, projectId, resource);
    if (used + adding > limit) throw OverQuota({ overs: resource });
  }

  /** The projects that have limits of their own, with all their limits. */
  async allProjects(): Promise<[string, Record<string, number>][]> {
    const rows = await this.db.kysely.selectFrom('quotas').select(['project_id', 'resource', 'limit']).orderBy('project_id').execute();
    const byProject = new Map<string, Record<string, number>>();
    for (const r of rows) {
      if (!byProject.has(r.project_id)) byProject.set(r.project_id, this.defaults());
      byProject.get(r.project_id)![r.resource] = r.limit;
    }
    return [...byProject];
  }

  show(projectId: string): Promise<Record<string, number>> {
    return this.limits(this.db.kysely, projectId);
  }

  async details(projectId: string): Promise<Record<string, { limit: number; used: number; reserved: number }>> {
    const limits = await this.limits(this.db.kysely, projectId);
    const out: Record<string, { limit: number; used: number; reserved: number }> = {};
    for (const [r, limit] of Object.entries(limits)) {
      out[r] = { limit, used: await this.usage(this.db.kysely, projectId, r), reserved: 0 };
    }
    return out;
  }

  /**
   * Sets the project's limits; unless `force`, refuses (QuotaBelowUsage) a limit below what
   * the project already uses. Returns all its limits.
   */
  async update(projectId: string, changes: [string, number][], force: boolean): Promise<Record<string, number>> {
    await inTransaction(this.db, async (trx) => {
      if (!force) {
        for (const [resource, limit] of changes) {
          if (limit < 0) continue;
          const used = await this.usage(trx, projectId, resource);
          if (limit < used) throw QuotaBelowUsage({ resource, limit, used });
        }
      }
      for (const [resource, limit] of changes) {
        await trx.deleteFrom('quotas').where('project_id', '=', projectId).where('resource', '=', resource).execute();
        await trx.insertInto('quotas').values({ project_id: projectId, resource, limit }).execute();
      }
    });
    return this.show(projectId);
  }

  /** Back to the defaults; false when the project had no limits of its own. */
  async reset(projectId: string): Promise<boolean> {
    const r = await this.db.kysely.deleteFrom('quotas').where('project_id', '=', projectId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
