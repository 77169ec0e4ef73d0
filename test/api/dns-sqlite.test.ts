import { dnsSuite } from './suite-dns.js';

dnsSuite('sqlite');
