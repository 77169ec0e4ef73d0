import { novaManageSuite } from './suite-nova-manage.js';

novaManageSuite('sqlite');
