import { sgRbacSuite } from './suite-sg-rbac.js';

sgRbacSuite('sqlite');
