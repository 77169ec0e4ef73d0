// What agents ask the server over the bus (topic q-plugin and q-reports-plugin), with
// Neutron's method names and meanings: device details for wiring, device up/down (which
// drive the provisioning blocks and so the port status), security group information,
// tunnel endpoints, DHCP readiness, and the agents' heartbeats.
import { sql } from 'kysely';
import { jsonColumn } from '../../common/json.js';
import { timestamp } from '../../common/time.js';
import { DEVICE_NAME_ID_LENGTH, TAP_PREFIX } from '../../contract/device-names.js';
import type { PortBindingTable, PortTable } from '../../db/schema.js';
import type { Endpoints } from '../../rpc/bus.js';
import type { AgentState, AgentStore } from '../agents/agent-store.js';
import type { Services } from '../services.js';
import { inTransaction, type Trx } from '../../db/transaction.js';
import { bool, groupBy } from '../../db/rows.js';
import type { MechanismManager } from './mech/mechanism-manager.js';
import type { PortEvent } from './mech/mechanism-driver.js';
import { VIF_BINDING_FAILED, type PortBinder } from './port-binding.js';
import { DHCP_ENTITY, L2_AGENT_ENTITY, provisioningComplete } from './provisioning-blocks.js';

interface DeviceArgs {
  device: string;
  agent_id?: string;
  host?: string;
}
interface DevicesArgs {
  devices: string[];
  agent_id?: string;
  host?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Linux bridge agents name devices tap + the first 11 characters of the port id. */
const TAP_DEVICE = new RegExp(`^${TAP_PREFIX}([0-9a-f-]{1,${DEVICE_NAME_ID_LENGTH}})$`, 'i');

const strings = (v: unknown, what: string): string[] => {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new TypeError(`${what} must be a list of strings`);
  return v as string[];
};

export class Ml2RpcCallbacks {
  constructor(
    private readonly s: Services,
    private readonly binder: PortBinder,
    private readonly mech: MechanismManager,
    private readonly agents: AgentStore,
  ) {}

  /** Endpoints served on q-plugin. */
  pluginEndpoints(): Endpoints {
    return {
      get_device_details: async (a: DeviceArgs) => (await this.deviceDetails([a.device], a.host ?? '')).devices[0],
      get_devices_details_list: async (a: DevicesArgs) => (await this.deviceDetails(strings(a.devices, 'devices'), a.host ?? '')).devices,
      get_devices_details_list_and_failed_devices: (a: DevicesArgs) => this.deviceDetails(strings(a.devices, 'devices'), a.host ?? ''),
      update_device_up: async (a: DeviceArgs) => {
        const r = await this.devicesUp([a.device], a.host ?? '');
        if (r.failed.length) throw new Error(`update_device_up failed for ${a.device}`);
        return true;
      },
      update_device_down: async (a: DeviceArgs) => {
        const r = await this.devicesDown([a.device], a.host ?? '');
        if (r.failed.length) throw new Error(`update_device_down failed for ${a.device}`);
        return { device: a.device, exists: r.existing.includes(a.device) };
      },
      update_device_list: async (a: { devices_up?: string[]; devices_down?: string[]; agent_id?: string; host?: string; refresh_tunnels?: boolean }) => {
        const up = await this.devicesUp(strings(a.devices_up ?? [], 'devices_up'), a.host ?? '');
        const down = await this.devicesDown(strings(a.devices_down ?? [], 'devices_down'), a.host ?? '');
        if (a.refresh_tunnels === true && a.host && up.done.length) await this.refreshTunnels(a.host, up.done);
        return { devices_up: up.done, failed_devices_up: up.failed, devices_down: down.done, failed_devices_down: down.failed };
      },
      security_group_info_for_devices: (a: { devices: string[] }) => this.securityGroupInfo(strings(a.devices, 'devices')),
      tunnel_sync: (a: { tunnel_ip: string; tunnel_type?: string; host?: string }) => this.tunnelSync(a.tunnel_ip, a.tunnel_type ?? 'vxlan', a.host ?? ''),
      dhcp_ready_on_ports: async (a: { port_ids: string[] }) => {
        for (const id of strings(a.port_ids, 'port_ids')) await this.complete(id, DHCP_ENTITY, null);
        return true;
      },
    };
  }

