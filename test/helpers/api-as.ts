// API calls as a given caller (noauth headers) that must succeed, or must fail with a status
// and Neutron error type, for the API suites.
import assert from 'node:assert/strict';
import type { TestServer } from './server.js';

type Obj = Record<string, any>;
type Headers = Record<string, string>;

export function apiAs(server: () => TestServer) {
  return {
    /** the call must succeed (< 300): its body */
    async ok(headers: Headers, method: string, path: string, body?: unknown): Promise<Obj> {
      const r = await server().req(method, path, body, headers);
      assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    /** the call must answer `status` (and NeutronError `type` unless null): its body */
    async fails(headers: Headers, status: number, type: string | null, method: string, path: string, body?: unknown): Promise<Obj> {
      const r = await server().req(method, path, body, headers);
      assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
      if (type) assert.equal(r.body.NeutronError.type, type);
      return r.body;
    },
  };
}
