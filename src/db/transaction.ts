// One transaction per API change, retried a bounded number of times when the database's
// unique constraints (the final guard for IPs, MACs and default groups) catch a race.
import type { Kysely, Transaction } from 'kysely';
import type { Db } from './connection.js';
import type { Database } from './schema.js';

export type Trx = Transaction<Database> | Kysely<Database>;

/** Hooks that run after the transaction ends, to keep in-memory caches in step with the database. */
export class UnitOfWork {
  private commits: (() => void)[] = [];
  private rollbacks: (() => void)[] = [];
  onCommit(f: () => void): void {
    this.commits.push(f);
  }
  onRollback(f: () => void): void {
    this.rollbacks.push(f);
  }
  committed(): void {
    for (const f of this.commits) f();
  }
  rolledBack(): void {
    for (const f of this.rollbacks.reverse()) f();
  }
}

/** Constraint violations that mean "someone else got there first, try again". */
const RETRYABLE = [
  'uniq_ipallocations0subnet_id0ip_address',
  'uniq_ports0network_id0mac_address',
  'default_security_group_pkey',
  'default_security_group.project_id',
  'ml2_segment_allocations',
  'uniq_agents0agent_type0host',
  'agents.agent_type',
  'networkdhcpagentbindings',
  'routerl3agentbindings',
  // two HA routers of one network took the same VRRP id: the retry takes the next
  'ha_router_vrid_allocations',
  // two first requests of a project made its default firewall group: the retry finds it
  'default_firewall_groups',
  // two associations of one fixed address: the retry finds the first and answers 409
  'uniq_floatingips0floatingnetworkid0fixedportid0fixedipaddress',
];

export const MAX_RETRIES = 10;

export async function inTransaction<T>(db: Db, work: (trx: Transaction<Database>, uow: UnitOfWork) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const uow = new UnitOfWork();
    try {
      const result = await db.kysely.transaction().execute((trx) => work(trx, uow));
      uow.committed();
      return result;
    } catch (e) {
      uow.rolledBack();
      const c = db.dialect.uniqueViolation(e);
      if (c && RETRYABLE.some((r) => c.includes(r)) && attempt < MAX_RETRIES) {
        // a little jitter so racing servers do not collide in lockstep
        await new Promise((r) => setTimeout(r, Math.random() * 2 * attempt));
        continue;
      }
      throw e;
    }
  }
}

/** Row lock for read-modify-write inside a transaction, on databases that need one. */
export function lockedIf<T extends { forUpdate(): T }>(db: Db, qb: T, lock: boolean): T {
  return lock ? db.dialect.forUpdate(qb) : qb;
}
