// The policy defaults of VPNaaS's resources, under neutron-vpnaas's rule names and defaults
// (neutron_vpnaas/policies/): anyone creates; the owner (or an admin) reads, changes, deletes.
import type { RuleDefault } from '../../api/policy/defaults.js';

const ANY = 'rule:regular_user';
const OWNER = 'rule:admin_or_owner';

function rulesOf(member: string, what: string): RuleDefault[] {
  return [
    { name: `create_${member}`, check: ANY, description: `Create ${what}.` },
    { name: `update_${member}`, check: OWNER, description: `Update ${what}.` },
    { name: `delete_${member}`, check: OWNER, description: `Delete ${what}.` },
    { name: `get_${member}`, check: OWNER, description: `Get ${what}.` },
  ];
}

export const VPNAAS_RULES: readonly RuleDefault[] = [
  ...rulesOf('endpoint_group', 'a VPN endpoint group'),
  ...rulesOf('ikepolicy', 'an IKE policy'),
  ...rulesOf('ipsecpolicy', 'an IPsec policy'),
  ...rulesOf('ipsec_site_connection', 'an IPsec site connection'),
  ...rulesOf('vpnservice', 'a VPN service'),
];
