import { rbacSuite } from '../api/suite-rbac.js';

rbacSuite('postgres');
