// The DHCP server side on PostgreSQL.
import { dhcpSuite } from '../api/suite-dhcp.js';

dhcpSuite('postgres');
