// The ML2 suite on PostgreSQL with the server and every agent on their own RabbitMQ connections.
import { ml2Suite } from '../api/suite-ml2.js';

ml2Suite({ kind: 'postgres', transportUrl: () => 'rabbit://guest:guest@127.0.0.1:5672/' });
