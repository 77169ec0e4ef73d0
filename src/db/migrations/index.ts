// Numbered migrations, in order. Add new ones at the end; never edit a released one.
import type { Migration } from 'kysely';
import * as m0001 from './0001_core.js';
import * as m0002 from './0002_ml2.js';
import * as m0003 from './0003_rbac.js';
import * as m0004 from './0004_l3.js';
import * as m0005 from './0005_instances.js';
import * as m0006 from './0006_nova_network.js';
import * as m0007 from './0007_subnetpools.js';
import * as m0008 from './0008_fwaas.js';
import * as m0009 from './0009_port_forwarding.js';
import * as m0010 from './0010_availability_zones.js';
import * as m0011 from './0011_subnet_service_types.js';
import * as m0012 from './0012_security_group_rbac.js';
import * as m0013 from './0013_address_groups.js';
import * as m0014 from './0014_auto_allocate.js';
import * as m0015 from './0015_dns.js';
import * as m0017 from './0017_l3_ha.js';
import * as m0018 from './0018_qos.js';
import * as m0019 from './0019_metering.js';
import * as m0020 from './0020_vpnaas.js';
import * as m0021 from './0021_segments.js';

export const MIGRATIONS: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_ml2': m0002,
  '0003_rbac': m0003,
  '0004_l3': m0004,
  '0005_instances': m0005,
  '0006_nova_network': m0006,
  '0007_subnetpools': m0007,
  '0008_fwaas': m0008,
  '0009_port_forwarding': m0009,
  '0010_availability_zones': m0010,
  '0011_subnet_service_types': m0011,
  '0012_security_group_rbac': m0012,
  '0013_address_groups': m0013,
  '0014_auto_allocate': m0014,
  '0015_dns': m0015,
  '0017_l3_ha': m0017,
  '0018_qos': m0018,
  '0019_metering': m0019,
  '0020_vpnaas': m0020,
  '0021_segments': m0021,
};
