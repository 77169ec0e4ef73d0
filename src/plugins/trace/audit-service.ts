// POST /v2.0/audit: asks the live L2, DHCP and L3 agents (all, or one host's) to compare what
// they applied with what their kernels hold, and to repair it when asked — each kind on its own
// diagnostics topic, every agent at once.
import { InvalidInput } from '../../api/errors.js';
import { AGENT_TYPE_DHCP, AGENT_TYPE_L3, L2_AGENT_TYPES } from '../../contract/agent-types.js';
import { onHost } from '../../contract/topics.js';
import { AUDIT, TRACE_DHCP, TRACE_L2, TRACE_L3, type AuditArgs, type AuditReport } from '../../contract/trace.js';
import type { Services } from '../services.js';

/** An audit of a host with hundreds of ports reads and compares in about a second. */
const AUDIT_TIMEOUT_MS = 30_000;

/** The diagnostics topic of each agent type that audits. */
function auditTopic(agentType: string): string | null {
  if (L2_AGENT_TYPES.includes(agentType)) return TRACE_L2;
  if (agentType === AGENT_TYPE_DHCP) return TRACE_DHCP;
  if (agentType === AGENT_TYPE_L3) return TRACE_L3;
  return null;
}
const AUDITED_TYPES = [...L2_AGENT_TYPES, AGENT_TYPE_DHCP, AGENT_TYPE_L3];

export interface AuditRequest {
  host: string | null;
  repair: boolean;
}

export interface AuditResult {
  audits: AuditReport[];
  /** hosts whose agent did not answer, with why */
  unanswered: { host: string; agent_type: string; error: string }[];
  not_audited: string[];
}

export function parseAuditRequest(body: unknown): AuditRequest {
  const wrapped = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).audit : undefined;
  if (wrapped === undefined) return { host: null, repair: false };
  if (!wrapped || typeof wrapped !== 'object' || Array.isArray(wrapped)) throw InvalidInput({ msg: 'the body must be {"audit": {"host": …, "repair": …}}' });
  const a = wrapped as Record<string, unknown>;
  for (const k of Object.keys(a)) if (k !== 'host' && k !== 'repair') throw InvalidInput({ msg: `Invalid input for ${k}. Reason: unknown attribute; known: host, repair` });
  if (a.host !== undefined && a.host !== null && (typeof a.host !== 'string' || !a.host)) throw InvalidInput({ msg: `Invalid input for host. Reason: ${JSON.stringify(a.host)} is not a host name` });
  if (a.repair !== undefined && typeof a.repair !== 'boolean') throw InvalidInput({ msg: `Invalid input for repair. Reason: ${JSON.stringify(a.repair)} is not a boolean` });
  return { host: (a.host as string | undefined) ?? null, repair: a.repair === true };
}

export class AuditService {
  constructor(
    private readonly s: Services,
    private readonly alive: (row: { heartbeat_timestamp: string }) => boolean,
  ) {}

  async audit(req: AuditRequest): Promise<AuditResult> {
    let q = this.s.db.kysely.selectFrom('agents').select(['host', 'agent_type', 'heartbeat_timestamp']).where('agent_type', 'in', AUDITED_TYPES);
    if (req.host) q = q.where('host', '=', req.host);
    const agents = (await q.execute()).filter((a) => this.alive(a));
    if (req.host && !agents.length) throw InvalidInput({ msg: `Invalid input for host. Reason: no live L2, DHCP or L3 agent on host ${req.host}` });
    const out: AuditResult = { audits: [], unanswered: [], not_audited: [] };
    const args: AuditArgs = { repair: req.repair };
    await Promise.all(
      agents.map(async (a) => {
        try {
          out.audits.push(await this.s.bus.call<AuditReport>(onHost(auditTopic(a.agent_type)!, a.host), AUDIT, args, { timeoutMs: AUDIT_TIMEOUT_MS }));
        } catch (e) {
          out.unanswered.push({ host: a.host, agent_type: a.agent_type, error: (e as Error).message });
        }
      }),
    );
    out.audits.sort((x, y) => x.host.localeCompare(y.host) || x.agent_type.localeCompare(y.agent_type));
    out.unanswered.sort((x, y) => x.host.localeCompare(y.host) || x.agent_type.localeCompare(y.agent_type));
    const drifts = out.audits.reduce((n, r) => n + r.drifts.length, 0);
    this.s.log.info(
      { event: 'audit.done', host: req.host, repair: req.repair, hosts: out.audits.length, drifts, unanswered: out.unanswered.length },
      `audit of ${out.audits.length} host(s): ${drifts} drift(s)`,
    );
    return out;
  }
}
