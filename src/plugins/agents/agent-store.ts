// Agents: what report_state tells the server about each agent, and the /v2.0/agents API.
// `alive` is computed from the last heartbeat and [DEFAULT] agent_down_time.
import { randomUUID } from 'node:crypto';
import { listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import { AgentNotFound } from '../../api/errors.js';
import type { ApiObject, AuthorizeChange, Handler, ListQuery } from '../../api/resource.js';
import { agentDef } from '../../api/resources/agent.js';
import { jsonColumn } from '../../common/json.js';
import type { AgentTable } from '../../db/schema.js';
import type { Services } from '../services.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import { bool, int } from '../../db/rows.js';

/** Neutron's agent timestamp format: "2026-11-22 06:00:00" (UTC). */
export const agentTime = (d = new Date()): string => d.toISOString().slice(0, 19).replace('T', ' ');
const parseAgentTime = (t: string): number => Date.parse(`${t.replace(' ', 'T')}Z`);

/** What an agent sends in report_state (Neutron's agent_state dictionary). */
export interface AgentState {
  agent_type: string;
  binary: string;
  host: string;
  topic: string;
  configurations?: Record<string, unknown>;
  resource_versions?: Record<string, unknown>;
  availability_zone?: string | null;
  start_flag?: boolean;
  description?: string;
}

export const AGENT_ALIVE = 'alive';
/** the agent had been considered dead: it should resync everything */
export const AGENT_REVIVED = 'revived';

export class AgentStore implements Handler {
  constructor(private readonly s: Services) {}

  private downTimeMs(): number {
    return this.s.config.int('DEFAULT', 'agent_down_time') * 1000;
  }

  isAlive(a: Pick<AgentTable, 'heartbeat_timestamp'>, now = Date.now()): boolean {
    return now - parseAgentTime(a.heartbeat_timestamp) <= this.downTimeMs();
  }

  private render(r: AgentTable): ApiObject {
    return {
      id: r.id,
      agent_type: r.agent_type,
      binary: r.binary,
      topic: r.topic,
      host: r.host,
      admin_state_up: bool(r.admin_state_up),
      description: r.description || null,
      alive: this.isAlive(r),
      created_at: r.created_at,
      started_at: r.started_at,
      heartbeat_timestamp: r.heartbeat_timestamp,
      configurations: jsonColumn(r.configurations, {}),
      resource_versions: jsonColumn(r.resource_versions, {}),
      availability_zone: r.availability_zone,
      load: r.load,
    };
  }

  // who may see agents is the policy's get_agent (admin only by default), asked by the controller
  async list(_ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    const { rows } = await listRows<AgentTable>(agentDef, this.s.db.kysely.selectFrom('agents as a').selectAll('a'), q, 'a');
    return rows.map((r) => this.render(r));
  }

  private async find(trx: Trx, id: string, lock = false): Promise<AgentTable> {
    const row = await lockedIf(this.s.db, trx.selectFrom('agents').selectAll().where('id', '=', id), lock).executeTakeFirst();
    if (!row) throw AgentNotFound({ id });
    return row;
  }

  async show(_ctx: RequestContext, id: string): Promise<ApiObject> {
    return this.render(await this.find(this.s.db.kysely, id));
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, _ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, id, true);
      authorize(this.render(row));
      const set: Partial<AgentTable> = {};
      if ('admin_state_up' in changes) set.admin_state_up = int(changes.admin_state_up as boolean);
      if ('description' in changes) set.description = (changes.description as string | null) ?? '';
      if (Object.keys(set).length) await trx.updateTable('agents').set(set).where('id', '=', id).execute();
      return { ...row, ...set };
    });
    this.s.log.info({ event: 'agent.update', agent_id: id, host: row.host, request_id: ctx.requestId, changed: Object.keys(changes) }, 'agent updated');
    return this.render(row);
  }

  async delete(ctx: RequestContext, id: string, _ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, id, true);
      authorize(this.render(row));
      await trx.deleteFrom('agents').where('id', '=', id).execute();
      return row;
    });
    this.s.log.info({ event: 'agent.delete', agent_id: id, host: row.host, agent_type: row.agent_type, request_id: ctx.requestId }, 'agent deleted');
  }

  /** report_state: records the heartbeat; says whether the agent had been considered dead. */
  async reportState(state: AgentState): Promise<{ status: string; agent: AgentTable }> {
    for (const k of ['agent_type', 'binary', 'host', 'topic'] as const) {
      if (typeof state[k] !== 'string' || state[k] === '') throw new TypeError(`report_state: agent_state.${k} must be a non-empty string`);
    }
    const now = agentTime();
    const out = await inTransaction(this.s.db, async (trx) => {
      const row = await lockedIf(this.s.db, trx.selectFrom('agents').selectAll().where('agent_type', '=', state.agent_type).where('host', '=', state.host), true).executeTakeFirst();
      const fields = {
        binary: state.binary,
        topic: state.topic,
        configurations: JSON.stringify(state.configurations ?? {}),
        resource_versions: JSON.stringify(state.resource_versions ?? {}),
        availability_zone: state.availability_zone ?? null,
        heartbeat_timestamp: now,
      };
      if (!row) {
        const fresh: AgentTable = {
          id: randomUUID(),
          agent_type: state.agent_type,
          host: state.host,
          admin_state_up: 1,
          description: state.description ?? '',
          load: 0,
          created_at: now,
          started_at: now,
          ...fields,
        };
        await trx.insertInto('agents').values(fresh).execute();
        return { status: AGENT_ALIVE, agent: fresh, created: true };
      }
      const set: Partial<AgentTable> = { ...fields, ...(state.start_flag ? { started_at: now } : {}) };
      await trx.updateTable('agents').set(set).where('id', '=', row.id).execute();
      return { status: this.isAlive(row) ? AGENT_ALIVE : AGENT_REVIVED, agent: { ...row, ...set }, created: false };
    });
    if (out.created || out.status === AGENT_REVIVED || state.start_flag) {
      this.s.log.info(
        { event: out.created ? 'agent.register' : out.status === AGENT_REVIVED ? 'agent.revived' : 'agent.start', agent_id: out.agent.id, host: state.host, agent_type: state.agent_type },
        `${state.agent_type} on ${state.host}: ${out.created ? 'registered' : out.status}`,
      );
    }
    return { status: out.status, agent: out.agent };
  }

  /** Agents on a host (any type), for port binding. */
  onHost(trx: Trx, host: string): Promise<AgentTable[]> {
    return trx.selectFrom('agents').selectAll().where('host', '=', host).execute();
  }
}
