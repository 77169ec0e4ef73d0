// openvswitch: ports plug into the integration bridge; flat and VLAN networks leave through
// the bridge mapped to their physical network, VXLAN through tunnel ports.
import { AGENT_TYPE_OVS } from '../../../contract/agent-types.js';
import type { NetworkSegmentTable } from '../../../db/schema.js';
import { AgentMechanismDriver, describeSegment, listHas, mappingHas } from './agent-mechanism-driver.js';

export class OpenvswitchMechanismDriver extends AgentMechanismDriver {
  readonly name = 'openvswitch';
  readonly agentType = AGENT_TYPE_OVS;
  readonly vifType = 'ovs';

  canServe(s: NetworkSegmentTable, c: Record<string, unknown>): string | null {
    const where = describeSegment(s);
    switch (s.network_type) {
      case 'local':
        return null;
      case 'flat':
      case 'vlan':
        return mappingHas(c.bridge_mappings, s.physical_network) ? null : `${where}: physical network not in the agent's bridge mappings`;
      case 'vxlan':
        return listHas(c.tunnel_types, 'vxlan') ? null : `${where}: the agent does not serve vxlan tunnels`;
      default:
        return `${where}: network type not supported by openvswitch`;
    }
  }

  vifDetails(c: Record<string, unknown>): Record<string, unknown> {
    return {
      // the agent says which port firewall it runs (noop: none)
      port_filter: c.firewall_driver !== undefined ? c.firewall_driver !== 'noop' : true,
      ovs_hybrid_plug: false,
      connectivity: 'l2',
      bridge_name: (c.integration_bridge as string | undefined) ?? 'br-int',
      datapath_type: (c.datapath_type as string | undefined) ?? 'system',
    };
  }
}
