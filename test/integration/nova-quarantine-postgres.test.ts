import { novaQuarantineSuite } from '../api/suite-nova-quarantine.js';

novaQuarantineSuite('postgres');
