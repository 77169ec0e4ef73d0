// Port binding (the binding extension): which host a port lives on, and how the host
// plugs it. Binding runs inside the port's transaction — it only reads agents and segments,
// so it needs no second transaction as Neutron's does — and a failed binding is recorded as
// binding:vif_type = binding_failed with the reason in binding:vif_details (admins only).
import { jsonColumn } from '../../common/json.js';
import { DEVICE_OWNER_DHCP } from '../../contract/device-owners.js';
import type { NetworkSegmentTable, PortBindingTable, PortTable } from '../../db/schema.js';
import type { AgentStore } from '../agents/agent-store.js';
import type { DhcpScheduler } from '../agents/dhcp-scheduler.js';
import type { Services } from '../services.js';
import type { Trx } from '../../db/transaction.js';
import { rowsForIds, type IdSet } from '../../db/rows.js';
import type { MechanismManager } from './mech/mechanism-manager.js';
import type { PortEvent } from './mech/mechanism-driver.js';
import { addBlocks, clearBlocks, DHCP_ENTITY, L2_AGENT_ENTITY } from './provisioning-blocks.js';
import { statement } from '../../db/statement.js';

export const VIF_UNBOUND = 'unbound';
export const VIF_BINDING_FAILED = 'binding_failed';

export const unboundBinding = (portId: string): PortBindingTable => ({
  port_id: portId,
  host: '',
  vnic_type: 'normal',
  profile: '{}',
  vif_type: VIF_UNBOUND,
  vif_details: '{}',
  segment_id: null,
  driver: null,
});

export interface BindingWish {
  host: string;
  vnicType: string;
  profile: Record<string, unknown>;
}

/** Read before every port update and delete (src/db/statement.ts: compiled once). */
const BINDING_OF_PORT = statement((db, portId: string) => db.kysely.selectFrom('ml2_port_bindings').selectAll().where('port_id', '=', portId));

export class PortBinder {
  constructor(
    private readonly s: Services,
    private readonly agents: AgentStore,
    private readonly mech: MechanismManager,
    private readonly dhcp: DhcpScheduler,
  ) {}

  /**
   * Binds the port as wished (an empty host unbinds it), writes the binding and the
   * provisioning blocks, and says what the port's status becomes (always DOWN: a fresh
   * binding waits for its agents).
   */
  async bind(trx: Trx, port: PortTable, wish: BindingWish): Promise<PortBindingTable> {
    const binding: PortBindingTable = { ...unboundBinding(port.id), host: wish.host, vnic_type: wish.vnicType, profile: JSON.stringify(wish.profile) };
    await clearBlocks(trx, port.id);
    if (wish.host !== '') {
      const segments = await trx.selectFrom('networksegments').selectAll().where('network_id', '=', port.network_id).orderBy('segment_index').execute();
      const now = Date.now();
      const agents = (await this.agents.onHost(trx, wish.host)).map((a) => ({ ...a, alive: this.agents.isAlive(a, now), config: jsonColumn<Record<string, unknown>>(a.configurations, {}) }));
      const out = this.mech.bind({ portId: port.id, host: wish.host, vnicType: wish.vnicType, profile: wish.profile, segments, agents });
      if (out.bound) {
        binding.vif_type = out.vifType;
        binding.vif_details = JSON.stringify(out.vifDetails);
        binding.segment_id = out.segment.id;
        binding.driver = out.driver;
        const blocks = [L2_AGENT_ENTITY];
        if (!port.device_owner.startsWith(DEVICE_OWNER_DHCP) && (await this.dhcp.agentsFor(trx, port.network_id)).length) blocks.push(DHCP_ENTITY);
        await addBlocks(trx, port.id, blocks);
        this.s.log.info(
          { event: 'port.bind', port_id: port.id, host: wish.host, driver: out.driver, vif_type: out.vifType, segment_id: out.segment.id, blocks },
          `port bound on ${wish.host} by ${out.driver}`,
        );
      } else {
        binding.vif_type = VIF_BINDING_FAILED;
        binding.vif_details = JSON.stringify({ binding_failure: out.reason });
        this.s.log.warn({ event: 'port.binding_failed', port_id: port.id, host: wish.host, reason: out.reason }, `could not bind port ${port.id} on ${wish.host}: ${out.reason}`);
      }
    }
    await trx.deleteFrom('ml2_port_bindings').where('port_id', '=', port.id).execute();
    await trx.insertInto('ml2_port_bindings').values(binding).execute();
    return binding;
  }

  async bindingsOf(trx: Trx, ids: IdSet): Promise<Map<string, PortBindingTable>> {
    if (Array.isArray(ids) && ids.length === 1) {
      const b = await BINDING_OF_PORT.first(this.s.db, trx, ids[0]);
      return new Map(b ? [[b.port_id, b]] : []);
    }
    const rows = await rowsForIds(this.s.db, ids, 'port_id', (where) => trx.selectFrom('ml2_port_bindings').selectAll().where(where).execute());
    return new Map(rows.map((r) => [r.port_id, r]));
  }

  /**
   * The port as postcommit hooks see it; null for a port that was never bound (the common
   * case on update and delete: one query, and nothing for the hooks or agents to do).
   */
  async portEvent(trx: Trx, portId: string): Promise<PortEvent | null> {
    const b = await BINDING_OF_PORT.first(this.s.db, trx, portId);
    if (!b) return null;
    const p = await trx.selectFrom('ports').selectAll().where('id', '=', portId).executeTakeFirst();
    if (!p) return null;
    const ips = await trx.selectFrom('ipallocations').select('ip_address').where('port_id', '=', portId).execute();
    const segment = b.segment_id ? ((await trx.selectFrom('networksegments').selectAll().where('id', '=', b.segment_id).executeTakeFirst()) ?? null) : null;
    return { portId, networkId: p.network_id, mac: p.mac_address, ips: ips.map((i) => i.ip_address), host: b.host, status: p.status, segment, deviceOwner: p.device_owner };
  }

  /** Segments by id, for rendering what ports are bound to. */
  async segments(trx: Trx, ids: string[]): Promise<Map<string, NetworkSegmentTable>> {
    if (!ids.length) return new Map();
    const rows = await trx.selectFrom('networksegments').selectAll().where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r]));
  }
}
