import { vpnaasSuite } from './suite-vpnaas.js';

vpnaasSuite('sqlite');
