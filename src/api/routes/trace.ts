// POST /v2.0/trace: where a packet goes and where it stops, by the model and by each host's
// kernel; POST /v2.0/audit: what the hosts hold that differs from what their agents applied
// (docs/trace.md). Admin only: rules create_trace and create_audit (a policy file may open them).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseAuditRequest, type AuditService } from '../../plugins/trace/audit-service.js';
import { parseTraceRequest } from '../../plugins/trace/trace-request.js';
import type { TraceService } from '../../plugins/trace/trace-service.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';

/** The policy rules (admin only by default: src/api/policy/defaults.ts). */
export const TRACE_RULE = 'create_trace';
export const AUDIT_RULE = 'create_audit';

export function registerTrace(app: FastifyInstance, traces: TraceService, audits: AuditService, policy: Policy): void {
  app.post('/v2.0/audit', async (req: FastifyRequest) => {
    const ctx = contextOf(req);
    policy.enforce(ctx, AUDIT_RULE, {});
    return { audit: await audits.audit(parseAuditRequest(req.body)) };
  });

  app.post('/v2.0/trace', async (req: FastifyRequest) => {
    const ctx = contextOf(req);
    policy.enforce(ctx, TRACE_RULE, {});
    return { trace: await traces.trace(parseTraceRequest(req.body)) };
  });
}
