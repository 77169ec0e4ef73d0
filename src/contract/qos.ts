// QoS between the server and the L2 agents' qos extension (Neutron pushes QosPolicy objects
// over its resources RPC; here: one fanout carrying the whole policy, and one call to pull
// the policies a batch of ports names).

/** fanout: a policy (or one of its rules) changed */
export const QOS_POLICY_UPDATE_TOPIC = 'q-agent-notifier-qos-policy-update';
export const QOS_POLICY_UPDATE = 'qos_policy_update';
/** q-plugin call: { policy_ids } → AgentQosPolicy[] (those that exist) */
export const GET_QOS_POLICIES = 'get_qos_policies';

export interface AgentQosRule {
  id: string;
  type: 'bandwidth_limit' | 'dscp_marking' | 'minimum_bandwidth';
  max_kbps?: number;
  max_burst_kbps?: number;
  direction?: 'egress' | 'ingress';
  dscp_mark?: number;
  min_kbps?: number;
}

export interface AgentQosPolicy {
  id: string;
  rules: AgentQosRule[];
}
