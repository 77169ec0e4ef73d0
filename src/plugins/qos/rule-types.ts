// /v2.0/qos/rule-types: the rule types the loaded mechanism drivers' agents enforce — the
// union over the drivers, as Neutron lists every type at least one enabled back end supports
// (qos-rule-type-details adds each driver's parameters). The Linux bridge agent's qos
// extension enforces bandwidth_limit (both directions, tc) and dscp_marking (nftables); the
// Open vSwitch agent has no qos extension here, so it claims none, and minimum_bandwidth is
// stored and shown but enforced by no driver (Neutron leaves it to Placement, out of scope).
import { MAX_KBPS, VALID_DSCP_MARKS, type QosRuleType } from '../../api/resources/qos.js';

export interface RuleTypeDetails {
  type: QosRuleType;
  drivers: { name: string; supported_parameters: { parameter_name: string; parameter_type: string; parameter_values: unknown }[] }[];
}

const range = (name: string) => ({ parameter_name: name, parameter_type: 'range', parameter_values: { start: 0, end: MAX_KBPS } });
const choices = (name: string, values: unknown[]) => ({ parameter_name: name, parameter_type: 'choices', parameter_values: values });

/** mechanism driver name → what its agents enforce */
export const DRIVER_RULE_TYPES: Record<string, Partial<Record<QosRuleType, RuleTypeDetails['drivers'][number]['supported_parameters']>>> = {
  linuxbridge: {
    bandwidth_limit: [range('max_kbps'), range('max_burst_kbps'), choices('direction', ['egress', 'ingress'])],
    dscp_marking: [choices('dscp_mark', VALID_DSCP_MARKS)],
  },
};

export class RuleTypes {
  constructor(private readonly mechanismDrivers: string[]) {}

  list(): RuleTypeDetails[] {
    const out = new Map<QosRuleType, RuleTypeDetails>();
    for (const name of this.mechanismDrivers) {
      for (const [type, params] of Object.entries(DRIVER_RULE_TYPES[name] ?? {})) {
        const t = out.get(type as QosRuleType) ?? { type: type as QosRuleType, drivers: [] };
        t.drivers.push({ name, supported_parameters: params! });
        out.set(type as QosRuleType, t);
      }
    }
    return [...out.values()].sort((a, b) => a.type.localeCompare(b.type));
  }

  /** whether ports bound by this mechanism driver get their policies enforced */
  supports(driver: string): boolean {
    return Object.keys(DRIVER_RULE_TYPES[driver] ?? {}).length > 0;
  }
}
