// qos ([ml2] extension_drivers; Neutron's QosCoreResourceExtension): qos_policy_id on ports
// and networks. A policy given must exist and be the caller's or shared; a network made
// without one takes its project's default policy (qos-default). The L2 agents read both ids
// in the device details and apply the port's own policy, else its network's.
import * as v from '../../../api/validators.js';
import type { ApiObject } from '../../../api/resource.js';
import type { Trx } from '../../../db/transaction.js';
import type { RequestContext } from '../../../api/context.js';
import { QosPolicyNotFound } from '../../../api/resources/qos.js';
import type { PortExtensionDriver } from './extension-driver.js';

/** A policy id given on a port or network: it must exist and be the caller's or shared. */
async function checkUsable(trx: Trx, ctx: RequestContext, id: string | null): Promise<string | null> {
  if (id === null) return null;
  let q = trx.selectFrom('qos_policies').select('id').where('id', '=', id);
  if (!ctx.isAdmin) q = q.where((eb) => eb.or([eb('project_id', '=', ctx.projectId), eb('shared', '=', 1)]));
  if (!(await q.executeTakeFirst())) throw QosPolicyNotFound(id);
  return id;
}

const attribute = { name: 'qos_policy_id', post: true, put: true, default: null, validate: v.nullableUuid, column: 'qos_policy_id', filter: 'string' as const, extension: 'qos' };

export const qosDriver = (): PortExtensionDriver => ({
  name: 'qos',
  aliases: [],
  attributes: [attribute],
  networkAttributes: [attribute],
  async processCreate(draft, item) {
    draft.row.qos_policy_id = await checkUsable(draft.trx, draft.ctx, (item.qos_policy_id as string | null | undefined) ?? null);
  },
  async processUpdate(draft, changes) {
    if ('qos_policy_id' in changes) draft.set.qos_policy_id = await checkUsable(draft.trx, draft.ctx, changes.qos_policy_id as string | null);
  },
  async processCreateNetwork(trx, ctx, item, row) {
    const given = item.qos_policy_id as string | null | undefined;
    if (given !== undefined && given !== null) {
      row.qos_policy_id = await checkUsable(trx, ctx, given);
      return;
    }
    const d = await trx.selectFrom('qos_policies_default').select('qos_policy_id').where('project_id', '=', row.project_id).executeTakeFirst();
    row.qos_policy_id = d?.qos_policy_id ?? null;
  },
  async processUpdateNetwork(trx, ctx, changes, set) {
    if ('qos_policy_id' in changes) set.qos_policy_id = await checkUsable(trx, ctx, changes.qos_policy_id as string | null);
  },
  extend: () => (row, port: ApiObject) => {
    port.qos_policy_id = row.qos_policy_id ?? null;
  },
});
