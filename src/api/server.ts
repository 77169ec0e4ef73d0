// Builds the Fastify app that serves the Networking API v2.0.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { databaseUnreachable, type Db } from '../db/connection.js';
import { IpAllocator } from '../ipam/allocator.js';
import { AgentStore } from '../plugins/agents/agent-store.js';
import { DhcpAgentScheduling } from '../plugins/agents/dhcp-agent-scheduling.js';
import { DhcpAgentNotifier } from '../plugins/agents/dhcp-notifier.js';
import { DhcpRpcCallbacks } from '../plugins/agents/dhcp-rpc.js';
import { DhcpScheduler } from '../plugins/agents/dhcp-scheduler.js';
import { AgentNotifier } from '../plugins/ml2/agent-notifier.js';
import { MechanismManager } from '../plugins/ml2/mech/mechanism-manager.js';
import { NetworkPlugin } from '../plugins/ml2/networks.js';
import { PortBinder } from '../plugins/ml2/port-binding.js';
import { Ml2RpcCallbacks } from '../plugins/ml2/rpc-callbacks.js';
import { TypeManager } from '../plugins/ml2/types/type-manager.js';
import type { Bus } from '../rpc/bus.js';
import { PortPlugin } from '../plugins/ml2/ports.js';
import { SubnetPlugin } from '../plugins/ml2/subnets.js';
import { QuotaEngine } from '../plugins/quotas/quota-engine.js';
import { IpAvailability } from '../plugins/ip-availability/ip-availability.js';
import { TagStore } from '../plugins/tags/tag-store.js';
import { SecurityGroupPlugin, SecurityGroupRulePlugin } from '../plugins/securitygroups/security-groups.js';
import { RbacPolicyPlugin, rbacPolicyDef } from '../plugins/rbac/rbac-policies.js';
import { buildL3 } from '../plugins/l3/l3-plugin.js';
import type { L3RpcCallbacks } from '../plugins/l3/l3-rpc-callbacks.js';
import type { Services } from '../plugins/services.js';
import { HTTPBadRequest, HTTPNotFound, MalformedRequestBody, NeutronError } from './errors.js';
import { makeAuthHook } from './auth/auth-hook.js';
import type { KeystoneAuth } from './auth/keystone.js';
import { loadPolicy } from './policy/policy-file.js';
import type { Policy } from './policy/policy.js';
import type { Handler, ResourceDef } from './resource.js';
import { agentDef } from './resources/agent.js';
import { floatingIpDef } from './resources/floatingip.js';
import { routerDef } from './resources/router.js';
import { networkDef } from './resources/network.js';
import { portDef } from './resources/port.js';
import { securityGroupRuleDef } from './resources/security-group-rule.js';
import { securityGroupDef } from './resources/security-group.js';
import { subnetDef } from './resources/subnet.js';
import { registerDhcpAgentScheduler } from './routes/dhcp-agent-scheduler.js';
import { registerDiscovery } from './routes/discovery.js';
import { registerIpAvailability } from './routes/ip-availability.js';
import { registerL3Routes } from './routes/l3.js';
import { registerQuotas } from './routes/quotas.js';
import { registerResource } from './routes/resources.js';
import { registerTags } from './routes/tags.js';

export interface Api {
  app: FastifyInstance;
  services: Services;
  /** the policy table in force */
  policy: Policy;
  /** what agents call over the bus (served by src/server/rpc-server.ts) */
  rpc: Ml2RpcCallbacks;
  /** what L3 agents call on q-l3-plugin */
  l3Rpc: L3RpcCallbacks;
  /** what DHCP agents call over the bus (q-plugin) */
  dhcpRpc: DhcpRpcCallbacks;
  /** the dhcp_agent_scheduler extension and DHCP failover */
  dhcpScheduling: DhcpAgentScheduling;
}

/** "/v2.0/networks.json?x" → "/v2.0/networks?x": Neutron accepts a .json suffix on any path. */
function stripJsonSuffix(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path.endsWith('.json') ? path.slice(0, -5) + (q < 0 ? '' : url.slice(q)) : url;
}

const HTTP_TYPES: Record<number, string> = {
  404: 'HTTPNotFound',
  405: 'HTTPMethodNotAllowed',
  413: 'HTTPRequestEntityTooLarge',
  414: 'HTTPRequestURITooLong',
  415: 'HTTPUnsupportedMediaType',
};

function hasNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(hasNul);
  if (v !== null && typeof v === 'object') return Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x));
  return false;
}

/**
 * `policy`: the table in force; when not given it is loaded here from [oslo_policy]
 * policy_file (src/server/api-server.ts loads it first, so that a bad file fails the start).
 */
