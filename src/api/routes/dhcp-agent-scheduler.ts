// The dhcp_agent_scheduler extension's routes: networks/{id}/dhcp-agents and
// agents/{id}/dhcp-networks (admin only by default, as in Neutron).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DhcpAgentScheduling } from '../../plugins/agents/dhcp-agent-scheduling.js';
import { HTTPBadRequest } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerDhcpAgentScheduler(app: FastifyInstance, scheduling: DhcpAgentScheduling, policy: Policy): void {
  app.get('/v2.0/networks/:id/dhcp-agents', async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const ctx = contextOf(req);
    policy.enforce(ctx, 'get_dhcp-agents');
    return { agents: await scheduling.agentsHosting(ctx, req.params.id) };
  });

  app.get('/v2.0/agents/:id/dhcp-networks', async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const ctx = contextOf(req);
    policy.enforce(ctx, 'get_dhcp-networks');
    return { networks: await scheduling.networksOn(ctx, req.params.id) };
  });

  app.post('/v2.0/agents/:id/dhcp-networks', async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const ctx = contextOf(req);
    policy.enforce(ctx, 'create_dhcp-network');
    const body = req.body as { network_id?: unknown } | undefined;
    const networkId = body?.network_id;
    if (typeof networkId !== 'string' || !UUID.test(networkId)) {
      throw HTTPBadRequest({ msg: `Invalid input for network_id. Reason: ${JSON.stringify(networkId ?? null)} is not a valid UUID.` });
    }
    await scheduling.add(ctx, req.params.id, networkId);
    return reply.code(201).type('application/json').send('null');
  });

  app.delete('/v2.0/agents/:id/dhcp-networks/:networkId', async (req: FastifyRequest<{ Params: { id: string; networkId: string } }>, reply: FastifyReply) => {
    const ctx = contextOf(req);
    policy.enforce(ctx, 'delete_dhcp-network');
    await scheduling.remove(ctx, req.params.id, req.params.networkId);
    return reply.code(204).send();
  });
}
