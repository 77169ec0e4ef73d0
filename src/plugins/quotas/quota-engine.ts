// Per-project limits with Neutron's defaults ([quotas] quota_<resource>), usage counted from
// the resource tables inside the creating transaction.
import { sql } from 'kysely';
import type { Config } from '../../config/config.js';
import { OverQuota } from '../../api/errors.js';
import type { Trx } from '../../db/transaction.js';

/** quota resource name → the table whose rows count against it (null: not built yet, usage 0) */
export const QUOTA_RESOURCES: Record<string, string | null> = {
  network: 'networks',
  subnet: 'subnets',
  port: 'ports',
  security_group: 'securitygroups',
  security_group_rule: 'securitygrouprules',
  router: 'routers',
  floatingip: 'floatingips',
  rbac_policy: 'networkrbacs',
  subnetpool: null,
};

export class QuotaEngine {
  constructor(private readonly config: Config) {}

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
    const table = QUOTA_RESOURCES[resource];
    if (!table) return 0;
    const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where project_id = ${projectId}`.execute(trx);
    return Number(r.rows[0]?.n ?? 0);
  }

  /** Refuses with OverQuota when `adding` more of `resource` would pass the project's limit. */
  async check(trx: Trx, projectId: string, resource: string, adding: number): Promise<void> {
    const row = await trx.selectFrom('quotas').select('limit').where('project_id', '=', projectId).where('resource', '=', resource).executeTakeFirst();
    await this.checkWithOverride(trx, projectId, resource, adding, row ? row.limit : null);
  }

  /** As check(), with the project's own limit (or null: none) already read. */
  async checkWithOverride(trx: Trx, projectId: string, resource: string, adding: number, override: number | null): Promise<void> {
    const limit = override ?? this.config.int('quotas', `quota_${resource}`);
    if (limit < 0) return;
    const used = await this.usage(trx, projectId, resource);
    if (used + adding > limit) throw OverQuota({ overs: resource });
  }
}
