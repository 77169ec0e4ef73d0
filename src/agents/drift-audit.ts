// The drift audit every agent kind shares (`neutrino audit`, `[agent] audit_interval`): runs the
// agent's own comparison, logs one line per drift (repaired or left), keeps the counters the
// agent reports in its state, and — when an interval is set — repeats it with repair on a timer.
// This is the one place an agent looks at its kernel on a timer: it finds no work, it only puts
// back what someone else took away.
import type { Logger } from 'pino';
import type { AuditReport } from '../contract/trace.js';

export type AuditFindings = Omit<AuditReport, 'host' | 'agent_type' | 'ms'>;

export class DriftAudit {
  /** what `configurations.audit` carries in the agent's reported state */
  readonly counters = { runs: 0, drifts: 0, repairs: 0, last_ms: 0 };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<AuditReport> | null = null;

  constructor(private readonly o: { host: () => string; agentType: string; log: Logger; inspect: (repair: boolean) => Promise<AuditFindings> }) {}

  /** One audit; an audit asked while one runs waits for it and runs after (never two at once). */
  run(repair: boolean): Promise<AuditReport> {
    const prev = this.running ?? Promise.resolve(null);
    const next = prev.catch(() => null).then(() => this.once(repair));
    this.running = next;
    void next
      .finally(() => {
        if (this.running === next) this.running = null;
      })
      .catch(() => undefined);
    return next;
  }

  private async once(repair: boolean): Promise<AuditReport> {
    const t0 = Date.now();
    const r = await this.o.inspect(repair);
    const ms = Date.now() - t0;
    const c = this.counters;
    c.runs++;
    c.drifts += r.drifts.length;
    c.last_ms = ms;
    const log = this.o.log;
    for (const d of r.drifts) {
      if (d.repaired) {
        c.repairs++;
        log.warn({ event: 'audit.repaired', kind: d.kind, object: d.object, detail: d.detail }, `drift repaired: ${d.kind} ${d.object}: ${d.detail}`);
      } else {
        log.warn({ event: 'audit.drift', kind: d.kind, object: d.object, detail: d.detail }, `drift found: ${d.kind} ${d.object}: ${d.detail}`);
      }
    }
    if (!r.drifts.length) log.debug({ event: 'audit.clean', ms, checked: r.checked }, 'drift audit: nothing differs');
    return { host: this.o.host(), agent_type: this.o.agentType, ...r, ms };
  }

  /** Audits and repairs every `seconds` (0: never). */
  every(seconds: number): void {
    if (seconds <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.run(true).catch((err) => this.o.log.error({ event: 'audit.failed', err: (err as Error).message }, 'drift audit failed; it runs again at the next interval'));
    }, seconds * 1000);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }
}
