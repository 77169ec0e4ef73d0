// GET /v2.0/metering/metering-label-counters[?metering_label_id=…]: the packets and bytes the
// L3 agents last reported per metering label and router (Neutron sends them as l3.meter
// notifications instead; this is the operator's way to read them). Admin only by default.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MeteringPlugin } from '../../plugins/metering/metering-plugin.js';
import { PolicyNotAuthorized } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';

export function registerMeteringRoutes(app: FastifyInstance, plugin: MeteringPlugin, policy: Policy): void {
  app.get('/v2.0/metering/metering-label-counters', async (req: FastifyRequest<{ Querystring: { metering_label_id?: string } }>) => {
    const ctx = contextOf(req);
    if (!policy.check('get_metering_label_counters', { project_id: ctx.projectId }, policy.credentials(ctx))) throw PolicyNotAuthorized({ action: 'get_metering_label_counters' });
    return { metering_label_counters: await plugin.counters(typeof req.query.metering_label_id === 'string' ? req.query.metering_label_id : null) };
  });
}
