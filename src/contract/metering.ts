// Metering between the server and the L3 agents' metering extension.

/** fanout: labels or rules changed (agents ask again for their routers' labels) */
export const METERING_AGENT_TOPIC = 'q-agent-notifier-metering';
export const METERING_LABELS_UPDATED = 'metering_labels_updated';
/** q-plugin call: { router_ids } → RouterMeteringLabels[] */
export const GET_METERING_LABELS = 'get_metering_labels';
/** q-plugin call: { host, counters: MeteringCounter[] } (the agent's report every report_interval) */
export const REPORT_METERING_COUNTERS = 'report_metering_counters';

export interface AgentMeteringRule {
  id: string;
  direction: 'ingress' | 'egress';
  remote_ip_prefix: string | null;
  source_ip_prefix: string | null;
  destination_ip_prefix: string | null;
  excluded: boolean;
}

export interface RouterMeteringLabels {
  router_id: string;
  labels: { id: string; rules: AgentMeteringRule[] }[];
}

export interface MeteringCounter {
  label_id: string;
  router_id: string;
  pkts: number;
  bytes: number;
}
