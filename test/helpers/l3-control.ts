// Routers and floating IPs for the L3 agent's dataplane test. Until the server's L3 plugin
// exists this is a fake q-l3-plugin on the test server's bus, answering SyncRouter payloads
// built from real ports (bound to the network host, so the L2 agent wires their taps).
import { randomUUID } from 'node:crypto';
import type { SyncFloatingIp, SyncPort, SyncRouter } from '../../src/plugins/l3/sync-payload.js';
import { L3_PLUGIN_TOPIC } from '../../src/plugins/l3/sync-payload.js';
import type { Consumer } from '../../src/rpc/bus.js';
import { L3_AGENT, onHost } from '../../src/rpc/topics.js';
import { asAdmin, type TestServer } from './server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const ADMIN = asAdmin('admin-project');

interface FakeRouter {
  id: string;
  name: string;
  admin_state_up: boolean;
  gw: SyncPort | null;
  interfaces: SyncPort[];
}

export class RouterControl {
  private readonly routers = new Map<string, FakeRouter>();
  private readonly fips = new Map<string, SyncFloatingIp & { router_id: string | null }>();
  private consumer: Consumer | null = null;

  private constructor(private readonly s: TestServer, private readonly host: string) {}

  static async start(s: TestServer, host: string): Promise<RouterControl> {
    const c = new RouterControl(s, host);
    c.consumer = await s.bus.consume(L3_PLUGIN_TOPIC, {
      get_router_ids: () => [...c.routers.values()].filter((r) => r.admin_state_up).map((r) => r.id),
      sync_routers: (a: { router_ids?: string[] }) => [...c.routers.values()].filter((r) => r.admin_state_up && (!a.router_ids || a.router_ids.includes(r.id))).map((r) => c.payload(r)),
      update_floatingip_statuses: (a: { fip_statuses: Record<string, string> }) => {
        for (const [id, st] of Object.entries(a.fip_statuses)) {
          const f = c.fips.get(id);
          if (f) f.status = st;
        }
        return null;
      },
      get_external_network_id: () => null,
    }, { fanout: false, shared: true });
    return c;
  }

  private payload(r: FakeRouter): SyncRouter {
    return {
      id: r.id,
      name: r.name,
      project_id: 'admin-project',
      admin_state_up: r.admin_state_up,
      status: 'ACTIVE',
      routes: [],
      enable_snat: true,
      gw_port: r.gw,
      _interfaces: r.interfaces,
      _floatingips: [...this.fips.values()].filter((f) => f.router_id === r.id).map(({ router_id: _r, ...f }) => f),
      ha: false,
      distributed: false,
    };
  }

  private req(method: string, path: string, body?: unknown) {
    return this.s.req(method, path, body, ADMIN);
  }

  private async port(net: { net: Obj; subnet: Obj }, owner: string, deviceId: string, ipAddress?: string): Promise<SyncPort> {
    const body: Obj = { network_id: net.net.id, device_owner: owner, device_id: deviceId, 'binding:host_id': this.host };
    if (ipAddress) body.fixed_ips = [{ subnet_id: net.subnet.id, ip_address: ipAddress }];
    const r = await this.req('POST', '/v2.0/ports', { port: body });
    if (r.status !== 201) throw new Error(JSON.stringify(r.body));
    const p = r.body.port;
    return {
      id: p.id,
      network_id: p.network_id,
      mac_address: p.mac_address,
      device_owner: owner,
      admin_state_up: true,
      mtu: net.net.mtu,
      fixed_ips: p.fixed_ips.map((f: Obj) => ({ subnet_id: f.subnet_id, ip_address: f.ip_address, prefixlen: Number(net.subnet.cidr.split('/')[1]) })),
      subnets: [{ id: net.subnet.id, cidr: net.subnet.cidr, gateway_ip: net.subnet.gateway_ip, ip_version: 4 }],
    };
  }

  private updated(id: string): Promise<void> {
    return this.s.bus.cast(onHost(L3_AGENT, this.host), 'routers_updated', { routers: [id] });
  }

  async createRouter(name: string, ext: { net: Obj; subnet: Obj }): Promise<{ id: string; gatewayIp: string }> {
    const id = randomUUID();
    const gw = await this.port(ext, 'network:router_gateway', id);
    this.routers.set(id, { id, name, admin_state_up: true, gw, interfaces: [] });
    await this.s.bus.cast(onHost(L3_AGENT, this.host), 'router_added_to_agent', { payload: [id] });
    return { id, gatewayIp: gw.fixed_ips[0].ip_address };
  }

  async addInterface(routerId: string, net: { net: Obj; subnet: Obj }): Promise<void> {
    const r = this.routers.get(routerId)!;
    r.interfaces.push(await this.port(net, 'network:router_interface', routerId, net.subnet.gateway_ip));
    await this.updated(routerId);
  }

  /** A floating IP on the first router's external network, not associated. */
  async createFloatingIp(): Promise<{ id: string; address: string }> {
    const r = [...this.routers.values()][0];
    const extNet = (await this.req('GET', `/v2.0/networks/${r.gw!.network_id}`)).body.network;
    const extSub = (await this.req('GET', `/v2.0/subnets/${r.gw!.fixed_ips[0].subnet_id}`)).body.subnet;
    const p = await this.port({ net: extNet, subnet: extSub }, 'network:floatingip', randomUUID());
    const f = { id: randomUUID(), floating_ip_address: p.fixed_ips[0].ip_address, floating_network_id: extNet.id, fixed_ip_address: '', port_id: '', status: 'DOWN', router_id: null };
    this.fips.set(f.id, f);
    return { id: f.id, address: f.floating_ip_address };
  }

