// A security group rule as security_group_info_for_devices gives it: an ingress IPv4 rule that
// allows everything, with the given fields set.
import type { SecurityGroupInfo } from '../../src/contract/security-groups.js';

export type SgRule = SecurityGroupInfo['security_groups'][string][number] & { id: string };

export const sgRule = (id: string, r: Partial<SgRule>): SgRule => ({
  id,
  direction: 'ingress',
  ethertype: 'IPv4',
  protocol: null,
  port_range_min: null,
  port_range_max: null,
  remote_ip_prefix: null,
  remote_group_id: null,
  ...r,
});
