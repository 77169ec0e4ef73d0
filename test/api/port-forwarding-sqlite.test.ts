import { portForwardingSuite } from './suite-port-forwarding.js';

portForwardingSuite('sqlite');
