// Every option Neutrino reads, with Neutron's section and option names.
// The sample config (etc/neutrino.conf.sample) is written from this table.

export type OptionType = 'string' | 'int' | 'bool' | 'list' | 'float';

export interface OptionSpec {
  type: OptionType;
  default: string | number | boolean | string[] | null;
  help: string;
  min?: number;
  max?: number;
  choices?: string[];
  /**
   * A value other than the default is not built: the start is refused with this reason
   * (an option is honoured or refused, never read and ignored).
   */
  notBuilt?: string;
}

export const OPTIONS: Record<string, Record<string, OptionSpec>> = {
  DEFAULT: {
    bind_host: { type: 'string', default: '127.0.0.1', help: 'Address the API server listens on.' },
    bind_port: { type: 'int', default: 9696, min: 0, max: 65535, help: 'Port the API server listens on.' },
    state_path: { type: 'string', default: './state', help: 'Where Neutrino keeps its state (SQLite file, agent files).' },
    auth_strategy: {
      type: 'string',
      default: 'noauth',
      choices: ['noauth', 'keystone'],
      help: 'noauth: every request is trusted (loopback only unless allow_insecure_noauth). keystone: every request but GET / needs an X-Auth-Token that Keystone accepts; see [keystone_authtoken].',
    },
    allow_insecure_noauth: { type: 'bool', default: false, help: 'Allow auth_strategy=noauth on a non-loopback bind_host. Anyone who can reach the port is admin.' },
    noauth_project_id: { type: 'string', default: 'a6a5b8f4c2d94c6c9e9b5f0f2b1a0001', help: 'Project of requests that carry no X-Project-Id header under noauth.' },
    core_plugin: { type: 'string', default: 'ml2', help: 'The core plugin: ml2 (or neutron.plugins.ml2.plugin.Ml2Plugin).' },
    service_plugins: {
      type: 'list',
      default: ['router'],
      help: "Service plugins to load, by Neutron's names: router (routers, floating IPs, L3 agent scheduling); auto_allocate (auto-allocated-topology, needs router); Neutrino's metadata (instance records, key pairs and the metadata service for metadata agents); nova_network (nova-network's modes, docs/nova-network.md); firewall_v2 (FWaaS v2 firewall groups on router ports, docs/fwaas.md); port_forwarding (floating IP port forwardings, docs/port-forwarding.md; needs router). A plugin left out has no routes and no extension alias; an unknown name stops the server.",
    },
    dns_domain: {
      type: 'string',
      default: 'openstacklocal',
      help: "Domain of the names ports get (dns_assignment with [ml2] extension_drivers dns) and that the DHCP agents hand out. While it is openstacklocal, ports' dns_name is not taken (as Neutron).",
    },
    default_availability_zones: {
      type: 'list',
      default: [],
      help: 'Availability zones the DHCP and L3 schedulers use for a network or router created without availability_zone_hints (empty: any zone).',
    },
    transport_url: { type: 'string', default: 'memory://', help: 'Message bus: memory:// (in-process) or rabbit://user:pass@host:5672/.' },
    base_mac: { type: 'string', default: 'fa:16:3e:00:00:00', help: 'Base MAC for generated port MACs; bytes that are 00 are randomised.' },
    mac_generation_retries: { type: 'int', default: 16, min: 1, help: 'How many times to try to generate a unique MAC.' },
    global_physnet_mtu: { type: 'int', default: 1500, min: 68, help: 'MTU of the underlying physical network.' },
    max_dns_nameservers: { type: 'int', default: 5, min: 0, help: 'Most DNS nameservers per subnet.' },
    max_subnet_host_routes: { type: 'int', default: 20, min: 0, help: 'Most host routes per subnet.' },
    max_allowed_address_pair: { type: 'int', default: 10, min: 0, help: 'Most allowed address pairs per port.' },
    allow_overlapping_ips: { type: 'bool', default: true, help: 'Allow overlapping subnets across networks (false: a subnet CIDR may overlap no other subnet of any network, as in Neutron).' },
    pagination_max_limit: { type: 'int', default: -1, help: 'Largest page a list returns (-1: no limit).' },
    api_workers: {
      type: 'int',
      default: null,
      min: 1,
      help: 'API processes per server, sharing its port (default: one per core on PostgreSQL; SQLite, the single-process embedded database, allows only 1).',
    },
    host: { type: 'string', default: '', help: "Name of this host as agents report it and ports are bound to it (empty: the machine's hostname)." },
    agent_down_time: { type: 'int', default: 75, min: 1, help: 'Seconds without a heartbeat after which an agent is considered dead (at least twice [agent] report_interval).' },
    rpc_response_timeout: { type: 'int', default: 60, min: 1, help: 'Seconds to wait for the answer to an RPC call.' },
    dhcp_agents_per_network: { type: 'int', default: 1, min: 1, help: 'DHCP agents scheduled to serve each network.' },
    network_auto_schedule: { type: 'bool', default: true, help: 'Schedule networks to DHCP agents automatically.' },
    agent_mode: { type: 'string', default: 'legacy', help: 'L3 agent: legacy (one qrouter namespace per router on this host). dvr, dvr_snat and dvr_no_external are not built and refused.' },
    router_auto_schedule: { type: 'bool', default: true, help: 'Schedule routers to L3 agents automatically (when they get a gateway or an interface, and when an agent asks for its routers).' },
    allow_automatic_l3agent_failover: { type: 'bool', default: false, help: 'Move routers off L3 agents that stopped reporting to live ones (checked when an L3 agent asks for its routers).' },
    enable_snat_by_default: { type: 'bool', default: true, help: 'enable_snat of a router gateway when the request does not say.' },
    max_routes: { type: 'int', default: 30, min: 0, help: 'Most extra routes per router.' },
    l3_ha: { type: 'bool', default: false, help: 'Make new routers HA (VRRP by keepalived between the qrouter namespaces of several L3 agents) when the request does not say (docs/l3-ha.md).' },
    max_l3_agents_per_router: { type: 'int', default: 3, min: 0, help: 'Most L3 agents an HA router is scheduled to (0: every live L3 agent).' },
    min_l3_agents_per_router: { type: 'int', default: 2, min: 2, help: 'Fewest live L3 agents an HA router needs: creating one (or making a router HA) with fewer is refused.' },
    l3_ha_net_cidr: { type: 'string', default: '169.254.192.0/18', help: 'Subnet of each project\'s HA network ("HA network tenant <project>"): the VRRP addresses of its HA routers\' agents.' },
    l3_ha_network_type: { type: 'string', default: '', help: 'Network type of the HA networks (empty: the first of [ml2] tenant_network_types).' },
    l3_ha_network_physical_name: { type: 'string', default: '', help: 'Physical network of the HA networks when l3_ha_network_type is flat or vlan.' },
    ha_vrrp_advert_int: {
      type: 'float',
      default: 2,
      min: 0.01,
      help: "Seconds between VRRP advertisements; a standby takes over after about three missed. Below 1 keepalived speaks VRRPv3 (Neutron's option is whole seconds; fractions are Neutrino's).",
    },
    allow_automatic_dhcp_failover: { type: 'bool', default: true, help: 'Move networks off DHCP agents that stopped reporting (checked every agent_down_time/2 seconds) to live ones.' },
    dhcp_lease_duration: { type: 'int', default: 86400, min: -1, help: 'DHCP agent: lease time in seconds handed out by dnsmasq (-1: infinite).' },
    dnsmasq_dns_servers: { type: 'list', default: [], help: 'DHCP agent: DNS servers given to instances of subnets without dns_nameservers (empty: none).' },
    dnsmasq_lease_max: { type: 'int', default: 16777216, min: 1, help: 'DHCP agent: most leases one dnsmasq holds (--dhcp-lease-max).' },
    dhcp_domain: {
      type: 'string',
      default: 'openstacklocal',
      help: "DHCP agent: domain of the host names dnsmasq hands out (Neutron's deprecated name of dns_domain; dns_domain wins when this is left at its default).",
    },
    interface_driver: {
      type: 'string',
      default: 'linuxbridge',
      choices: ['linuxbridge', 'neutron.agent.linux.interface.BridgeInterfaceDriver', 'openvswitch', 'neutron.agent.linux.interface.OVSInterfaceDriver'],
      help: "DHCP and L3 agents: how service ports are plugged. linuxbridge: a veth whose tap the Linux bridge agent wires. openvswitch: the veth's tap joins [ovs] integration_bridge (on [ovs] ovsdb_connection) with external_ids:iface-id, for the Open vSwitch agent to wire.",
    },
    metadata_listen: {
      type: 'string',
      default: '127.0.0.1',
      help: "Server with the metadata service plugin: address the metadata service (Nova's metadata API role) listens on; only metadata agents talk to it.",
    },
    metadata_listen_port: { type: 'int', default: 8775, min: 0, max: 65535, help: 'Server with the metadata service plugin: port of the metadata service (0: any free port).' },
    metadata_cache_expiration: {
      type: 'int',
      default: 15,
      min: 0,
      help: "Server with the metadata service plugin: seconds the metadata service keeps what it read about an instance (record, ports, addresses, floating IPs) to answer the instance's next requests, as Nova's [api] metadata_cache_expiration (0: read it for every request). Who is asking (the port behind a source address) is never cached.",
    },
    metadata_proxy_shared_secret: {
      type: 'string',
      default: '',
      help: 'Server with the metadata plugin and metadata agent: the secret the agent signs instance ids with (X-Instance-ID-Signature, HMAC-SHA256). Required by both: an empty secret is refused at start.',
    },
    metadata_proxy_socket: { type: 'string', default: '$state_path/metadata_proxy', help: 'Metadata agent: the unix socket the metadata proxies (haproxy in qrouter-/qdhcp- namespaces) forward to.' },
    nova_metadata_host: { type: 'string', default: '127.0.0.1', help: "Metadata agent: host of the metadata service (the server's metadata_listen)." },
    nova_metadata_port: { type: 'int', default: 8775, min: 1, max: 65535, help: "Metadata agent: port of the metadata service (the server's metadata_listen_port)." },
    nova_metadata_protocol: { type: 'string', default: 'http', choices: ['http'], help: 'Metadata agent: protocol to the metadata service (only http is built).' },
    enable_metadata_proxy: {
      type: 'bool',
      default: false,
      help: 'L3 agent: serve 169.254.169.254:80 in every qrouter namespace (a redirect to a haproxy that forwards to the metadata agent). Off by default in Neutrino (Neutron: on) because it needs a metadata agent on the host.',
    },
    enable_isolated_metadata: {
      type: 'bool',
      default: false,
      help: 'DHCP agent: serve 169.254.169.254 from the qdhcp namespace of networks no router serves, and hand out the host route to it (option 121).',
    },
    force_metadata: { type: 'bool', default: false, help: 'DHCP agent: serve 169.254.169.254 from the qdhcp namespace of every network, routed or not.' },
    debug: { type: 'bool', default: false, help: 'Log at debug level.' },
    log_level: { type: 'string', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], help: 'Log level (overridden by debug=true).' },
    use_json: { type: 'bool', default: false, help: "Log one JSON object per line (pino's own format) instead of oslo.log-style text lines." },
    log_file: { type: 'string', default: '', help: 'Log to this file (appended; relative to log_dir when that is set) instead of standard output.' },
    log_dir: { type: 'string', default: '', help: 'Directory of log_file; without log_file the log goes to log_dir/<program>.log (e.g. neutrino-server.log).' },
    // nova-network's modes (docs/nova-network.md); neutrino-manage reads these as nova-manage did
    network_manager: {
      type: 'string',
      default: 'nova.network.manager.VlanManager',
      help: "nova-network mode of networks neutrino-manage makes: nova's class paths nova.network.manager.FlatManager|FlatDHCPManager|VlanManager or flat|flatdhcp|vlan; empty means VLAN, as in nova.",
    },
    flat_network_bridge: {
      type: 'string',
      default: '',
      help: 'Flat and FlatDHCP modes: the bridge of networks neutrino-manage makes without --bridge (e.g. br100). On a Linux bridge agent: the physical network of that name is that bridge (Flat: it must exist).',
    },
    flat_interface: {
      type: 'string',
      default: '',
      help: "FlatDHCP mode: the interface under flat_network_bridge (neutrino-manage's default --bridge_interface). On a Linux bridge agent: at start the agent makes the bridge and moves the interface, its addresses and routes under it in one step.",
    },
    vlan_interface: { type: 'string', default: '', help: 'VLAN mode: the interface VLANs ride on (and the VLAN physical network), for networks made without --bridge_interface.' },
    vlan_start: { type: 'int', default: 100, min: 1, max: 4094, help: 'VLAN mode: first VLAN of networks made without --vlan_start.' },
    public_interface: { type: 'string', default: 'eth0', help: 'Floating pools made without --interface use this interface (and flat physical network of that name).' },
    fixed_ip_disassociate_timeout: {
      type: 'int',
      default: 600,
      min: 0,
      help: "Server with the nova_network service plugin: seconds a deleted instance's fixed IP on a nova-network network is held before another instance may have it (0: at once).",
    },
    default_floating_pool: {
      type: 'string',
      default: 'nova',
      help: "Floating pool of neutrino-manage floating create without --pool, of auto_assign_floating_ip, and the way out of Flat and FlatDHCP networks (the mode gateway router's external network).",
    },
    auto_assign_floating_ip: {
      type: 'bool',
      default: false,
      help: 'Server with the nova_network service plugin: every new instance (compute:* port) on a nova-network network gets a floating IP from default_floating_pool, released when the instance is deleted.',
    },
  },
  database: {
    connection: { type: 'string', default: 'sqlite:///$state_path/neutrino.sqlite', help: 'sqlite:///relative/path, sqlite:////absolute/path, sqlite:// (memory) or postgresql://user@host:5432/db.' },
    max_pool_size: { type: 'int', default: 16, min: 1, help: 'Most PostgreSQL connections per server.' },
    auto_upgrade: { type: 'bool', default: false, help: 'Run schema migrations when the server starts.' },
  },
  ml2: {
    type_drivers: { type: 'list', default: ['local', 'flat', 'vlan', 'vxlan'], help: 'Network type drivers to load: local, flat, vlan, vxlan.' },
    tenant_network_types: { type: 'list', default: ['local'], help: 'Network types of project networks, in order of preference; the first with room is used.' },
    mechanism_drivers: { type: 'list', default: ['linuxbridge', 'openvswitch'], help: 'Mechanism drivers that bind ports, tried in order: linuxbridge, openvswitch, l2population.' },
    extension_drivers: {
      type: 'list',
      default: ['port_security'],
      help: 'ML2 extension drivers that add port attributes: port_security (port_security_enabled), tag_ports_during_bulk_creation (tags on port create), dns (dns_name and dns_assignment, under [DEFAULT] dns_domain). Allowed address pairs and extra DHCP options are always on, as in Neutron. An unknown name stops the server.',
    },
    path_mtu: { type: 'int', default: 0, min: 0, help: 'MTU of the underlay between hosts, for overlay networks (0: global_physnet_mtu).' },
    physical_network_mtus: { type: 'list', default: [], help: 'Per physical network MTU, as physnet:mtu pairs.' },
    overlay_ip_version: { type: 'int', default: 4, min: 4, max: 6, help: 'IP version of the tunnel endpoints (sets the overlay overhead: vxlan 50 on IPv4, 70 on IPv6).' },
  },
  ml2_type_flat: {
    flat_networks: { type: 'list', default: ['*'], help: 'Physical networks flat networks may use; * for any.' },
  },
  ml2_type_vlan: {
    network_vlan_ranges: { type: 'list', default: [], help: 'physnet:vlan_min:vlan_max (tenant networks may use the range) or physnet (provider networks only).' },
  },
  ml2_type_vxlan: {
    vni_ranges: { type: 'list', default: [], help: 'vni_min:vni_max ranges of VXLAN VNIs for tenant networks.' },
    vxlan_group: {
      type: 'string',
      default: '',
      help: 'Multicast group for VXLAN flooding. Not built: Neutrino floods by unicast from l2population; leave it empty.',
      notBuilt: 'multicast VXLAN flooding is not built (Neutrino floods by unicast from l2population); remove vxlan_group',
    },
  },
  agent: {
    report_interval: { type: 'float', default: 30, min: 0, help: 'Seconds between agent heartbeats (report_state); 0 disables them.' },
    audit_interval: {
      type: 'int',
      default: 60,
      min: 0,
      help: 'Linux bridge, Open vSwitch, DHCP and L3 agents: seconds between drift audits (bridge membership, VXLAN fdb, nft tables; OVS ports, tunnels and flows; dnsmasq processes and files; qrouter devices, addresses, routes and NAT) that repair what they find; 0 disables them (neutrino audit still asks on demand). docs/trace.md',
    },
    extensions: {
      type: 'list',
      default: [],
      help: "Agent extensions by Neutron's names; each agent of the host runs those of its kind (the L3 agent: its router extensions, docs/l3-agent.md). A name no agent has stops the agent at start.",
    },
    availability_zone: { type: 'string', default: 'nova', help: 'Availability zone the DHCP and L3 agents report (openstack network agent list shows it); L2 agents report none, as in Neutron.' },
    tunnel_types: { type: 'list', default: [], help: 'Open vSwitch agent: tunnel types it serves (only vxlan is built).' },
    l2_population: { type: 'bool', default: true, help: 'Open vSwitch agent: use l2population fdb entries (required: flooding comes from them).' },
    arp_responder: { type: 'bool', default: false, help: 'Open vSwitch agent: answer ARP for remote ports in br-tun, from the IPs l2population names (needs l2_population).' },
    vxlan_udp_port: { type: 'int', default: 4789, min: 1, max: 65535, help: 'Open vSwitch agent: UDP port of VXLAN tunnels.' },
    host_namespace: {
      type: 'string',
      default: '',
      help: 'Network namespace that stands for this host: every device the agent makes lives there (empty: the real host). Lets several hosts share one machine (neutrino lab).',
    },
  },
  securitygroup: {
    enable_security_group: { type: 'bool', default: true, help: 'Filter port traffic by security groups and anti-spoofing (false: the noop driver).' },
    firewall_driver: {
      type: 'string',
      default: 'nftables',
      choices: ['nftables', 'noop', 'openvswitch'],
      help: 'How port filtering is done: nftables (Linux bridge agent: stateful, per-port chains, member sets), openvswitch (Open vSwitch agent: OpenFlow and conntrack on br-int) or noop.',
    },
  },
  linux_bridge: {
    physical_interface_mappings: { type: 'list', default: [], help: 'physnet:interface pairs: flat and VLAN networks of physnet go through interface.' },
    bridge_mappings: { type: 'list', default: [], help: 'physnet:bridge pairs: flat networks of physnet use an existing bridge.' },
  },
  vxlan: {
    enable_vxlan: { type: 'bool', default: true, help: 'Linux bridge agent: serve VXLAN networks.' },
    local_ip: { type: 'string', default: '', help: 'Tunnel endpoint address of this host (VXLAN).' },
    l2_population: {
      type: 'bool',
      default: true,
      help: 'Learn remote MACs and endpoints from the server (unicast flooding). Only true is built: VXLAN without it needs multicast flooding.',
      notBuilt: 'VXLAN without l2population needs multicast flooding, which is not built; leave l2_population = true',
    },
    udp_dstport: { type: 'int', default: 4789, min: 1, max: 65535, help: 'UDP port of VXLAN traffic (IANA 4789).' },
  },
  ovs: {
    bridge_mappings: { type: 'list', default: [], help: 'Open vSwitch agent: physnet:bridge pairs (the bridges must exist, with the physical interface in them).' },
    integration_bridge: { type: 'string', default: 'br-int', help: 'Open vSwitch agent: the integration bridge (made by the agent).' },
    tunnel_bridge: { type: 'string', default: 'br-tun', help: 'Open vSwitch agent: the tunnel bridge (made by the agent when [agent] tunnel_types is set).' },
    datapath_type: {
      type: 'string',
      default: '',
      choices: ['', 'system', 'netdev'],
      help: 'Open vSwitch datapath: system (kernel module) or netdev (userspace); empty: system where the kernel has the openvswitch module, else netdev.',
    },
    local_ip: { type: 'string', default: '', help: 'Open vSwitch agent: tunnel endpoint address (with datapath netdev it must be on an OVS bridge of this host).' },
    ovsdb_connection: {
      type: 'string',
      default: 'unix:/var/run/openvswitch/db.sock',
      help: "Open vSwitch agent: the OVSDB server (unix:<run dir>/db.sock; the bridges' .mgmt sockets are in the same directory).",
    },
  },
  // keystonemiddleware's option names, so an existing neutron.conf section works as is.
  keystone_authtoken: {
    www_authenticate_uri: { type: 'string', default: '', help: 'Identity URI sent to clients in the WWW-Authenticate header of a 401: where they get tokens (empty: auth_url).' },
    auth_url: { type: 'string', default: '', help: 'Keystone this server validates tokens with, with or without /v3 (required with auth_strategy = keystone).' },
    auth_type: { type: 'string', default: 'password', choices: ['password'], help: 'How the service user logs in to Keystone (only password).' },
    username: { type: 'string', default: '', help: 'Service user that validates tokens; needs the admin or service role (required).' },
    password: { type: 'string', default: '', help: 'Password of the service user (required).' },
    project_name: { type: 'string', default: '', help: "Project the service user's token is scoped to (required)." },
    user_domain_name: { type: 'string', default: 'Default', help: 'Domain of the service user.' },
    project_domain_name: { type: 'string', default: 'Default', help: 'Domain of project_name.' },
    region_name: {
      type: 'string',
      default: '',
      help: 'Not built: Keystone is always reached at auth_url, not through the catalog; leave it empty.',
      notBuilt: 'Keystone is reached at auth_url, never through the catalog by region; remove region_name',
    },
    memcached_servers: {
      type: 'list',
      default: [],
      help: "Not built: validated tokens are cached in this process's memory only (token_cache_time); leave it empty.",
      notBuilt: "a shared memcached token cache is not built (tokens are cached in each server's memory for token_cache_time); remove memcached_servers",
    },
    token_cache_time: {
      type: 'int',
      default: 300,
      min: 0,
      help: 'Seconds a validated token is reused without asking Keystone; a revoked token keeps working here at most this long (0: ask every time).',
    },
    http_connect_timeout: { type: 'int', default: 5, min: 1, help: 'Seconds each request to Keystone may take before it counts as unreachable (503).' },
  },
  oslo_policy: {
    policy_file: {
      type: 'string',
      default: '',
      help: 'YAML (or JSON) file of oslo.policy rules overriding the defaults, e.g. "create_network:shared": "role:admin" (empty or missing: defaults only; a relative path is taken from the working directory). See docs/policy.md.',
    },
  },
  fwaas: {
    auto_associate_default_firewall_group: {
      type: 'bool',
      default: false,
      help: "FWaaS v2 (service_plugins = firewall_v2): bind each new instance port to its project's default firewall group. Only false is accepted: groups are enforced on router interfaces by the L3 agent's fwaas_v2 extension, and instance ports would need the L2 agent's extension, which is not built (docs/fwaas.md).",
      notBuilt: "instance ports would need the L2 agent's fwaas_v2 extension, which is not built; firewall groups are enforced on router interface ports only (docs/fwaas.md)",
    },
  },
  quotas: {
    default_quota: {
      type: 'int',
      default: -1,
      help: 'Default for resources without their own quota_<resource> option. Every resource Neutrino counts has its own option, so only -1 is accepted.',
      notBuilt: 'every resource has its own quota_<resource> option, so default_quota would apply to nothing; set quota_<resource> instead',
    },
    quota_network: { type: 'int', default: 100, help: 'Networks per project.' },
    quota_subnet: { type: 'int', default: 100, help: 'Subnets per project.' },
    quota_port: { type: 'int', default: 500, help: 'Ports per project.' },
    quota_router: { type: 'int', default: 10, help: 'Routers per project.' },
    quota_floatingip: { type: 'int', default: 50, help: 'Floating IPs per project.' },
    quota_security_group: { type: 'int', default: 10, help: 'Security groups per project.' },
    quota_security_group_rule: { type: 'int', default: 100, help: 'Security group rules per project.' },
    quota_rbac_policy: { type: 'int', default: 10, help: 'RBAC policies per project.' },
    quota_subnetpool: { type: 'int', default: -1, help: 'Subnet pools per project.' },
    quota_address_scope: { type: 'int', default: -1, help: 'Address scopes per project.' },
  },
};
