// The API extensions the qos service plugin makes true (qos-fip is not built: floating IPs
// take no qos_policy_id here).
import type { Extension } from '../../api/resource.js';

const UPDATED = '2026-12-05T00:00:00-00:00';
const ext = (alias: string, name: string, description: string): Extension => ({ alias, name, description, updated: UPDATED });

export const QOS_EXTENSIONS: Extension[] = [
  ext('qos', 'Quality of Service', 'QoS policies and their rules; qos_policy_id on ports and networks, enforced by the L2 agents (tc, nftables).'),
  ext('qos-bw-limit-direction', 'Direction for QoS bandwidth limit rule', 'direction (egress, ingress) on bandwidth limit rules.'),
  ext('qos-default', 'QoS default policy', 'is_default on QoS policies: the project default new networks take.'),
  ext('qos-rules-alias', 'QoS rules alias API', 'QoS rules by their id alone: /v2.0/qos/alias_<type>_rules/{id}.'),
  ext('qos-rule-type-details', 'Details of QoS rule types', 'GET /v2.0/qos/rule-types/{type}: the drivers and the parameters they support.'),
];
