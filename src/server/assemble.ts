// A server assembled from its configuration: the shared services, the callback registry,
// the core plugin and the service plugins by name, and the HTTP app that serves what they
// declare (only what is loaded is routed and advertised).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { KeystoneAuth } from '../api/auth/keystone.js';
import { EXTENSIONS } from '../api/extensions.js';
import { loadPolicy } from '../api/policy/policy-file.js';
import type { Policy } from '../api/policy/policy.js';
import { registerDiscovery } from '../api/routes/discovery.js';
import { registerResource } from '../api/routes/resources.js';
import { registerTags } from '../api/routes/tags.js';
import { registerServiceProviders } from '../api/routes/service-providers.js';
import { createHttpApp } from '../api/server.js';
import type { Config } from '../config/config.js';
import { ChangeFeed } from '../dashboard/change-feed.js';
import { registerDashboard } from '../dashboard/routes.js';
import type { Db } from '../db/connection.js';
import { IpAllocator } from '../ipam/allocator.js';
import { CallbackRegistry } from '../plugins/callbacks/registry.js';
import { AgentNotifier } from '../plugins/ml2/agent-notifier.js';
import { TypeManager } from '../plugins/ml2/types/type-manager.js';
import { QuotaEngine } from '../plugins/quotas/quota-engine.js';
import type { Services } from '../plugins/services.js';
import { TagStore } from '../plugins/tags/tag-store.js';
import type { Bus, Endpoints } from '../rpc/bus.js';
import { withPluginDefaults } from './plugin-policy.js';
import { corePlugin, SERVICE_PLUGINS, servicePluginNames, type CorePlugin, type LoadedPlugin } from './plugins.js';

export interface Api {
  app: FastifyInstance;
  services: Services;
  /** the policy table in force */
  policy: Policy;
  core: CorePlugin;
  /** every loaded plugin, the core one first */
  plugins: LoadedPlugin[];
  /** the aliases served at /v2.0/extensions */
  aliases: string[];
  /** what agents call, by topic (served by src/server/rpc-server.ts) */
  rpcEndpoints: Map<string, Endpoints>;
  /** ML2's RPC callbacks (report_state, device details …) */
  rpc: CorePlugin['rpcCallbacks'];
  dhcpRpc: CorePlugin['dhcpRpc'];
  dhcpScheduling: CorePlugin['dhcpScheduling'];
}

/**
 * `policy`: the table in force; when not given it is loaded here from [oslo_policy]
 * policy_file (src/server/api-server.ts loads it first, so that a bad file fails the start).
 */
export function buildApi(opts: { config: Config; db: Db; log: Logger; bus: Bus; auth?: KeystoneAuth; policy?: Policy }): Api {
  const { config, db, log, bus } = opts;
  const basePolicy = opts.policy ?? loadPolicy(config, log);
  // names first: an unknown plugin stops the start before anything is built
  const loadCore = corePlugin(config.str('DEFAULT', 'core_plugin'));
  const serviceNames = servicePluginNames(config.list('DEFAULT', 'service_plugins'));
  const services: Services = {
    db,
    config,
    log,
    bus,
    quotas: new QuotaEngine(config, db),
    ipam: new IpAllocator(),
    types: new TypeManager(config),
    notifier: new AgentNotifier(bus, log),
    callbacks: new CallbackRegistry(log),
  };
  const core = loadCore(services);
  const plugins: LoadedPlugin[] = [core];
  for (const n of serviceNames) plugins.push(SERVICE_PLUGINS[n](services, core, plugins.slice(1)));
  const aliases = new Set(plugins.flatMap((p) => p.aliases));
  const extensions = [...EXTENSIONS, ...plugins.flatMap((p) => p.extensions ?? [])].filter((e) => aliases.has(e.alias));
  const policy = withPluginDefaults(
    basePolicy,
    plugins.flatMap((p) => p.policies ?? []),
  );

  const app = createHttpApp({ config, log, policy, auth: opts.auth });
  const maxLimit = config.int('DEFAULT', 'pagination_max_limit');
  const resources = plugins.flatMap((p) => p.resources);
  registerDiscovery(
    app,
    resources.map((r) => r.def),
    extensions,
  );
  const tags = new TagStore(db);
  for (const { def, handler } of resources) {
    registerResource(app, def, handler, maxLimit, policy);
    if (def.taggable) registerTags(app, tags, def, handler, policy);
  }
  for (const p of plugins) p.routes?.(app, policy);
  registerServiceProviders(
    app,
    plugins.flatMap((p) => p.serviceProviders ?? []),
    policy,
  );
  const feed = new ChangeFeed(services);
  registerDashboard(app, { config, log, feed });
  app.addHook('onReady', () => feed.start());
  app.addHook('onClose', () => feed.stop());

  const rpcEndpoints = new Map<string, Endpoints>();
  for (const p of plugins) for (const { topic, endpoints } of p.rpc ?? []) rpcEndpoints.set(topic, { ...rpcEndpoints.get(topic), ...endpoints });

  for (const p of plugins) p.start?.();
  app.addHook('onClose', async () => {
    for (const p of [...plugins].reverse()) await p.stop?.();
  });
  log.debug({ event: 'server.plugins', core: core.name, service_plugins: plugins.slice(1).map((p) => p.name), callbacks: services.callbacks.describe() }, 'plugins loaded');
  return {
    app,
    services,
    policy,
    core,
    plugins,
    aliases: extensions.map((e) => e.alias),
    rpcEndpoints,
    rpc: core.rpcCallbacks,
    dhcpRpc: core.dhcpRpc,
    dhcpScheduling: core.dhcpScheduling,
  };
}
