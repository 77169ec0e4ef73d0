// Makes the ports routers and floating IPs own, through the ML2 port plugin (addresses,
// MAC, binding and all) but inside the L3 transaction, as an admin would.
import { adminContext } from '../../api/context.js';
import { ALLOW_ALL, type ApiObject } from '../../api/resource.js';
import { createItems } from '../../api/request-body.js';
import type { PortPlugin } from '../ml2/ports.js';
import type { Trx, UnitOfWork } from '../../db/transaction.js';
import type { L3Changes } from './l3-changes.js';

export interface L3PortSpec {
  /** '' for gateway and floating IP ports: no project sees them, as in Neutron */
  project_id: string;
  network_id: string;
  device_id: string;
  device_owner: string;
  fixed_ips?: { subnet_id?: string; ip_address?: string }[];
  /** the host of the router's L3 agent ('' while it has none) */
  host: string;
  /** '' unless given (HA ports are named "HA port tenant <project>") */
  name?: string;
}

export class L3Ports {
  constructor(private readonly ports: PortPlugin) {}

  async make(trx: Trx, uow: UnitOfWork, changes: L3Changes, spec: L3PortSpec, requestId?: string): Promise<ApiObject> {
    const ctx = adminContext(spec.project_id, requestId);
    const body: ApiObject = { network_id: spec.network_id, device_id: spec.device_id, device_owner: spec.device_owner, name: spec.name ?? '', admin_state_up: true };
    if (spec.fixed_ips) body.fixed_ips = spec.fixed_ips;
    if (spec.host) body['binding:host_id'] = spec.host;
    // the declared defaults and validation of a port create; the project is the context's
    const { items } = createItems(this.ports.def, { port: body }, ctx);
    const [port] = await this.ports.create(ctx, items, ALLOW_ALL, { trx, uow });
    changes.portChanged(port.id as string, null);
    return port;
  }
}
