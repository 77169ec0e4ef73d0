import { novaQuarantineSuite } from './suite-nova-quarantine.js';

novaQuarantineSuite('sqlite');
