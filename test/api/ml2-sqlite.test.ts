import { ml2Suite } from './suite-ml2.js';

ml2Suite({ kind: 'sqlite' });