  /** Endpoints served on q-reports-plugin. */
  reportEndpoints(): Endpoints {
    return {
      // Neutron's agents send {agent_state: {agent_state: {...}}, time}
      report_state: async (a: { agent_state?: { agent_state?: AgentState } | AgentState; time?: string }) => {
        const outer = a.agent_state as { agent_state?: AgentState } | undefined;
        const state = (outer?.agent_state ?? a.agent_state) as AgentState | undefined;
        if (!state || typeof state !== 'object') throw new TypeError('report_state needs agent_state');
        return (await this.agents.reportState(state)).status;
      },
    };
  }

  /** Device names (port ids or tap names) → ports. */
  private async resolve(trx: Trx, devices: string[]): Promise<Map<string, PortTable>> {
    const out = new Map<string, PortTable>();
    const ids = devices.filter((d) => UUID.test(d));
    const prefixes = devices.map((d) => TAP_DEVICE.exec(d)?.[1]).filter((p): p is string => p !== undefined);
    if (!ids.length && !prefixes.length) return out;
    const rows = await trx
      .selectFrom('ports')
      .selectAll()
      .where((eb) => eb.or([...(ids.length ? [eb('id', 'in', ids)] : []), ...prefixes.map((p) => eb('id', 'like', `${p}%`))]))
      .execute();
    for (const d of devices) {
      const p = TAP_DEVICE.exec(d)?.[1];
      const row = rows.find((r) => r.id === d || (p !== undefined && r.id.startsWith(p)));
      if (row) out.set(d, row);
    }
    return out;
  }

