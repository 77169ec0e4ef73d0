// Each project's HA network (Neutron's "HA network tenant <project>"): the segment over which
// the L3 agents hosting the project's HA routers speak VRRP. It belongs to no project (as in
// Neutron, project_id ''), has one subnet from [DEFAULT] l3_ha_net_cidr without DHCP or
// gateway, and is made the first time the project gets an HA router — outside the router's
// transaction, as Neutron does; two first requests race on ha_router_networks' key and the
// loser removes its network.
import { adminContext } from '../../../api/context.js';
import { ALLOW_ALL } from '../../../api/resource.js';
import { createItems } from '../../../api/request-body.js';
import { networkDef } from '../../../api/resources/network.js';
import { subnetDef } from '../../../api/resources/subnet.js';
import type { NetworkPlugin } from '../../ml2/networks.js';
import type { SubnetPlugin } from '../../ml2/subnets.js';
import type { Services } from '../../services.js';

export const haNetworkName = (project: string): string => `HA network tenant ${project}`;
export const haSubnetName = (project: string): string => `HA subnet tenant ${project}`;
export const haPortName = (project: string): string => `HA port tenant ${project}`;

export class HaNetworks {
  constructor(
    private readonly s: Services,
    private readonly core: { networks: NetworkPlugin; subnets: SubnetPlugin },
  ) {}

  async find(project: string): Promise<string | null> {
    const row = await this.s.db.kysely.selectFrom('ha_router_networks').select('network_id').where('project_id', '=', project).executeTakeFirst();
    return row?.network_id ?? null;
  }

  /** The project's HA network, made when it has none. */
  async ensure(project: string, requestId?: string): Promise<string> {
    const have = await this.find(project);
    if (have) return have;
    const ctx = adminContext('', requestId);
    const body: Record<string, unknown> = { name: haNetworkName(project), admin_state_up: true, shared: false };
    const type = this.s.config.str('DEFAULT', 'l3_ha_network_type');
    if (type) body['provider:network_type'] = type;
    const physnet = this.s.config.str('DEFAULT', 'l3_ha_network_physical_name');
    if (physnet) body['provider:physical_network'] = physnet;
    const [network] = await this.core.networks.create(ctx, createItems(networkDef, { network: body }, ctx).items, ALLOW_ALL);
    const networkId = network.id as string;
    try {
      const subnet = { name: haSubnetName(project), network_id: networkId, ip_version: 4, cidr: this.s.config.str('DEFAULT', 'l3_ha_net_cidr'), enable_dhcp: false, gateway_ip: null };
      await this.core.subnets.create(ctx, createItems(subnetDef, { subnet }, ctx).items, ALLOW_ALL);
      await this.s.db.kysely.insertInto('ha_router_networks').values({ project_id: project, network_id: networkId }).execute();
    } catch (err) {
      await this.core.networks.delete(ctx, networkId, null, ALLOW_ALL).catch(() => undefined);
      const winner = await this.find(project);
      if (winner) return winner;
      throw err;
    }
    this.s.log.info({ event: 'l3_ha.network_created', project_id: project, network_id: networkId, request_id: requestId }, `HA network of project ${project} made`);
    return networkId;
  }
}