  /** Associates floating IP `fipId` (null: a new one on the router's external network) with an instance's port. */
  async associate(fipId: string | null, inst: { port: Obj; ip: string }): Promise<{ id: string; address: string }> {
    const r = [...this.routers.values()][0];
    let f = fipId ? this.fips.get(fipId) : undefined;
    if (!f) {
      const extNet = (await this.req('GET', `/v2.0/networks/${r.gw!.network_id}`)).body.network;
      const extSub = (await this.req('GET', `/v2.0/subnets/${r.gw!.fixed_ips[0].subnet_id}`)).body.subnet;
      const p = await this.port({ net: extNet, subnet: extSub }, 'network:floatingip', randomUUID());
      f = { id: randomUUID(), floating_ip_address: p.fixed_ips[0].ip_address, floating_network_id: extNet.id, fixed_ip_address: '', port_id: '', status: 'DOWN', router_id: null };
      this.fips.set(f.id, f);
    }
    f.fixed_ip_address = inst.ip;
    f.port_id = inst.port.id;
    f.router_id = r.id;
    await this.updated(r.id);
    return { id: f.id, address: f.floating_ip_address };
  }

  async disassociate(fipId: string): Promise<void> {
    const f = this.fips.get(fipId)!;
    const routerId = f.router_id!;
    f.router_id = null;
    f.fixed_ip_address = '';
    f.port_id = '';
    await this.updated(routerId);
  }

  async fipStatus(fipId: string): Promise<string> {
    return this.fips.get(fipId)?.status ?? 'gone';
  }

  async setAdminState(routerId: string, up: boolean): Promise<void> {
    this.routers.get(routerId)!.admin_state_up = up;
    await this.updated(routerId);
  }

  async deleteRouter(routerId: string): Promise<void> {
    const r = this.routers.get(routerId)!;
    this.routers.delete(routerId);
    for (const f of this.fips.values()) if (f.router_id === routerId) f.router_id = null;
    await this.s.bus.cast(onHost(L3_AGENT, this.host), 'router_deleted', { router_id: routerId });
    for (const p of [r.gw, ...r.interfaces]) if (p) await this.req('DELETE', `/v2.0/ports/${p.id}`);
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
  }
}

/** The same operations through the real Networking API (the server schedules and notifies). */
export class ApiRouterControl {
  private readonly interfaces = new Map<string, string[]>();
  private extNet: string | null = null;

  constructor(private readonly s: TestServer) {}

  private async req(method: string, path: string, body?: unknown, ok = [200, 201, 204]): Promise<Obj> {
    const r = await this.s.req(method, path, body, ADMIN);
    if (!ok.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as Obj;
  }

  async createRouter(name: string, ext: { net: Obj; subnet: Obj }): Promise<{ id: string; gatewayIp: string }> {
    this.extNet = ext.net.id;
    const r = (await this.req('POST', '/v2.0/routers', { router: { name, external_gateway_info: { network_id: ext.net.id } } })).router;
    this.interfaces.set(r.id, []);
    return { id: r.id, gatewayIp: r.external_gateway_info.external_fixed_ips[0].ip_address };
  }

  async addInterface(routerId: string, net: { net: Obj; subnet: Obj }): Promise<void> {
    await this.req('PUT', `/v2.0/routers/${routerId}/add_router_interface`, { subnet_id: net.subnet.id });
    this.interfaces.get(routerId)?.push(net.subnet.id);
  }

  async createFloatingIp(): Promise<{ id: string; address: string }> {
    const f = (await this.req('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: this.extNet } })).floatingip;
    return { id: f.id, address: f.floating_ip_address };
  }

  async associate(fipId: string | null, inst: { port: Obj; ip: string }): Promise<{ id: string; address: string }> {
    const f = fipId
      ? (await this.req('PUT', `/v2.0/floatingips/${fipId}`, { floatingip: { port_id: inst.port.id } })).floatingip
      : (await this.req('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: this.extNet, port_id: inst.port.id } })).floatingip;
    return { id: f.id, address: f.floating_ip_address };
  }

  async disassociate(fipId: string): Promise<void> {
    await this.req('PUT', `/v2.0/floatingips/${fipId}`, { floatingip: { port_id: null } });
  }

  async fipStatus(fipId: string): Promise<string> {
    return (await this.req('GET', `/v2.0/floatingips/${fipId}`)).floatingip.status;
  }

  async setAdminState(routerId: string, up: boolean): Promise<void> {
    await this.req('PUT', `/v2.0/routers/${routerId}`, { router: { admin_state_up: up } });
  }

  async deleteRouter(routerId: string): Promise<void> {
    const fips = (await this.req('GET', `/v2.0/floatingips?router_id=${routerId}`)).floatingips as Obj[];
    for (const f of fips) await this.disassociate(f.id);
    for (const subnet of this.interfaces.get(routerId) ?? []) await this.req('PUT', `/v2.0/routers/${routerId}/remove_router_interface`, { subnet_id: subnet });
    await this.req('DELETE', `/v2.0/routers/${routerId}`);
  }

  async close(): Promise<void> {}
}
