import { portForwardingSuite } from '../api/suite-port-forwarding.js';

portForwardingSuite('postgres');
