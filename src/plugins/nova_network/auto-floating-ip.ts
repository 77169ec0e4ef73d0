// [DEFAULT] auto_assign_floating_ip, as nova-network: every new instance on a nova-network
// network gets a floating IP from [DEFAULT] default_floating_pool, associated with its port,
// and the address goes back to the pool when the instance goes. Here an instance is a port of
// device_owner compute:*; the floating IP is a Neutron floating IP of the instance's project,
// marked in its description, allocated after the port's create commits (it associates through
// the mode gateway router: see mode-gateway.ts) and deleted after the port's delete.
import { adminContext } from '../../api/context.js';
import { NeutronError } from '../../api/errors.js';
import { createItems } from '../../api/request-body.js';
import { ALLOW_ALL, type ApiObject } from '../../api/resource.js';
import { floatingIpDef } from '../../api/resources/floatingip.js';
import type { L3Service } from '../l3/l3-plugin.js';
import type { Services } from '../services.js';

/** The description that marks a floating IP as auto-assigned to a port (so it is released with it). */
export const autoAssignedMark = (portId: string): string => `nova-network auto_assign_floating_ip: port ${portId}`;

export class AutoFloatingIps {
  constructor(
    private readonly s: Services,
    private readonly l3: L3Service,
  ) {}

  subscribe(): void {
    this.s.callbacks.subscribe('port', 'after_create', ({ ports }) => this.assign(ports), { name: 'nova-network-auto-floating-ip' });
    this.s.callbacks.subscribe('port', 'after_delete', ({ portId }) => this.release(portId), { name: 'nova-network-auto-floating-ip' });
  }

  private async assign(ports: ApiObject[]): Promise<void> {
    const instances = ports.filter((p) => String(p.device_owner ?? '').startsWith('compute:'));
    if (!instances.length) return;
    const nova = new Set(
      (
        await this.s.db.kysely
          .selectFrom('nova_networks')
          .select('network_id')
          .where(
            'network_id',
            'in',
            instances.map((p) => p.network_id as string),
          )
          .execute()
      ).map((r) => r.network_id),
    );
    const pool = this.s.config.str('DEFAULT', 'default_floating_pool');
    for (const port of instances.filter((p) => nova.has(p.network_id as string))) {
      try {
        const ext = await this.s.db.kysely.selectFrom('networks').select('id').where('name', '=', pool).where('router_external', '=', 1).orderBy('created_at').executeTakeFirst();
        if (!ext) throw new Error(`no floating pool ${pool} ([DEFAULT] default_floating_pool): make it with neutrino-manage floating create --pool ${pool}`);
        const ctx = adminContext(port.project_id as string, 'auto_assign_floating_ip');
        const body = { floatingip: { floating_network_id: ext.id, port_id: port.id, project_id: port.project_id, description: autoAssignedMark(port.id as string) } };
        const [fip] = await this.l3.floatingIps.create(ctx, createItems(floatingIpDef, body, ctx).items, ALLOW_ALL);
        this.s.log.info(
          { event: 'floatingip.auto_assign', port_id: port.id, floatingip_id: fip.id, floating_ip_address: fip.floating_ip_address, pool },
          'floating IP auto-assigned to a new instance',
        );
      } catch (e) {
        // the instance boots without it, as nova's did when the pool was empty; the log says why
        this.s.log.warn({ event: 'floatingip.auto_assign_failed', port_id: port.id, pool, err: (e as Error).message }, 'could not auto-assign a floating IP');
      }
    }
  }

  private async release(portId: string): Promise<void> {
    const mine = await this.s.db.kysely.selectFrom('floatingips').select(['id', 'project_id', 'floating_ip_address']).where('description', '=', autoAssignedMark(portId)).execute();
    for (const f of mine) {
      try {
        await this.l3.floatingIps.delete(adminContext(f.project_id, 'auto_assign_floating_ip'), f.id, null, ALLOW_ALL);
        this.s.log.info({ event: 'floatingip.auto_release', port_id: portId, floatingip_id: f.id, floating_ip_address: f.floating_ip_address }, 'auto-assigned floating IP released');
      } catch (e) {
        if (e instanceof NeutronError && e.status === 404) continue;
        this.s.log.warn({ event: 'floatingip.auto_release_failed', port_id: portId, floatingip_id: f.id, err: (e as Error).message }, 'could not release an auto-assigned floating IP');
      }
    }
  }
}
