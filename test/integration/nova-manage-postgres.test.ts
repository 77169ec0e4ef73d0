import { novaManageSuite } from '../api/suite-nova-manage.js';

novaManageSuite('postgres');