export function buildApi(opts: { config: Config; db: Db; log: Logger; bus: Bus; auth?: KeystoneAuth; policy?: Policy }): Api {
  const { config, db, log, bus } = opts;
  const policy = opts.policy ?? loadPolicy(config, log);
  const services: Services = {
    db, config, log, bus,
    quotas: new QuotaEngine(config, db),
    ipam: new IpAllocator(),
    types: new TypeManager(config),
    notifier: new AgentNotifier(bus, log),
  };
  const agents = new AgentStore(services);
  const mech = new MechanismManager(services, agents);
  const dhcpScheduler = new DhcpScheduler(services, agents);
  services.dhcpNotifier = new DhcpAgentNotifier(db, bus, log, dhcpScheduler);
  const binder = new PortBinder(services, agents, mech, dhcpScheduler);
  const groups = new SecurityGroupPlugin(services);
  const networks = new NetworkPlugin(services, groups);
  const subnets = new SubnetPlugin(services, networks);
  subnets.dhcpScheduler = dhcpScheduler;
  const ports = new PortPlugin(services, networks, groups, binder, mech);
  const l3 = buildL3(services, { networks, subnets, ports, binder, mech, agents });
  const dhcpScheduling = new DhcpAgentScheduling(services, agents, dhcpScheduler, services.dhcpNotifier, networks, ports);
  const handlers: [ResourceDef, Handler][] = [
    [networkDef, networks],
    [subnetDef, subnets],
    [portDef, ports],
    [agentDef, agents],
    [securityGroupDef, groups],
    [securityGroupRuleDef, new SecurityGroupRulePlugin(services, groups)],
    [rbacPolicyDef, new RbacPolicyPlugin(services, networks)],
    [routerDef, l3.routers],
    [floatingIpDef, l3.floatingIps],
  ];

  const app = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    // resource events are logged by the plugins, one line each; per-request lines would double them
    logController: new LogController({ disableRequestLogging: true }),
    // a tag may be 255 characters and travels in the path
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2048 },
    rewriteUrl: (req) => stripJsonSuffix(req.url ?? '/'),
    bodyLimit: 16 * 1024 * 1024,
    genReqId: () => `req-${randomUUID()}`,
  });

  // Neutron accepts JSON bodies whatever the Content-Type says (and none at all).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return done(MalformedRequestBody({ reason: `the body is not valid JSON (${(e as Error).message})` }), undefined);
    }
    // no database stores a NUL inside text (PostgreSQL refuses it): refuse it here, as input
    if (text.includes('\\u0000') && hasNul(parsed)) return done(HTTPBadRequest({ msg: 'Strings in the request body may not contain NUL (\\u0000) characters' }), undefined);
    done(null, parsed);
  });

  const authenticate = makeAuthHook(config, log, policy, opts.auth);
  app.addHook('onRequest', async (req) => {
    if (/%00/.test(req.url)) throw HTTPBadRequest({ msg: 'The URL may not contain NUL (%00) characters' });
    await authenticate(req);
  });
  // as Neutron: every answer names its request, the id the log lines carry
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-openstack-request-id', req.id);
  });

  app.setErrorHandler((err: FastifyError | NeutronError, req, reply) => {
    if (err instanceof NeutronError) {
      // e.g. WWW-Authenticate on a 401 from the Keystone hook
      const extra = (err as { headers?: Record<string, string> }).headers;
      if (extra) reply.headers(extra);
      if (err.status >= 500) req.log.error({ err, url: req.url }, 'request failed');
      else req.log.debug({ event: 'request.refused', request_id: req.id, status: err.status, type: err.type, url: req.url }, err.message);
      return reply.code(err.status).send(err.toBody());
    }
    const fe = err as FastifyError;
    if (fe.statusCode && fe.statusCode < 500) {
      // errors Fastify raises itself (body too large, URL too long …), in Neutron's envelope
      const type = HTTP_TYPES[fe.statusCode] ?? 'HTTPBadRequest';
      return reply.code(fe.statusCode).send(new NeutronError(type, fe.statusCode, fe.message).toBody());
    }
    if (databaseUnreachable(err)) {
      req.log.error({ event: 'db.unavailable', err: (err as Error).message, url: req.url }, 'database unavailable');
      return reply.code(503).send(new NeutronError('ServiceUnavailable', 503, 'The database is unavailable; retry shortly. Operators: check [database] connection and that the database server is running.').toBody());
    }
    req.log.error({ err, url: req.url, method: req.method }, 'unexpected error');
    return reply.code(500).send(new NeutronError('HTTPInternalServerError', 500, 'Request failed: internal server error while processing your request.').toBody());
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(HTTPNotFound({ msg: `The resource could not be found: ${req.method} ${req.url}` }).toBody());
  });

  const maxLimit = config.int('DEFAULT', 'pagination_max_limit');
  registerDiscovery(app, handlers.map(([d]) => d));
  const tags = new TagStore(db);
  for (const [def, handler] of handlers) {
    registerResource(app, def, handler, maxLimit, policy);
    if (def.taggable) registerTags(app, tags, def, handler, policy);
  }
  registerQuotas(app, services.quotas, policy);
  registerIpAvailability(app, new IpAvailability(db), policy);
  registerL3Routes(app, l3, policy);
  registerDhcpAgentScheduler(app, dhcpScheduling, policy);
  dhcpScheduling.startFailover();
  app.addHook('onClose', async () => dhcpScheduling.stopFailover());
  return {
    app, services, policy, rpc: new Ml2RpcCallbacks(services, binder, mech, agents), l3Rpc: l3.rpc,
    dhcpRpc: new DhcpRpcCallbacks(services, ports), dhcpScheduling,
  };
}
