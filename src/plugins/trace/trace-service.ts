// POST /v2.0/trace: the logical path of a packet (logical-path.ts), then — unless the caller
// says not to — each hop's kernel check asked of the live agent on its host, all hosts at once,
// over the agents' trace topics (contract/trace.ts). A host without a live agent, or one that
// does not answer in time, leaves its hops "kernel: unknown" with the reason; it never fails
// the trace.
import { performance } from 'node:perf_hooks';
import { InvalidInput } from '../../api/errors.js';
import { AGENT_TYPE_L3, L2_AGENT_TYPES } from '../../contract/agent-types.js';
import { onHost } from '../../contract/topics.js';
import { CHECK_HOPS, TRACE_L2, TRACE_L3, type CheckHopsArgs, type KernelAnswer } from '../../contract/trace.js';
import type { Services } from '../services.js';
import { PathWalker, TraceInputError, type Hop, type LogicalPath, type PlannedHop } from './logical-path.js';
import { TraceData } from './trace-data.js';
import type { TraceRequest } from './trace-request.js';

export interface TraceResult extends Omit<LogicalPath, 'hops'> {
  from: string;
  to: string;
  hops: Hop[];
  /** whether the agents were asked */
  kernel_checked: boolean;
  /** the first hop whose kernel disagrees with the model, if any */
  kernel_disagrees_at: number | null;
  took_ms: number;
}

/** How long the server waits for an agent's answer (the trace answers anyway). */
const AGENT_TIMEOUT_MS = 5000;

export class TraceService {
  constructor(
    private readonly s: Services,
    private readonly alive: (row: { heartbeat_timestamp: string }) => boolean,
  ) {}

  async trace(req: TraceRequest): Promise<TraceResult> {
    const t0 = performance.now();
    const data = new TraceData(this.s.db, this.alive);
    let path: LogicalPath;
    try {
      path = await new PathWalker(data, req).walk();
    } catch (e) {
      if (e instanceof TraceInputError) throw InvalidInput({ msg: `Invalid input for ${e.attribute}. Reason: ${e.message}` });
      throw e;
    }
    if (req.checkKernel) await this.askAgents(data, path.hops);
    const hops: Hop[] = path.hops.map(({ check: _check, ...h }) => h);
    const disagrees = hops.findIndex((h) => h.kernel?.agrees === false);
    const result: TraceResult = {
      from: req.from,
      to: req.to,
      ...path,
      hops,
      kernel_checked: req.checkKernel,
      kernel_disagrees_at: disagrees >= 0 ? disagrees : null,
      took_ms: Math.round((performance.now() - t0) * 10) / 10,
    };
    this.s.log.info(
      {
        event: 'trace.done',
        from: req.from,
        to: req.to,
        protocol: req.protocol,
        dport: req.dport,
        verdict: result.verdict,
        hops: hops.length,
        kernel_disagrees_at: result.kernel_disagrees_at,
        ms: result.took_ms,
      },
      `trace ${req.from} → ${req.to}: ${result.verdict}`,
    );
    return result;
  }

  /** One call per (agent kind, host), all at once; answers land on their hops. */
  private async askAgents(data: TraceData, hops: PlannedHop[]): Promise<void> {
    const planned = hops.filter((h) => h.check);
    if (!planned.length) return;
    const hosts = [...new Set(planned.map((h) => h.check!.host))];
    const live = await data.liveAgents(hosts);
    const groups = new Map<string, PlannedHop[]>();
    for (const h of planned) {
      const key = `${h.check!.agent} ${h.check!.host}`;
      groups.set(key, [...(groups.get(key) ?? []), h]);
    }
    await Promise.all(
      [...groups].map(async ([key, group]) => {
        const [agent, host] = key.split(' ');
        const types = agent === 'l2' ? L2_AGENT_TYPES : [AGENT_TYPE_L3];
        if (!live.some((a) => a.host === host && types.includes(a.agent_type))) {
          for (const h of group) h.kernel = { agrees: null, detail: `no live ${agent === 'l2' ? 'L2' : 'L3'} agent on ${host} to ask` };
          return;
        }
        const args: CheckHopsArgs = { checks: group.map((h) => h.check!.check) };
        try {
          const answers = await this.s.bus.call<KernelAnswer[]>(onHost(agent === 'l2' ? TRACE_L2 : TRACE_L3, host), CHECK_HOPS, args, { timeoutMs: AGENT_TIMEOUT_MS });
          group.forEach((h, i) => {
            h.kernel = answers[i] ?? { agrees: null, detail: `the agent on ${host} gave no answer for this check` };
          });
        } catch (e) {
          for (const h of group) h.kernel = { agrees: null, detail: `the ${agent === 'l2' ? 'L2' : 'L3'} agent on ${host} could not answer: ${(e as Error).message}` };
        }
      }),
    );
  }
}
