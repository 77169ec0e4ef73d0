// linuxbridge: ports plug into one Linux bridge per network (brq…); flat and VLAN networks
// through the host's interface for the physical network, VXLAN through its tunnel endpoint.
import { AGENT_TYPE_LINUXBRIDGE } from '../../../contract/agent-types.js';
import type { NetworkSegmentTable } from '../../../db/schema.js';
import { AgentMechanismDriver, describeSegment, listHas, mappingHas } from './agent-mechanism-driver.js';

export class LinuxbridgeMechanismDriver extends AgentMechanismDriver {
  readonly name = 'linuxbridge';
  readonly agentType = AGENT_TYPE_LINUXBRIDGE;
  readonly vifType = 'bridge';

  canServe(s: NetworkSegmentTable, c: Record<string, unknown>): string | null {
    const where = describeSegment(s);
    switch (s.network_type) {
      case 'local':
        return null;
      case 'flat':
        return mappingHas(c.interface_mappings, s.physical_network) || mappingHas(c.bridge_mappings, s.physical_network)
          ? null
          : `${where}: physical network not in the agent's interface or bridge mappings`;
      case 'vlan':
        if (!mappingHas(c.interface_mappings, s.physical_network)) return `${where}: physical network not in the agent's interface mappings`;
        // the agent says whether its kernel can make 802.1Q subinterfaces
        return c.vlan_supported === false ? `${where}: the host's kernel has no 802.1Q VLAN support (${String(c.vlan_unsupported_reason ?? 'reported by the agent')})` : null;
      case 'vxlan':
        return listHas(c.tunnel_types, 'vxlan') ? null : `${where}: the agent does not serve vxlan tunnels`;
      default:
        return `${where}: network type not supported by linuxbridge`;
    }
  }

  vifDetails(): Record<string, unknown> {
    return { port_filter: true, connectivity: 'l2' };
  }
}
