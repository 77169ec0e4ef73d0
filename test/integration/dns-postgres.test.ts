import { dnsSuite } from '../api/suite-dns.js';

dnsSuite('postgres');
