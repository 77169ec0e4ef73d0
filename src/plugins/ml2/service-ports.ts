import { jsonColumn } from '../../common/json.js';
import type { PortTable } from '../../db/schema.js';
import { saveChanges } from '../revision.js';
import type { Services } from '../services.js';
import { lockedIf, type Trx, type UnitOfWork } from '../../db/transaction.js';
import type { PortEvent } from './mech/mechanism-driver.js';
import { unboundBinding, VIF_BINDING_FAILED, type PortBinder } from './port-binding.js';
import type { PortPlugin } from './ports.js';

// Ports that service plugins (routers, floating IPs) own: made with create(…, within), changed
// and removed inside the service plugin's transaction, announced to the agents after commit.
export class ServicePortOps {
  constructor(
    private readonly s: Services,
    private readonly binder: PortBinder,
    private readonly ports: PortPlugin,
  ) {}

  /** Binds (host '' unbinds) a port inside the caller's transaction, as an update of binding:host_id does. */
  async rebind(trx: Trx, portId: string, host: string, set: Partial<Pick<PortTable, 'device_id' | 'device_owner'>> = {}): Promise<PortEvent | null> {
    const before = await this.binder.portEvent(trx, portId);
    const row = await lockedIf(this.s.db, trx.selectFrom('ports').selectAll().where('id', '=', portId), true).executeTakeFirstOrThrow();
    const current = (await this.binder.bindingsOf(trx, [portId])).get(portId) ?? unboundBinding(portId);
    const changes: Partial<PortTable> = { ...set };
    if (current.host !== host || current.vif_type === VIF_BINDING_FAILED) {
      await this.binder.bind(trx, { ...row, ...set } as PortTable, { host, vnicType: current.vnic_type, profile: jsonColumn(current.profile, {}) });
      changes.status = 'DOWN';
    }
    if (Object.keys(changes).length) await saveChanges(trx, 'ports', row, changes);
    return before;
  }

  /** Deletes a port inside the caller's transaction, with no service plugin's veto (Neutron's l3_port_check=False). */
  async remove(trx: Trx, uow: UnitOfWork, portId: string): Promise<PortEvent | null> {
    const before = await this.binder.portEvent(trx, portId);
    await this.ports.deleteRow(trx, uow, portId);
    this.s.log.info({ event: 'port.delete', port_id: portId }, 'port deleted');
    return before;
  }

  /** After commit: tells the agents about ports made or rebound (`before`: their state before, by id). */
  async announce(portIds: string[], before: Map<string, PortEvent | null> = new Map()): Promise<void> {
    if (portIds.length) await this.ports.announce(portIds, before);
  }

  /** After commit: tells the agents a port removed with remove() is gone. */
  async announceRemoved(before: PortEvent | null, portId: string, networkId: string): Promise<void> {
    if (!before) this.s.notifier.portDelete(portId, networkId);
    await this.ports.announceDeleted(portId, networkId, [], before);
  }
}
