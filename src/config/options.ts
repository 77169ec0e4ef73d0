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
}

export const OPTIONS: Record<string, Record<string, OptionSpec>> = {
  DEFAULT: {
    bind_host: { type: 'string', default: '127.0.0.1', help: 'Address the API server listens on.' },
    bind_port: { type: 'int', default: 9696, min: 0, max: 65535, help: 'Port the API server listens on.' },
    state_path: { type: 'string', default: './state', help: 'Where Neutrino keeps its state (SQLite file, agent files).' },
    auth_strategy: { type: 'string', default: 'noauth', choices: ['noauth', 'keystone'], help: 'noauth: every request is trusted (loopback only unless allow_insecure_noauth); keystone is not built yet.' },
    allow_insecure_noauth: { type: 'bool', default: false, help: 'Allow auth_strategy=noauth on a non-loopback bind_host. Anyone who can reach the port is admin.' },
    noauth_project_id: { type: 'string', default: 'a6a5b8f4c2d94c6c9e9b5f0f2b1a0001', help: 'Project of requests that carry no X-Project-Id header under noauth.' },
    core_plugin: { type: 'string', default: 'ml2', help: 'The core plugin (only ml2).' },
    service_plugins: { type: 'list', default: [], help: 'Service plugins to load.' },
    transport_url: { type: 'string', default: 'memory://', help: 'Message bus: memory:// (in-process) or rabbit://user:pass@host:5672/.' },
    base_mac: { type: 'string', default: 'fa:16:3e:00:00:00', help: 'Base MAC for generated port MACs; bytes that are 00 are randomised.' },
    mac_generation_retries: { type: 'int', default: 16, min: 1, help: 'How many times to try to generate a unique MAC.' },
    global_physnet_mtu: { type: 'int', default: 1500, min: 68, help: 'MTU of the underlying physical network.' },
    max_dns_nameservers: { type: 'int', default: 5, min: 0, help: 'Most DNS nameservers per subnet.' },
    max_subnet_host_routes: { type: 'int', default: 20, min: 0, help: 'Most host routes per subnet.' },
    max_allowed_address_pair: { type: 'int', default: 10, min: 0, help: 'Most allowed address pairs per port.' },
    allow_overlapping_ips: { type: 'bool', default: true, help: 'Allow overlapping subnets across networks.' },
    pagination_max_limit: { type: 'int', default: -1, help: 'Largest page a list returns (-1: no limit).' },
    api_workers: { type: 'int', default: 1, min: 1, help: 'Kept for compatibility: Neutrino serves the API from one process per server.' },
    debug: { type: 'bool', default: false, help: 'Log at debug level.' },
    log_level: { type: 'string', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], help: 'Log level (overridden by debug=true).' },
  },
  database: {
    connection: { type: 'string', default: 'sqlite:///$state_path/neutrino.sqlite', help: 'sqlite:///relative/path, sqlite:////absolute/path, sqlite:// (memory) or postgresql://user@host:5432/db.' },
    max_pool_size: { type: 'int', default: 16, min: 1, help: 'Most PostgreSQL connections per server.' },
    auto_upgrade: { type: 'bool', default: false, help: 'Run schema migrations when the server starts.' },
  },
  quotas: {
    default_quota: { type: 'int', default: -1, help: 'Default for resources without their own option (-1: unlimited).' },
    quota_network: { type: 'int', default: 100, help: 'Networks per project.' },
    quota_subnet: { type: 'int', default: 100, help: 'Subnets per project.' },
    quota_port: { type: 'int', default: 500, help: 'Ports per project.' },
    quota_router: { type: 'int', default: 10, help: 'Routers per project.' },
    quota_floatingip: { type: 'int', default: 50, help: 'Floating IPs per project.' },
    quota_security_group: { type: 'int', default: 10, help: 'Security groups per project.' },
    quota_security_group_rule: { type: 'int', default: 100, help: 'Security group rules per project.' },
    quota_rbac_policy: { type: 'int', default: 10, help: 'RBAC policies per project.' },
    quota_subnetpool: { type: 'int', default: -1, help: 'Subnet pools per project.' },
  },
};
