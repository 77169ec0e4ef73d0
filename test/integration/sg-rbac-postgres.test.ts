import { sgRbacSuite } from '../api/suite-sg-rbac.js';

sgRbacSuite('postgres');
