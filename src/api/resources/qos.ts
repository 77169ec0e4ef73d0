// qos: /v2.0/qos/policies and the rules under a policy (neutron-lib's api/definitions/qos.py,
// qos_bw_limit_direction.py, qos_default.py). A rule kind is one row of QOS_RULE_KINDS: its
// collection, member, table and attributes; the routes and the plugin are written once for all.
import { NeutronError } from '../errors.js';
import type { Attribute, ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, nameAttr, projectAttrs } from './common.js';

export const QosPolicyNotFound = (id: string): NeutronError => new NeutronError('QosPolicyNotFound', 404, `QoS policy ${id} could not be found.`);
export const QosRuleNotFound = (a: { policy_id: string; rule_id: string }): NeutronError =>
  new NeutronError('QosRuleNotFound', 404, `QoS rule ${a.rule_id} for policy ${a.policy_id} could not be found.`);
export const QosPolicyInUse = (a: { policy_id: string; object_type: string; object_id: string }): NeutronError =>
  new NeutronError('QosPolicyInUse', 409, `QoS Policy ${a.policy_id} is used by ${a.object_type} ${a.object_id}.`);
export const QoSPolicyDefaultAlreadyExists = (projectId: string): NeutronError => new NeutronError('QoSPolicyDefaultAlreadyExists', 409, `A default QoS policy exists for project ${projectId}.`);
export const QosRuleDuplicate = (a: { kind: string; policy_id: string; direction?: string }): NeutronError =>
  new NeutronError(
    'NeutronDbObjectDuplicateEntry',
    409,
    `Failed to create a duplicate ${a.kind}: for attribute(s) ['qos_policy_id'${a.direction ? ", 'direction'" : ''}] with value(s) ${a.policy_id}${a.direction ? `-${a.direction}` : ''}`,
  );

/** neutron-lib's VALID_DSCP_MARKS */
export const VALID_DSCP_MARKS = [0, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 44, 46, 48, 56];
export const MAX_KBPS = 2147483647;

const dscpMark: v.Validator = (x) => {
  const n = v.integer(0, 56)(x) as number;
  if (!VALID_DSCP_MARKS.includes(n)) throw new v.AttributeInvalid(`'${n}' is not in ${JSON.stringify(VALID_DSCP_MARKS)}`);
  return n;
};

export const qosPolicyDef: ResourceDef = {
  collection: 'policies',
  member: 'policy',
  path: 'qos/policies',
  table: 'qos_policies',
  notFound: QosPolicyNotFound,
  taggable: false,
  bulk: false,
  attributes: [
    idAttr,
    ...projectAttrs,
    nameAttr,
    { name: 'description', post: true, put: true, default: '', validate: v.string(255), column: 'description', filter: 'string', sort: true },
    { name: 'shared', post: true, put: true, default: false, validate: v.boolean, column: 'shared', filter: 'bool', sort: true },
    { name: 'is_default', post: true, put: true, default: false, validate: v.boolean, column: 'is_default', filter: 'bool', sort: true, extension: 'qos-default' },
    { name: 'rules', post: false, put: false },
    { name: 'created_at', post: false, put: false, column: 'created_at', filter: 'string', sort: true },
    { name: 'updated_at', post: false, put: false, column: 'updated_at', filter: 'string', sort: true },
    { name: 'revision_number', post: false, put: false, column: 'revision_number', filter: 'int', sort: true },
  ],
};

export type QosRuleType = 'bandwidth_limit' | 'dscp_marking' | 'minimum_bandwidth';

export interface QosRuleKind {
  type: QosRuleType;
  /** bandwidth_limit_rules */
  collection: string;
  /** bandwidth_limit_rule */
  member: string;
  table: 'qos_bandwidth_limit_rules' | 'qos_dscp_marking_rules' | 'qos_minimum_bandwidth_rules';
  /** the rule's own attributes (id and qos_policy_id are every kind's) */
  attributes: Attribute[];
  /** the columns that may appear once per policy besides the policy (direction) */
  uniqueBy: string | null;
  /** Neutron's object name, for its duplicate error */
  objectName: string;
}

const ruleDef = (k: QosRuleKind): ResourceDef => ({
  collection: k.collection,
  member: k.member,
  path: `qos/policies/:policy_id/${k.collection}`,
  table: k.table,
  notFound: (id) => QosRuleNotFound({ policy_id: '', rule_id: id }),
  taggable: false,
  bulk: false,
  attributes: [idAttr, ...k.attributes],
});

export const QOS_RULE_KINDS: QosRuleKind[] = [
  {
    type: 'bandwidth_limit',
    collection: 'bandwidth_limit_rules',
    member: 'bandwidth_limit_rule',
    table: 'qos_bandwidth_limit_rules',
    uniqueBy: 'direction',
    objectName: 'QosBandwidthLimitRule',
    attributes: [
      { name: 'max_kbps', post: true, put: true, validate: v.integer(0, MAX_KBPS), column: 'max_kbps', filter: 'int', sort: true },
      { name: 'max_burst_kbps', post: true, put: true, default: 0, validate: v.integer(0, MAX_KBPS), column: 'max_burst_kbps', filter: 'int', sort: true },
      { name: 'direction', post: true, put: true, default: 'egress', validate: v.oneOf(['egress', 'ingress']), column: 'direction', filter: 'string', sort: true, extension: 'qos-bw-limit-direction' },
    ],
  },
  {
    type: 'dscp_marking',
    collection: 'dscp_marking_rules',
    member: 'dscp_marking_rule',
    table: 'qos_dscp_marking_rules',
    uniqueBy: null,
    objectName: 'QosDscpMarkingRule',
    attributes: [{ name: 'dscp_mark', post: true, put: true, validate: dscpMark, column: 'dscp_mark', filter: 'int', sort: true }],
  },
  {
    type: 'minimum_bandwidth',
    collection: 'minimum_bandwidth_rules',
    member: 'minimum_bandwidth_rule',
    table: 'qos_minimum_bandwidth_rules',
    uniqueBy: 'direction',
    objectName: 'QosMinimumBandwidthRule',
    attributes: [
      { name: 'min_kbps', post: true, put: true, validate: v.integer(0, MAX_KBPS), column: 'min_kbps', filter: 'int', sort: true },
      { name: 'direction', post: true, put: true, default: 'egress', validate: v.oneOf(['egress']), column: 'direction', filter: 'string', sort: true },
    ],
  },
];

export const qosRuleDefs = new Map(QOS_RULE_KINDS.map((k) => [k.type, ruleDef(k)]));
