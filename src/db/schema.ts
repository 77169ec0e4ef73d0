// Row types of the tables, as Kysely sees them. Booleans are stored as 0/1 integers so
// one schema serves SQLite and PostgreSQL; list-valued attributes that are never filtered
// on in SQL are JSON text.
import type { Generated } from 'kysely';

interface StandardColumns {
  id: string;
  project_id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

export interface NetworkTable extends StandardColumns {
  status: string;
  admin_state_up: number;
  shared: number;
  router_external: number;
  mtu: number;
  port_security_enabled: number;
}

export interface SubnetTable extends StandardColumns {
  network_id: string;
  ip_version: number;
  cidr: string;
  gateway_ip: string | null;
  enable_dhcp: number;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  allocation_pools: string; // JSON [{start,end}]
  dns_nameservers: string; // JSON [ip]
  host_routes: string; // JSON [{destination,nexthop}]
}

export interface PortTable extends StandardColumns {
  network_id: string;
  mac_address: string;
  admin_state_up: number;
  status: string;
  device_id: string;
  device_owner: string;
  port_security_enabled: number;
  allowed_address_pairs: string; // JSON [{ip_address,mac_address}]
  extra_dhcp_opts: string; // JSON [{opt_name,opt_value,ip_version}]
}

export interface IpAllocationTable {
  port_id: string;
  subnet_id: string;
  network_id: string;
  ip_address: string;
}

export interface SecurityGroupTable extends StandardColumns {
  stateful: number;
}

export interface SecurityGroupRuleTable {
  id: string;
  project_id: string;
  security_group_id: string;
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

export interface SecurityGroupPortBindingTable {
  port_id: string;
  security_group_id: string;
}

export interface DefaultSecurityGroupTable {
  project_id: string;
  security_group_id: string;
}

export interface TagTable {
  resource_id: string;
  tag: string;
}

export interface QuotaTable {
  project_id: string;
  resource: string;
  limit: number;
}

export interface MigrationMarker {
  seq: Generated<number>;
}

export interface Database {
  networks: NetworkTable;
  subnets: SubnetTable;
  ports: PortTable;
  ipallocations: IpAllocationTable;
  securitygroups: SecurityGroupTable;
  securitygrouprules: SecurityGroupRuleTable;
  securitygroupportbindings: SecurityGroupPortBindingTable;
  default_security_group: DefaultSecurityGroupTable;
  tags: TagTable;
  quotas: QuotaTable;
}
