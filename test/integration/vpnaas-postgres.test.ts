import { vpnaasSuite } from '../api/suite-vpnaas.js';

vpnaasSuite('postgres');
