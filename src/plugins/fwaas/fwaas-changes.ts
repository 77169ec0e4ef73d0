// What one FWaaS change leaves to do after its transaction: the firewall groups whose bound
// routers must hear of it. Collected inside the transaction (where the affected groups are
// known and turned PENDING_UPDATE), sent after commit by FwaasNotifier.
import type { Trx } from '../../db/transaction.js';

export class FwaasChanges {
  /** groups whose rules, policies, ports or state changed */
  readonly groups = new Set<string>();
  /** routers that must re-read their groups even if no group binds them any more (unbound ports) */
  readonly routers = new Set<string>();

  /**
   * Marks the groups bound to ports that use any of these policies as changed and turns them
   * PENDING_UPDATE (a group without ports has nothing to apply and stays as it is).
   */
  async policiesChanged(trx: Trx, policyIds: string[]): Promise<void> {
    if (!policyIds.length) return;
    const groups = await trx
      .selectFrom('firewall_groups_v2')
      .select('id')
      .where((eb) => eb.or([eb('ingress_firewall_policy_id', 'in', policyIds), eb('egress_firewall_policy_id', 'in', policyIds)]))
      .where('id', 'in', trx.selectFrom('firewall_group_port_associations_v2').select('firewall_group_id'))
      .execute();
    const ids = groups.map((g) => g.id);
    if (!ids.length) return;
    await trx.updateTable('firewall_groups_v2').set({ status: 'PENDING_UPDATE' }).where('id', 'in', ids).execute();
    for (const id of ids) this.groups.add(id);
  }

  /** The routers whose interfaces are these ports. */
  async routersOfPorts(trx: Trx, portIds: string[]): Promise<void> {
    if (!portIds.length) return;
    for (const r of await trx.selectFrom('routerports').select('router_id').where('port_id', 'in', portIds).execute()) this.routers.add(r.router_id);
  }
}
