import { rbacSuite } from './suite-rbac.js';

rbacSuite('sqlite');
