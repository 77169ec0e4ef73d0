// Neutron's exception types of firewall groups, policies and rules (neutron-lib's
// exceptions/firewall_v2.py and neutron-fwaas's default-object errors), with their statuses.
// Kept beside errors.ts, in its shape, as errors-subnet-allocation.ts is.
import { NeutronError } from './errors.js';

function declare<A>(type: string, status: number, template: (args: A) => string) {
  return (args: A, detail = '') => new NeutronError(type, status, template(args), detail);
}

type None = Record<string, never>;

// 400
export const FirewallRuleNotAssociatedWithPolicy = declare<{ firewall_rule_id: string; firewall_policy_id: string }>(
  'FirewallRuleNotAssociatedWithPolicy',
  400,
  (a) => `Firewall rule ${a.firewall_rule_id} is not associated with firewall policy ${a.firewall_policy_id}.`,
);
export const FirewallRuleInvalidICMPParameter = declare<{ param: string }>('FirewallRuleInvalidICMPParameter', 400, (a) => `${a.param} are not allowed when protocol is set to ICMP.`);
export const FirewallRuleWithPortWithoutProtocolInvalid = declare<None>('FirewallRuleWithPortWithoutProtocolInvalid', 400, () => 'Source/destination port requires a protocol.');
export const FirewallRuleInvalidPortValue = declare<{ port: string }>('FirewallRuleInvalidPortValue', 400, (a) => `Invalid value for port ${a.port}.`);
export const FirewallRuleInfoMissing = declare<None>('FirewallRuleInfoMissing', 400, () => 'Missing rule info argument for insert/remove rule operation.');
export const FirewallIpAddressConflict = declare<None>('FirewallIpAddressConflict', 400, () => 'Invalid input - IP addresses do not agree with IP Version.');

// 404
export const FirewallGroupNotFound = declare<{ firewall_id: string }>('FirewallGroupNotFound', 404, (a) => `Firewall group ${a.firewall_id} could not be found.`);
export const FirewallPolicyNotFound = declare<{ firewall_policy_id: string }>('FirewallPolicyNotFound', 404, (a) => `Firewall policy ${a.firewall_policy_id} could not be found.`);
export const FirewallRuleNotFound = declare<{ firewall_rule_id: string }>('FirewallRuleNotFound', 404, (a) => `Firewall rule ${a.firewall_rule_id} could not be found.`);
export const FirewallPolicyConflict = declare<{ firewall_policy_id: string }>(
  'FirewallPolicyConflict',
  404,
  (a) => `Operation cannot be performed since firewall policy ${a.firewall_policy_id} for your project could not be found. Please confirm if the firewall policy exists and is shared.`,
);
export const FirewallRuleSharingConflict = declare<{ firewall_policy_id: string; firewall_rule_id: string }>(
  'FirewallRuleSharingConflict',
  404,
  (a) =>
    `Operation cannot be performed since firewall policy ${a.firewall_policy_id} could not find the firewall rule ${a.firewall_rule_id}. Please confirm if the firewall rule exists and is shared.`,
);

// 409
export const FirewallGroupInUse = declare<{ firewall_id: string }>('FirewallGroupInUse', 409, (a) => `Firewall group ${a.firewall_id} is still active.`);
export const FirewallGroupPortInvalid = declare<{ port_id: string }>('FirewallGroupPortInvalid', 409, (a) => `Port ${a.port_id} of firewall group is invalid.`);
export const FirewallGroupPortInvalidProject = declare<{ port_id: string; project_id: string }>(
  'FirewallGroupPortInvalidProject',
  409,
  (a) => `Operation cannot be performed as port ${a.port_id} is in an invalid project ${a.project_id}.`,
);
export const FirewallGroupPortInUse = declare<{ port_ids: string[] }>(
  'FirewallGroupPortInUse',
  409,
  (a) => `Port(s) ${a.port_ids.join(', ')} provided already associated with other firewall group(s).`,
);
export const FirewallPolicyInUse = declare<{ firewall_policy_id: string }>('FirewallPolicyInUse', 409, (a) => `Firewall policy ${a.firewall_policy_id} is being used.`);
export const FirewallRuleInUse = declare<{ firewall_rule_id: string }>('FirewallRuleInUse', 409, (a) => `Firewall rule ${a.firewall_rule_id} is being used.`);
export const FirewallPolicySharingConflict = declare<{ firewall_policy_id: string; firewall_rule_id: string }>(
  'FirewallPolicySharingConflict',
  409,
  (a) => `Operation cannot be performed. Before sharing firewall policy ${a.firewall_policy_id}, share associated firewall rule ${a.firewall_rule_id}.`,
);
export const FirewallRuleConflict = declare<{ firewall_rule_id: string; project_id: string }>(
  'FirewallRuleConflict',
  409,
  (a) => `Operation cannot be performed since firewall rule ${a.firewall_rule_id} is not shared and belongs to another project ${a.project_id}.`,
);
export const FirewallRuleAlreadyAssociated = declare<{ firewall_rule_id: string; firewall_policy_id: string }>(
  'FirewallRuleAlreadyAssociated',
  409,
  (a) => `Operation cannot be performed since firewall rule ${a.firewall_rule_id} is already associated with firewall policy ${a.firewall_policy_id}.`,
);
export const FirewallGroupCannotRemoveDefault = declare<None>('FirewallGroupCannotRemoveDefault', 409, () => 'Deleting default firewall group not allowed.');
export const FirewallDefaultParameterExists = declare<{ name: string; resource_type: string }>(
  'FirewallDefaultParameterExists',
  409,
  (a) => `Operation cannot be performed since '${a.name}' is a reserved name for ${a.resource_type}.`,
);
export const FirewallDefaultObjectUpdateRestricted = declare<{ resource_id: string; resource_type: string }>(
  'FirewallDefaultObjectUpdateRestricted',
  409,
  (a) => `Operation cannot be performed on default object '${a.resource_id}' of type ${a.resource_type}.`,
);
