// fixed_ip_disassociate_timeout, as nova-network: the fixed IP of a deleted instance on a
// nova-network network is not given to another instance for that many seconds (stale ARP
// caches and leases elsewhere still point at the old one). In the port's delete transaction
// its addresses move to the network's quarantine port (device_owner network:quarantine), so
// IPAM on every server sees them taken; a sweep gives them back when their time is up.
import { adminContext } from '../../api/context.js';
import { createItems } from '../../api/request-body.js';
import { ALLOW_ALL } from '../../api/resource.js';
import { timestamp } from '../../common/time.js';
import type { PortTable } from '../../db/schema.js';
import { inTransaction, type Trx, type UnitOfWork } from '../../db/transaction.js';
import type { Services } from '../services.js';
import type { CoreParts } from './core-parts.js';

export const DEVICE_OWNER_QUARANTINE = 'network:quarantine';

export class FixedIpQuarantine {
  private timer: NodeJS.Timeout | null = null;
  readonly seconds: number;

  constructor(
    private readonly s: Services,
    private readonly core: CoreParts,
  ) {
    this.seconds = s.config.int('DEFAULT', 'fixed_ip_disassociate_timeout');
  }

  subscribe(): void {
    if (this.seconds <= 0) return;
    this.s.callbacks.subscribe('port', 'precommit_delete', ({ trx, uow, port }) => this.hold(trx, uow, port), { name: 'nova-network-quarantine' });
  }

  /** Inside the port's delete: an instance port's addresses on a nova network go into quarantine. */
  private async hold(trx: Trx, uow: UnitOfWork, port: PortTable): Promise<void> {
    if (!port.device_owner.startsWith('compute:')) return;
    const nova = await trx.selectFrom('nova_networks').select('network_id').where('network_id', '=', port.network_id).executeTakeFirst();
    if (!nova) return;
    const held = await trx.selectFrom('ipallocations').select(['subnet_id', 'ip_address']).where('port_id', '=', port.id).execute();
    if (!held.length) return;
    const holder = await this.holderOf(trx, uow, port.network_id);
    await trx.updateTable('ipallocations').set({ port_id: holder }).where('port_id', '=', port.id).execute();
    const until = timestamp(new Date(Date.now() + this.seconds * 1000));
    await trx
      .insertInto('nova_fixed_ip_quarantine')
      .values(held.map((a) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address, port_id: holder, until })))
      .execute();
    this.s.log.info({ event: 'fixed_ip.quarantine', port_id: port.id, addresses: held.map((a) => a.ip_address), until }, 'fixed IPs held until fixed_ip_disassociate_timeout');
  }

  /** The network's quarantine port, made on first use (no address of its own, no security group). */
  private async holderOf(trx: Trx, uow: UnitOfWork, networkId: string): Promise<string> {
    const found = await trx.selectFrom('ports').select('id').where('network_id', '=', networkId).where('device_owner', '=', DEVICE_OWNER_QUARANTINE).executeTakeFirst();
    if (found) return found.id;
    const net = await trx.selectFrom('networks').select('project_id').where('id', '=', networkId).executeTakeFirstOrThrow();
    const ctx = adminContext(net.project_id, 'nova-network-quarantine');
    const body = { port: { network_id: networkId, name: 'fixed IPs in quarantine', device_owner: DEVICE_OWNER_QUARANTINE, device_id: 'quarantine', fixed_ips: [], security_groups: [] } };
    const { items } = createItems(this.core.ports.def, body, ctx);
    const [made] = await this.core.ports.create(ctx, items, ALLOW_ALL, { trx, uow });
    return made.id as string;
  }

  /** Gives back every address whose time is up; returns how many. */
  async releaseExpired(now = new Date()): Promise<number> {
    const due = await this.s.db.kysely.selectFrom('nova_fixed_ip_quarantine').selectAll().where('until', '<=', timestamp(now)).execute();
    if (!due.length) return 0;
    await inTransaction(this.s.db, async (trx, uow) => {
      for (const q of due) {
        await trx.deleteFrom('ipallocations').where('subnet_id', '=', q.subnet_id).where('ip_address', '=', q.ip_address).where('port_id', '=', q.port_id).execute();
        await trx.deleteFrom('nova_fixed_ip_quarantine').where('subnet_id', '=', q.subnet_id).where('ip_address', '=', q.ip_address).execute();
        this.s.ipam.release(uow, q.subnet_id, q.ip_address);
      }
    });
    this.s.log.info({ event: 'fixed_ip.quarantine_over', addresses: due.map((q) => q.ip_address) }, 'fixed IPs out of quarantine');
    return due.length;
  }

  /** Sweeps now and then every quarter of the timeout (at most every 30 s). */
  start(): void {
    if (this.seconds <= 0 || this.timer) return;
    const sweep = () => void this.releaseExpired().catch((e: Error) => this.s.log.error({ event: 'fixed_ip.quarantine_sweep_failed', err: e.message }, 'quarantine sweep failed'));
    sweep();
    this.timer = setInterval(sweep, Math.min(30, Math.max(1, this.seconds / 4)) * 1000);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
