// The DHCP server side on SQLite.
import { dhcpSuite } from './suite-dhcp.js';

dhcpSuite('sqlite');
