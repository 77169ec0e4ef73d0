// subnetpool-prefix-ops and subnet_onboard: PUT /v2.0/subnetpools/{id}/add_prefixes,
// /remove_prefixes and /onboard_network_subnets, each asked of its own policy rule with the
// pool as target.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SubnetPoolPlugin } from '../../plugins/subnetpools/subnetpools.js';
import { HTTPBadRequest } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';
import { ResourcePolicy } from '../policy/resource-policy.js';
import { subnetPoolDef } from '../resources/subnetpool.js';
import { AttributeInvalid, list, subnetCidr } from '../validators.js';

type P = { id: string };

function prefixesOf(body: unknown, action: string): string[] {
  const prefixes = (body as { prefixes?: unknown } | null)?.prefixes;
  if (prefixes === undefined) throw HTTPBadRequest({ msg: `${action} takes {"prefixes": ["<cidr>", ...]}` });
  try {
    return list(subnetCidr)(prefixes) as string[];
  } catch (e) {
    if (e instanceof AttributeInvalid) throw HTTPBadRequest({ msg: `Invalid input for prefixes. Reason: ${e.message}.` });
    throw e;
  }
}

export function registerSubnetPoolRoutes(app: FastifyInstance, pools: SubnetPoolPlugin, policy: Policy): void {
  const rp = new ResourcePolicy(policy, subnetPoolDef);
  for (const action of ['add_prefixes', 'remove_prefixes'] as const) {
    app.put(`/v2.0/subnetpools/:id/${action}`, async (req: FastifyRequest<{ Params: P }>) => {
      const ctx = contextOf(req);
      const prefixes = prefixesOf(req.body, action);
      const authorize = (current: Record<string, unknown>) => rp.authorizeChange(ctx, 'update', current, null, action);
      return action === 'add_prefixes' ? pools.addPrefixes(ctx, req.params.id, prefixes, authorize) : pools.removePrefixes(ctx, req.params.id, prefixes, authorize);
    });
  }
  app.put('/v2.0/subnetpools/:id/onboard_network_subnets', async (req: FastifyRequest<{ Params: P }>) => {
    const ctx = contextOf(req);
    const networkId = (req.body as { network_id?: unknown } | null)?.network_id;
    return pools.onboardNetworkSubnets(ctx, req.params.id, networkId, (current) => rp.authorizeChange(ctx, 'update', current, null, 'onboard_network_subnets'));
  });
}
