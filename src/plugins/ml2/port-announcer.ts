// After a port change commits: the L2 agents of bound ports hear port_update / port_delete,
// the mechanism drivers' postcommit runs (l2population), security groups whose members
// changed are announced, and the port's after_* event goes to the callback registry (DHCP).
import type { RequestContext } from '../../api/context.js';
import type { ApiObject } from '../../api/resource.js';
import type { IpAllocationTable, PortBindingTable, PortTable } from '../../db/schema.js';
import type { Services } from '../services.js';
import { bool, groupBy } from '../../db/rows.js';
import type { MechanismManager } from './mech/mechanism-manager.js';
import type { PortEvent } from './mech/mechanism-driver.js';
import { unboundBinding, type PortBinder } from './port-binding.js';

/** A port as read or written by one request: its row and its children. */
export interface PortParts {
  row: PortTable;
  ips: IpAllocationTable[];
  groups: string[];
  tags: string[];
  binding: PortBindingTable;
}

export class PortAnnouncer {
  constructor(
    private readonly s: Services,
    private readonly binder: PortBinder,
    private readonly mech: MechanismManager,
    private readonly show: (parts: PortParts[]) => Promise<ApiObject[]>,
  ) {}

  /**
   * Bound ports go to the agents (port_update), postcommit hooks run, and the groups whose
   * members changed are announced — unless `membersChanged` is false (an update that touched no
   * address, group or pair: every L2 agent would re-read those groups for nothing).
   */
  async changed(parts: PortParts[], before: Map<string, PortEvent | null>, groupsBefore: string[] = [], membersChanged = true): Promise<void> {
    const groups = new Set(membersChanged ? groupsBefore : []);
    for (const p of parts) {
      if (membersChanged) p.groups.forEach((g) => groups.add(g));
      const wasBound = before.get(p.row.id)?.host;
      if (p.binding.host || wasBound) this.s.notifier.portUpdate(agentView(p), await this.boundSegment(p.binding), [...new Set([p.binding.host, wasBound ?? ''])].filter(Boolean));
      if (before.get(p.row.id) || p.binding.host) {
        const now = await this.binder.portEvent(this.s.db.kysely, p.row.id);
        if (now) await this.mech.portUpdated(now, before.get(p.row.id) ?? null);
      }
    }
    if (groups.size) await this.s.callbacks.publish('security_group', 'after_members_update', { groupIds: [...groups] });
  }

  /** Ports changed inside another plugin's transaction (routers, floating IPs), after its commit. */
  async announce(portIds: string[], before: Map<string, PortEvent | null>): Promise<void> {
    const trx = this.s.db.kysely;
    const rows = await trx.selectFrom('ports').selectAll().where('id', 'in', portIds).execute();
    const ips = groupBy(await trx.selectFrom('ipallocations').selectAll().where('port_id', 'in', portIds).execute(), (a) => a.port_id);
    const groups = groupBy(await trx.selectFrom('securitygroupportbindings').selectAll().where('port_id', 'in', portIds).execute(), (b) => b.port_id);
    const bindings = await this.binder.bindingsOf(trx, portIds);
    const parts = rows.map((row) => ({
      row,
      ips: ips.get(row.id) ?? [],
      groups: (groups.get(row.id) ?? []).map((g) => g.security_group_id),
      tags: [],
      binding: bindings.get(row.id) ?? unboundBinding(row.id),
    }));
    await this.changed(parts, before);
    if (parts.length) await this.s.callbacks.publish('port', 'after_update', { context: null, ports: await this.show(parts.map((p) => ({ ...p, groups: [...p.groups].sort() }))) });
  }

  /** The DHCP agents, the L2 agents and the mechanism drivers hear that the port is gone. */
  async deleted(ctx: RequestContext | null, id: string, networkId: string, fixedIps: { subnet_id: string; ip_address: string }[], before: PortEvent | null, groups: string[] = []): Promise<void> {
    await this.s.callbacks.publish('port', 'after_delete', { context: ctx, portId: id, networkId, fixedIps, securityGroups: groups });
    if (before) {
      this.s.notifier.portDelete(id, before.networkId);
      await this.mech.portDeleted(before);
    }
    if (groups.length) await this.s.callbacks.publish('security_group', 'after_members_update', { groupIds: groups });
  }

  private async boundSegment(b: PortBindingTable) {
    if (!b.segment_id) return null;
    return (await this.binder.segments(this.s.db.kysely, [b.segment_id])).get(b.segment_id) ?? null;
  }
}

/** What agents need to know of a changed port (they fetch the rest with get_devices_details_list). */
function agentView(p: PortParts): Record<string, unknown> {
  return {
    id: p.row.id,
    network_id: p.row.network_id,
    mac_address: p.row.mac_address,
    admin_state_up: bool(p.row.admin_state_up),
    device_owner: p.row.device_owner,
    fixed_ips: p.ips.map((a) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address })),
    'binding:host_id': p.binding.host,
    'binding:vif_type': p.binding.vif_type,
    security_groups: p.groups,
    port_security_enabled: bool(p.row.port_security_enabled),
  };
}
