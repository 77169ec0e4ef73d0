import { after, before, describe, it } from 'node:test';
import { portChurn } from '../helpers/concurrency.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('concurrency on PostgreSQL', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer('postgres', { listen: true });
  });
  after(async () => {
    await s?.close();
  });
  it('64 clients create 2,000 ports on a /21 with no duplicate IP and no 5xx, then delete them all', async () => {
    await portChurn(s, { clients: 64, ports: 2000 });
  });
});
