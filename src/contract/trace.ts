// `neutrino trace` and `neutrino audit`: what the server asks an agent about one hop of a traced
// packet, or about drift between what it was told and what its kernel has, and what the agent
// answers. Neutron has no such calls; the topics are Neutrino's own, one per agent kind so that
// an L2 and an L3 agent on one host each get their own questions.

/** Server → an L2 agent on one host (call on `<topic>.<host>`). */
export const TRACE_L2 = 'neutrino-diagnostics-l2';
/** Server → an L3 agent on one host (call on `<topic>.<host>`). */
export const TRACE_L3 = 'neutrino-diagnostics-l3';
/** Server → a DHCP agent on one host (call on `<topic>.<host>`): audits only. */
export const TRACE_DHCP = 'neutrino-diagnostics-dhcp';
/** Trace: a list of checks in, one answer per check out (same order). */
export const CHECK_HOPS = 'check_hops';
/** Audit: {repair} in, an AuditReport out. */
export const AUDIT = 'audit';

/** A port's device is present, up, and a member of its network's bridge. */
export interface PortWiredCheck {
  kind: 'port_wired';
  port_id: string;
  network_id: string;
}

/** The VXLAN device of the network forwards a MAC (and floods) towards another host's tunnel endpoint. */
export interface FdbTowardsCheck {
  kind: 'fdb_towards';
  network_id: string;
  /** the VNI of the network's vxlan segment */
  vni: number;
  mac: string;
  /** the other host's tunnel endpoint (local_ip) */
  remote_ip: string;
}

/** The port firewall has the port, the source addresses it may send from, and its groups' rules. */
export interface PortFilterCheck {
  kind: 'port_filter';
  port_id: string;
  mac: string;
  /** anti-spoofing: the addresses and prefixes the port may send from */
  sources: string[];
  /** security groups whose rule chains must be there */
  groups: string[];
  /** the rule the model says decides (checked to be in the group's chain), if any */
  rule_id: string | null;
  direction: 'ingress' | 'egress';
  /** the port's network: its bridge's conntrack zone is reported (absent: not asked) */
  network_id?: string;
}

/** The router's namespace routes the destination out of the expected device. */
export interface RouterRouteCheck {
  kind: 'router_route';
  router_id: string;
  destination: string;
  /** qr-… or qg-… */
  device: string;
  /** next hop, when the model routes by a gateway or an extra route */
  via: string | null;
}

/** The router's NAT table maps a floating IP to a fixed one, or SNATs out of its gateway. */
export interface RouterNatCheck {
  kind: 'router_nat';
  router_id: string;
  /** floating: floating_ip ↔ fixed_ip elements; snat: the gateway's SNAT rule to address */
  nat: 'floating' | 'snat';
  floating_ip?: string;
  fixed_ip?: string;
  address?: string;
}

export type KernelCheck = PortWiredCheck | FdbTowardsCheck | PortFilterCheck | RouterRouteCheck | RouterNatCheck;

/** One answer: whether the kernel holds what the model says, and what was found. */
export interface KernelAnswer {
  /** null: the agent could not tell (e.g. a check its driver does not know) */
  agrees: boolean | null;
  detail: string;
  /** the conntrack zone the packet's connection is tracked in at this hop, where the host keeps one per network */
  conntrack_zone?: number;
}

export interface CheckHopsArgs {
  checks: KernelCheck[];
}

export interface AuditArgs {
  /** put what differs right (else only report it) */
  repair: boolean;
}

/** One object of the host that differs from what the agent was told. */
export interface Drift {
  /** what kind of object: bridge_port, vxlan_fdb, nft_set, nft_chain, nft_table … */
  kind: string;
  /** the object: device, "vxlan-101 fa:16:… dst 10.21.0.12", "inet neutrino-sg rg-…-4" */
  object: string;
  detail: string;
  repaired: boolean;
}

export interface AuditReport {
  host: string;
  agent_type: string;
  drifts: Drift[];
  /** what was compared, by kind (ports, fdb entries, nft elements …) */
  checked: Record<string, number>;
  /** what the agent's kind does not audit yet, said plainly */
  not_audited: string[];
  ms: number;
}
