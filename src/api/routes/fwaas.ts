// fwaas_v2's policy actions: PUT /v2.0/fwaas/firewall_policies/{id}/insert_rule and
// /remove_rule, each asked of its own policy rule with the policy as target.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FirewallPolicyPlugin } from '../../plugins/fwaas/firewall-policies.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';
import { ResourcePolicy } from '../policy/resource-policy.js';
import { firewallPolicyDef } from '../resources/firewall-policy.js';

type P = { id: string };

export function registerFwaasRoutes(app: FastifyInstance, policies: FirewallPolicyPlugin, policy: Policy): void {
  const rp = new ResourcePolicy(policy, firewallPolicyDef);
  for (const action of ['insert_rule', 'remove_rule'] as const) {
    app.put(`/v2.0/${firewallPolicyDef.path}/:id/${action}`, async (req: FastifyRequest<{ Params: P }>) => {
      const ctx = contextOf(req);
      const authorize = (current: Record<string, unknown>) => rp.authorizeChange(ctx, 'update', current, null, action);
      return action === 'insert_rule' ? policies.insertRule(ctx, req.params.id, req.body, authorize) : policies.removeRule(ctx, req.params.id, req.body, authorize);
    });
  }
}
