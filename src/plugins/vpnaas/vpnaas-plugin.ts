// The vpnaas service plugin's parts (docs/vpnaas.md): IKE and IPsec policies, VPN services,
// endpoint groups and IPsec site connections at /v2.0/vpn, their extension descriptions and
// policy defaults.
import type { Extension } from '../../api/resource.js';
import type { Services } from '../services.js';
import { EndpointGroupPlugin } from './endpoint-groups.js';
import { VPNAAS_RULES } from './policies.js';
import { SiteConnectionPlugin } from './site-connections.js';
import { IKE_KIND, IPSEC_KIND, VpnPolicyPlugin } from './vpn-policies.js';
import { VpnServicePlugin } from './vpn-services.js';

export const VPNAAS_EXTENSIONS: Extension[] = [
  { alias: 'vpnaas', name: 'VPN service', description: 'Extension for VPN service', updated: '2013-05-29T10:00:00-00:00' },
  { alias: 'vpn-endpoint-groups', name: 'VPN Endpoint Groups', description: 'VPN endpoint groups support', updated: '2015-08-04T10:00:00-00:00' },
];

export function buildVpnaas(s: Services) {
  const changed = (routerIds: string[]) => s.log.debug({ event: 'vpnaas.routers_changed', router_ids: routerIds }, 'VPN configuration of routers changed');
  return {
    ikePolicies: new VpnPolicyPlugin(s, IKE_KIND),
    ipsecPolicies: new VpnPolicyPlugin(s, IPSEC_KIND),
    services: new VpnServicePlugin(s),
    endpointGroups: new EndpointGroupPlugin(s),
    connections: new SiteConnectionPlugin(s, changed),
    policyDefaults: VPNAAS_RULES,
  };
}
