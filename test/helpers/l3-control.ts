// Routers and floating IPs for the L3 agent's dataplane test and bench, through the real
// Networking API (the server schedules the router to the L3 agent, binds its ports to the
// agent's host and casts to it).
import { asAdmin, type TestServer } from './server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const ADMIN = asAdmin('admin-project');

export class RouterControl {
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