  async deviceDetails(devices: string[], host: string): Promise<{ devices: Record<string, unknown>[]; failed_devices: string[] }> {
    const trx = this.s.db.kysely;
    const ports = await this.resolve(trx, devices);
    const ids = [...new Set([...ports.values()].map((p) => p.id))];
    const bindings = await this.binder.bindingsOf(trx, ids);
    await this.retryFailedBindings(ports, bindings, host);
    const segments = await this.binder.segments(
      trx,
      [...bindings.values()].map((b) => b.segment_id).filter((x): x is string => x !== null),
    );
    const ips = ids.length ? groupBy(await trx.selectFrom('ipallocations').selectAll().where('port_id', 'in', ids).execute(), (r) => r.port_id) : new Map();
    const sgs = ids.length ? groupBy(await trx.selectFrom('securitygroupportbindings').selectAll().where('port_id', 'in', ids).execute(), (r) => r.port_id) : new Map();
    const netIds = [...new Set([...ports.values()].map((p) => p.network_id))];
    const networks = new Map(
      (netIds.length ? await trx.selectFrom('networks').select(['id', 'mtu', 'admin_state_up', 'qos_policy_id']).where('id', 'in', netIds).execute() : []).map((n) => [n.id, n]),
    );
    const out: Record<string, unknown>[] = [];
    for (const device of devices) {
      const port = ports.get(device);
      const b = port ? bindings.get(port.id) : undefined;
      // a port that is gone, or not bound here, is not this agent's to wire
      if (!port || !b || b.host !== host || !b.segment_id) {
        out.push({ device });
        continue;
      }
      const seg = segments.get(b.segment_id);
      const net = networks.get(port.network_id);
      out.push({
        device,
        port_id: port.id,
        network_id: port.network_id,
        mac_address: port.mac_address,
        admin_state_up: bool(port.admin_state_up) && bool(net?.admin_state_up),
        network_type: seg?.network_type ?? null,
        physical_network: seg?.physical_network ?? null,
        segmentation_id: seg?.segmentation_id ?? null,
        mtu: net?.mtu ?? null,
        fixed_ips: (ips.get(port.id) ?? []).map((a: { subnet_id: string; ip_address: string }) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address })),
        device_owner: port.device_owner,
        device_id: port.device_id,
        port_security_enabled: bool(port.port_security_enabled),
        security_groups: (sgs.get(port.id) ?? []).map((g: { security_group_id: string }) => g.security_group_id),
        allowed_address_pairs: jsonColumn(port.allowed_address_pairs, []),
        profile: jsonColumn(b.profile, {}),
        vif_type: b.vif_type,
        qos_policy_id: port.qos_policy_id ?? null,
        network_qos_policy_id: net?.qos_policy_id ?? null,
      });
    }
    return { devices: out, failed_devices: [] };
  }

  /**
   * As Neutron's get_bound_port_context: the agent of the port's host asking about it is the
   * moment a failed binding can succeed (the binding was tried before that agent had reported,
   * e.g. router ports bound while the network host's L2 agent was starting). Rebinds those
   * ports in one transaction and updates `bindings` in place.
   */
  private async retryFailedBindings(ports: Map<string, PortTable>, bindings: Map<string, PortBindingTable>, host: string): Promise<void> {
    const failed = [...new Map([...ports.values()].map((p) => [p.id, p])).values()].filter((p) => {
      const b = bindings.get(p.id);
      return b !== undefined && b.host === host && b.vif_type === VIF_BINDING_FAILED;
    });
    if (!failed.length) return;
    const rebound = await inTransaction(this.s.db, async (trx) => {
      const out = new Map<string, PortBindingTable>();
      for (const p of failed) {
        const b = bindings.get(p.id)!;
        out.set(p.id, await this.binder.bind(trx, p, { host, vnicType: b.vnic_type, profile: jsonColumn(b.profile, {}) }));
      }
      return out;
    });
    for (const [id, b] of rebound) bindings.set(id, b);
    this.s.log.info(
      { event: 'port.rebind', host, ports: failed.map((p) => p.id), bound: [...rebound.values()].filter((b) => b.segment_id).length },
      `retried ${failed.length} failed binding(s) on ${host} as its agent asked`,
    );
  }

  /** Removes a component's provisioning block; with none left, a bound port turns ACTIVE. */
  private async complete(portId: string, entity: string, host: string | null): Promise<'done' | 'missing' | 'elsewhere'> {
    const before = await this.binder.portEvent(this.s.db.kysely, portId);
    const result = await inTransaction(this.s.db, async (trx) => {
      const b = await trx.selectFrom('ml2_port_bindings').select(['host', 'segment_id']).where('port_id', '=', portId).executeTakeFirst();
      const port = await trx.selectFrom('ports').select(['id', 'status']).where('id', '=', portId).executeTakeFirst();
      if (!port) return 'missing' as const;
      if (host !== null && b?.host !== host) return 'elsewhere' as const;
      const none = await provisioningComplete(trx, portId, entity);
      if (none && b?.segment_id && port.status !== 'ACTIVE') await this.setStatus(trx, portId, 'ACTIVE');
      return 'done' as const;
    });
    if (result === 'done') await this.afterStatusChange(portId, before);
    return result;
  }

  private async setStatus(trx: Trx, portId: string, status: string): Promise<void> {
    await sql`update ports set status = ${status}, revision_number = revision_number + 1, updated_at = ${timestamp()} where id = ${portId}`.execute(trx);
  }

  private async afterStatusChange(portId: string, before: PortEvent | null): Promise<void> {
    const now = await this.binder.portEvent(this.s.db.kysely, portId);
    if (!now || now.status === before?.status) return;
    this.s.log.info({ event: 'port.status', port_id: portId, status: now.status, host: now.host }, `port ${portId} is ${now.status}`);
    await this.mech.portUpdated(now, before);
    await this.s.callbacks.publish('port', 'after_status_change', { portId, status: now.status });
  }

  /** After an agent's full sync: tell it again where everything on its networks is. */
  private async refreshTunnels(host: string, devices: string[]): Promise<void> {
    const ports = await this.resolve(this.s.db.kysely, devices);
    await this.mech.refreshHost(host, [...new Set([...ports.values()].map((p) => p.network_id))]);
  }

  async devicesUp(devices: string[], host: string): Promise<{ done: string[]; failed: string[] }> {
    const ports = await this.resolve(this.s.db.kysely, devices);
    const done: string[] = [];
    const failed: string[] = [];
    for (const d of devices) {
      const port = ports.get(d);
      try {
        // a port deleted meanwhile is not a failure: there is nothing left to set up
        if (port) await this.complete(port.id, L2_AGENT_ENTITY, host);
        done.push(d);
      } catch (err) {
        this.s.log.error({ event: 'rpc.device_up_failed', device: d, host, err: (err as Error).message }, `update_device_up failed for ${d}`);
        failed.push(d);
      }
    }
    return { done, failed };
  }

  async devicesDown(devices: string[], host: string): Promise<{ done: string[]; failed: string[]; existing: string[] }> {
    const ports = await this.resolve(this.s.db.kysely, devices);
    const done: string[] = [];
    const failed: string[] = [];
    const existing: string[] = [];
    for (const d of devices) {
      const port = ports.get(d);
      try {
        if (port) {
          existing.push(d);
          const before = await this.binder.portEvent(this.s.db.kysely, port.id);
          const changed = await inTransaction(this.s.db, async (trx) => {
            const b = await trx.selectFrom('ml2_port_bindings').select('host').where('port_id', '=', port.id).executeTakeFirst();
            const now = await trx.selectFrom('ports').select('status').where('id', '=', port.id).executeTakeFirst();
            if (!now || b?.host !== host || now.status === 'DOWN') return false;
            await this.setStatus(trx, port.id, 'DOWN');
            return true;
          });
          if (changed) await this.afterStatusChange(port.id, before);
        }
        done.push(d);
      } catch (err) {
        this.s.log.error({ event: 'rpc.device_down_failed', device: d, host, err: (err as Error).message }, `update_device_down failed for ${d}`);
        failed.push(d);
      }
    }
    return { done, failed, existing };
  }

  /**
   * Everything an agent needs to filter the given ports: their addresses, their groups'
   * rules, and the addresses of the members of every group a rule refers to.
   */
  async securityGroupInfo(devices: string[]): Promise<Record<string, unknown>> {
    const trx = this.s.db.kysely;
    const ports = await this.resolve(trx, devices);
    const ids = [...new Set([...ports.values()].map((p) => p.id))];
    const portGroups = ids.length ? groupBy(await trx.selectFrom('securitygroupportbindings').selectAll().where('port_id', 'in', ids).execute(), (r) => r.port_id) : new Map();
    const ips = ids.length ? groupBy(await trx.selectFrom('ipallocations').selectAll().where('port_id', 'in', ids).execute(), (r) => r.port_id) : new Map();
    const groupIds = [...new Set([...portGroups.values()].flat().map((g: { security_group_id: string }) => g.security_group_id))];
    const rules = groupIds.length ? await trx.selectFrom('securitygrouprules').selectAll().where('security_group_id', 'in', groupIds).execute() : [];
    const statefulness = groupIds.length ? await trx.selectFrom('securitygroups').select(['id', 'stateful']).where('id', 'in', groupIds).execute() : [];
    const sg_stateful = Object.fromEntries(statefulness.map((g) => [g.id, bool(g.stateful)]));
    const security_groups: Record<string, unknown[]> = Object.fromEntries(groupIds.map((g) => [g, []]));
    for (const r of rules) {
      security_groups[r.security_group_id].push({
        id: r.id,
        security_group_id: r.security_group_id,
        direction: r.direction,
        ethertype: r.ethertype,
        protocol: r.protocol,
        port_range_min: r.port_range_min,
        port_range_max: r.port_range_max,
        remote_ip_prefix: r.remote_ip_prefix,
        remote_group_id: r.remote_group_id,
        remote_address_group_id: r.remote_address_group_id ?? null,
      });
    }
    // address-group: the prefixes of every address group a rule names
    const addressGroupIds = [...new Set(rules.map((r) => r.remote_address_group_id).filter((x): x is string => !!x))];
    const address_groups: Record<string, { IPv4: string[]; IPv6: string[] }> = Object.fromEntries(addressGroupIds.map((g) => [g, { IPv4: [], IPv6: [] }]));
    if (addressGroupIds.length) {
      for (const a of await trx.selectFrom('address_associations').selectAll().where('address_group_id', 'in', addressGroupIds).execute()) {
        address_groups[a.address_group_id][a.address.includes(':') ? 'IPv6' : 'IPv4'].push(a.address);
      }
    }
    const remoteGroups = [...new Set(rules.map((r) => r.remote_group_id).filter((x): x is string => x !== null))];
    const sg_member_ips: Record<string, { IPv4: string[]; IPv6: string[] }> = {};
    if (remoteGroups.length) {
      const members = await trx
        .selectFrom('securitygroupportbindings as b')
        .innerJoin('ports as p', 'p.id', 'b.port_id')
        .leftJoin('ipallocations as i', 'i.port_id', 'p.id')
        .select(['b.security_group_id', 'i.ip_address', 'p.allowed_address_pairs'])
        .where('b.security_group_id', 'in', remoteGroups)
        .execute();
      for (const g of remoteGroups) sg_member_ips[g] = { IPv4: [], IPv6: [] };
      for (const m of members) {
        const set = sg_member_ips[m.security_group_id];
        const add = (ip: string) => {
          const list = ip.includes(':') ? set.IPv6 : set.IPv4;
          if (!list.includes(ip)) list.push(ip);
        };
        if (m.ip_address) add(m.ip_address);
        for (const pair of jsonColumn<{ ip_address: string }[]>(m.allowed_address_pairs, [])) add(pair.ip_address);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [device, p] of ports) {
      out[p.id] = {
        device,
        port_id: p.id,
        network_id: p.network_id,
        mac_address: p.mac_address,
        device_owner: p.device_owner,
        port_security_enabled: bool(p.port_security_enabled),
        fixed_ips: (ips.get(p.id) ?? []).map((a: { ip_address: string }) => a.ip_address),
        allowed_address_pairs: jsonColumn(p.allowed_address_pairs, []),
        security_groups: (portGroups.get(p.id) ?? []).map((g: { security_group_id: string }) => g.security_group_id),
      };
    }
    return { devices: out, security_groups, sg_member_ips, sg_stateful, address_groups };
  }

  /** Records a host's tunnel endpoint and returns every endpoint of that tunnel type. */
  async tunnelSync(tunnelIp: string, tunnelType: string, host: string): Promise<{ tunnels: { ip_address: string; host: string }[] }> {
    if (typeof tunnelIp !== 'string' || tunnelIp === '') throw new TypeError('tunnel_sync needs tunnel_ip');
    const isNew = await inTransaction(this.s.db, async (trx) => {
      const current = await trx.selectFrom('ml2_tunnel_endpoints').selectAll().where('tunnel_type', '=', tunnelType).where('ip_address', '=', tunnelIp).executeTakeFirst();
      if (current?.host === host) return false;
      // a host that moved to a new address leaves its old one behind
      await trx
        .deleteFrom('ml2_tunnel_endpoints')
        .where('tunnel_type', '=', tunnelType)
        .where((eb) => eb.or([eb('ip_address', '=', tunnelIp), eb('host', '=', host)]))
        .execute();
      await trx.insertInto('ml2_tunnel_endpoints').values({ tunnel_type: tunnelType, ip_address: tunnelIp, host }).execute();
      return true;
    });
    if (isNew) {
      this.s.log.info({ event: 'tunnel.endpoint', tunnel_type: tunnelType, ip_address: tunnelIp, host }, `${host} has ${tunnelType} endpoint ${tunnelIp}`);
      this.s.notifier.tunnelUpdate(tunnelIp, tunnelType, host);
    }
    const tunnels = await this.s.db.kysely.selectFrom('ml2_tunnel_endpoints').select(['ip_address', 'host']).where('tunnel_type', '=', tunnelType).execute();
    return { tunnels };
  }
}
