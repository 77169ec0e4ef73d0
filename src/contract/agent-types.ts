// agent_type values, as Neutron's agents report them in report_state: the server schedules and
// binds by them, and the openstack CLI (--agent-type) and the compute shim look agents up by
// them, so they stay Neutron's spelling.
export const AGENT_TYPE_DHCP = 'DHCP agent';
export const AGENT_TYPE_L3 = 'L3 agent';
export const AGENT_TYPE_LINUXBRIDGE = 'Linux bridge agent';
export const AGENT_TYPE_OVS = 'Open vSwitch agent';
export const AGENT_TYPE_METADATA = 'Metadata agent';

/** The agents that wire ports into networks (the ones a host needs for a port bound there). */
export const L2_AGENT_TYPES = [AGENT_TYPE_LINUXBRIDGE, AGENT_TYPE_OVS];
