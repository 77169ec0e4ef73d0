// neutron-lib's VPNaaS exceptions (neutron_lib/exceptions/vpn.py) and the *Swan drivers'
// IpsecValidationFailure, with their types, statuses and messages.
import { NeutronError } from '../../api/errors.js';

function declare<A>(type: string, status: number, template: (args: A) => string) {
  return (args: A, detail = '') => new NeutronError(type, status, template(args), detail);
}
type None = Record<string, never>;

// 404
export const VPNServiceNotFound = declare<{ vpnservice_id: string }>('VPNServiceNotFound', 404, (a) => `VPNService ${a.vpnservice_id} could not be found`);
export const IPsecSiteConnectionNotFound = declare<{ ipsec_site_conn_id: string }>('IPsecSiteConnectionNotFound', 404, (a) => `ipsec_site_connection ${a.ipsec_site_conn_id} not found`);
export const IKEPolicyNotFound = declare<{ ikepolicy_id: string }>('IKEPolicyNotFound', 404, (a) => `IKEPolicy ${a.ikepolicy_id} could not be found`);
export const IPsecPolicyNotFound = declare<{ ipsecpolicy_id: string }>('IPsecPolicyNotFound', 404, (a) => `IPsecPolicy ${a.ipsecpolicy_id} could not be found`);
export const VPNEndpointGroupNotFound = declare<{ endpoint_group_id: string }>('VPNEndpointGroupNotFound', 404, (a) => `Endpoint group ${a.endpoint_group_id} could not be found`);

// 409
export const IKEPolicyInUse = declare<{ ikepolicy_id: string }>('IKEPolicyInUse', 409, (a) => `IKEPolicy ${a.ikepolicy_id} is in use by existing IPsecSiteConnection and can't be updated or deleted`);
export const IPsecPolicyInUse = declare<{ ipsecpolicy_id: string }>(
  'IPsecPolicyInUse',
  409,
  (a) => `IPsecPolicy ${a.ipsecpolicy_id} is in use by existing IPsecSiteConnection and can't be updated or deleted`,
);
export const VPNServiceInUse = declare<{ vpnservice_id: string }>('VPNServiceInUse', 409, (a) => `VPNService ${a.vpnservice_id} is still in use`);

// 400
export const IPsecSiteConnectionDpdIntervalValueError = declare<{ attr: string }>(
  'IPsecSiteConnectionDpdIntervalValueError',
  400,
  (a) => `ipsec_site_connection ${a.attr} is equal to or less than dpd_interval`,
);
export const IPsecSiteConnectionMtuError = declare<{ mtu: number; version: number }>('IPsecSiteConnectionMtuError', 400, (a) => `ipsec_site_connection MTU ${a.mtu} is too small for ipv${a.version}`);
export const IPsecSiteConnectionPeerCidrError = declare<{ peer_cidr: string }>('IPsecSiteConnectionPeerCidrError', 400, (a) => `ipsec_site_connection peer cidr ${a.peer_cidr} is invalid CIDR`);
export const VPNStateInvalidToUpdate = declare<{ id: string; state: string }>('VPNStateInvalidToUpdate', 400, (a) => `Invalid state ${a.state} of vpnaas resource ${a.id} for updating`);
export const SubnetIsNotConnectedToRouter = declare<{ subnet_id: string; router_id: string }>(
  'SubnetIsNotConnectedToRouter',
  400,
  (a) => `Subnet ${a.subnet_id} is not connected to Router ${a.router_id}`,
);
export const RouterIsNotExternal = declare<{ router_id: string }>('RouterIsNotExternal', 400, (a) => `Router ${a.router_id} has no external network gateway set`);
export const VPNPeerAddressNotResolved = declare<{ peer_address: string }>('VPNPeerAddressNotResolved', 400, (a) => `Peer address ${a.peer_address} cannot be resolved`);
export const ExternalNetworkHasNoSubnet = declare<{ router_id: string; ip_version: string }>(
  'ExternalNetworkHasNoSubnet',
  400,
  (a) => `Router's ${a.router_id} external network has no ${a.ip_version} subnet`,
);
export const InvalidEndpointInEndpointGroup = declare<{ endpoint: string; group_type: string; why: string }>(
  'InvalidEndpointInEndpointGroup',
  400,
  (a) => `Endpoint '${a.endpoint}' is invalid for group type '${a.group_type}': ${a.why}`,
);
export const MissingEndpointForEndpointGroup = declare<{ group: string }>('MissingEndpointForEndpointGroup', 400, (a) => `No endpoints specified for endpoint group '${a.group}'`);
export const NonExistingSubnetInEndpointGroup = declare<{ subnet: string }>('NonExistingSubnetInEndpointGroup', 400, (a) => `Subnet ${a.subnet} in endpoint group does not exist`);
export const MixedIPVersionsForIPSecEndpoints = declare<{ group: string }>(
  'MixedIPVersionsForIPSecEndpoints',
  400,
  (a) => `Endpoints in group ${a.group} do not have the same IP version, as required for IPSec site-to-site connection`,
);
export const MixedIPVersionsForPeerCidrs = declare<None>('MixedIPVersionsForPeerCidrs', 400, () => 'Peer CIDRs do not have the same IP version, as required for IPSec site-to-site connection');
export const MixedIPVersionsForIPSecConnection = declare<None>('MixedIPVersionsForIPSecConnection', 400, () => 'IP versions are not compatible between peer and local endpoints');
export const InvalidEndpointGroup = declare<{ suffix: string; which: string }>(
  'InvalidEndpointGroup',
  400,
  (a) => `Endpoint group${a.suffix} ${a.which} cannot be specified, when VPN Service has subnet specified`,
);
export const WrongEndpointGroupType = declare<{ which: string; group_type: string; expected: string }>(
  'WrongEndpointGroupType',
  400,
  (a) => `Endpoint group ${a.which} type is '${a.group_type}' and should be '${a.expected}'`,
);
export const PeerCidrsInvalid = declare<None>('PeerCidrsInvalid', 400, () => 'Peer CIDRs cannot be specified, when using endpoint groups');
export const MissingPeerCidrs = declare<None>('MissingPeerCidrs', 400, () => 'Missing peer CIDRs for IPsec site-to-site connection');
export const MissingRequiredEndpointGroup = declare<{ suffix: string; which: string }>(
  'MissingRequiredEndpointGroup',
  400,
  (a) => `Missing endpoint group${a.suffix} ${a.which} for IPSec site-to-site connection`,
);
export const EndpointGroupInUse = declare<{ group_id: string }>('EndpointGroupInUse', 400, (a) => `Endpoint group ${a.group_id} is in use and cannot be deleted`);
export const IpsecValidationFailure = declare<{ resource: string; key: string; value: string }>(
  'IpsecValidationFailure',
  400,
  (a) => `IPSec does not support ${a.resource} attribute ${a.key} with value '${a.value}'`,
);
