// address-group's actions: PUT /v2.0/address-groups/{id}/add_addresses and /remove_addresses
// ({"addresses": ["<cidr>", …]}), each asked of its own policy rule with the group as target.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AddressGroupPlugin } from '../../plugins/address-groups/address-groups.js';
import { HTTPBadRequest } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';
import { ResourcePolicy } from '../policy/resource-policy.js';
import { addressGroupDef } from '../resources/address-group.js';
import { AttributeInvalid, addressGroupAddress, list } from '../validators.js';

function addressesOf(body: unknown, action: string): string[] {
  const addresses = (body as { addresses?: unknown } | null)?.addresses;
  if (addresses === undefined) throw HTTPBadRequest({ msg: `${action} takes {"addresses": ["<cidr>", ...]}` });
  try {
    return list(addressGroupAddress)(addresses) as string[];
  } catch (e) {
    if (e instanceof AttributeInvalid) throw HTTPBadRequest({ msg: `Invalid input for addresses. Reason: ${e.message}.` });
    throw e;
  }
}

export function registerAddressGroupRoutes(app: FastifyInstance, groups: AddressGroupPlugin, policy: Policy): void {
  const rp = new ResourcePolicy(policy, addressGroupDef);
  for (const action of ['add_addresses', 'remove_addresses'] as const) {
    app.put(`/v2.0/address-groups/:id/${action}`, async (req: FastifyRequest<{ Params: { id: string } }>) => {
      const ctx = contextOf(req);
      const addresses = addressesOf(req.body, action);
      return groups.changeAddresses(ctx, req.params.id, addresses, action === 'add_addresses', (current) => rp.authorizeChange(ctx, 'update', current, null, action));
    });
  }
}
