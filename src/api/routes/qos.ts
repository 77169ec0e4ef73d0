// qos: the rules under a policy (/v2.0/qos/policies/{policy_id}/<kind>_rules[/{id}]), the
// rules by id alone (qos-rules-alias: /v2.0/qos/alias_<kind>_rules/{id}) and the rule types
// (/v2.0/qos/rule-types[/{type}], qos-rule-type-details). Policy rules are Neutron's
// (create_policy_bandwidth_limit_rule …, get_alias_…, get_rule_type), asked with the policy's
// project_id.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { QosPlugin } from '../../plugins/qos/qos-plugin.js';
import type { RuleTypes } from '../../plugins/qos/rule-types.js';
import { parseFields, parseListQuery, selectFields } from '../collection.js';
import { HTTPNotFound, PolicyNotAuthorized } from '../errors.js';
import { contextOf } from '../http-context.js';
import type { Policy } from '../policy/policy.js';
import { ResourcePolicy } from '../policy/resource-policy.js';
import { createItems, updateChanges } from '../request-body.js';
import type { ApiObject } from '../resource.js';
import { QOS_RULE_KINDS, qosRuleDefs } from '../resources/qos.js';

type Query = Record<string, string | string[] | undefined>;

const strip = ({ project_id: _p, ...rest }: ApiObject): ApiObject => rest;

export function registerQosRoutes(app: FastifyInstance, plugin: QosPlugin, ruleTypes: RuleTypes, policy: Policy, maxLimit: number): void {
  for (const kind of QOS_RULE_KINDS) {
    const def = qosRuleDefs.get(kind.type)!;
    const rp = new ResourcePolicy(policy, { ...def, member: `policy_${kind.member}` });
    const alias = new ResourcePolicy(policy, { ...def, member: `alias_${kind.member}` });
    const col = `/v2.0/qos/policies/:policy_id/${kind.collection}`;

    app.get(col, async (req: FastifyRequest<{ Params: { policy_id: string }; Querystring: Query }>) => {
      const ctx = contextOf(req);
      const q = parseListQuery(def, req.query, maxLimit);
      const target = await plugin.policyTarget(ctx, req.params.policy_id);
      const rules = (await plugin.listRules(ctx, kind, req.params.policy_id, q, def)).map((r) => ({ ...r, ...target }));
      return { [kind.collection]: rules.filter((r) => rp.mayRead(ctx, r)).map((r) => selectFields(strip(r), q.fields)) };
    });
    app.get(`${col}/:id`, async (req: FastifyRequest<{ Params: { policy_id: string; id: string }; Querystring: Query }>) => {
      const ctx = contextOf(req);
      const target = await plugin.policyTarget(ctx, req.params.policy_id);
      const rule = { ...(await plugin.showRule(ctx, kind, req.params.policy_id, req.params.id)), ...target };
      rp.checkRead(ctx, rule, req.params.id);
      return { [kind.member]: selectFields(strip(rule), parseFields(req.query)) };
    });
    app.post(col, async (req: FastifyRequest<{ Params: { policy_id: string } }>, reply: FastifyReply) => {
      const ctx = contextOf(req);
      const { items } = createItems(def, req.body, ctx);
      const { project_id: _p, tenant_id: _t, ...item } = items[0];
      const made = await plugin.createRule(ctx, kind, req.params.policy_id, item, (target) => rp.authorizeCreate(ctx, target));
      reply.code(201);
      return { [kind.member]: made };
    });
    const update = (which: ResourcePolicy) => async (ctx: ReturnType<typeof contextOf>, policyId: string, id: string, body: unknown) => {
      const changes = updateChanges(def, body);
      return { [kind.member]: await plugin.updateRule(ctx, kind, policyId, id, changes, (target) => which.authorizeChange(ctx, 'update', target, changes)) };
    };
    const remove = (which: ResourcePolicy) => (ctx: ReturnType<typeof contextOf>, policyId: string, id: string) =>
      plugin.deleteRule(ctx, kind, policyId, id, (target) => which.authorizeChange(ctx, 'delete', target, null));
    app.put(`${col}/:id`, async (req: FastifyRequest<{ Params: { policy_id: string; id: string } }>) => update(rp)(contextOf(req), req.params.policy_id, req.params.id, req.body));
    app.delete(`${col}/:id`, async (req: FastifyRequest<{ Params: { policy_id: string; id: string } }>, reply: FastifyReply) => {
      await remove(rp)(contextOf(req), req.params.policy_id, req.params.id);
      reply.code(204);
      return reply.send();
    });

    // qos-rules-alias: the same rule by its id alone
    const aliasPath = `/v2.0/qos/alias_${kind.collection}/:id`;
    app.get(aliasPath, async (req: FastifyRequest<{ Params: { id: string }; Querystring: Query }>) => {
      const ctx = contextOf(req);
      const policyId = await plugin.policyOfRule(ctx, kind, req.params.id);
      const target = await plugin.policyTarget(ctx, policyId);
      const rule = { ...(await plugin.showRule(ctx, kind, policyId, req.params.id)), ...target };
      alias.checkRead(ctx, rule, req.params.id);
      return { [kind.member]: selectFields(strip(rule), parseFields(req.query)) };
    });
    app.put(aliasPath, async (req: FastifyRequest<{ Params: { id: string } }>) => {
      const ctx = contextOf(req);
      return update(alias)(ctx, await plugin.policyOfRule(ctx, kind, req.params.id), req.params.id, req.body);
    });
    app.delete(aliasPath, async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const ctx = contextOf(req);
      await remove(alias)(ctx, await plugin.policyOfRule(ctx, kind, req.params.id), req.params.id);
      reply.code(204);
      return reply.send();
    });
  }

  const mayGetRuleType = (req: FastifyRequest) => {
    const ctx = contextOf(req);
    if (!policy.check('get_rule_type', { project_id: ctx.projectId }, policy.credentials(ctx))) throw PolicyNotAuthorized({ action: 'get_rule_type' });
  };
  app.get('/v2.0/qos/rule-types', async (req: FastifyRequest<{ Querystring: Query }>) => {
    mayGetRuleType(req);
    return { rule_types: ruleTypes.list().map((t) => selectFields({ type: t.type }, parseFields(req.query))) };
  });
  app.get('/v2.0/qos/rule-types/:type', async (req: FastifyRequest<{ Params: { type: string } }>) => {
    mayGetRuleType(req);
    const found = ruleTypes.list().find((t) => t.type === req.params.type);
    if (!found) throw HTTPNotFound({ msg: `QoS rule type ${req.params.type} is not supported by any loaded driver` });
    return { rule_type: found };
  });
}
