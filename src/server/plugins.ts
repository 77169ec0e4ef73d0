// The plugins a server can load, by the names neutrino.conf gives them: [DEFAULT] core_plugin
// and service_plugins (Neutron's short names, or its class paths). Each entry builds the
// plugin and says what it serves: API extensions, resources, extra routes, RPC endpoints.
// A new service plugin (metering, qos, trunk, vpnaas, firewall_v2, the load balancer …) is
// one entry in SERVICE_PLUGINS.
import type { FastifyInstance } from 'fastify';
import type { RuleDefault } from '../api/policy/defaults.js';
import type { Policy } from '../api/policy/policy.js';
import type { Extension, Handler, ResourceDef } from '../api/resource.js';
import { addressScopeDef } from '../api/resources/address-scope.js';
import { rbacPolicyObjectsDef } from '../api/resources/rbac-policy-objects.js';
import { subnetPoolDef, subnetWithPoolsDef } from '../api/resources/subnetpool.js';
import { registerSubnetPoolRoutes } from '../api/routes/subnetpools.js';
import { networkKind } from '../plugins/rbac/object-kinds.js';
import { securityGroupKind } from '../plugins/securitygroups/rbac-kind.js';
import { addressGroupDef } from '../api/resources/address-group.js';
import { registerAddressGroupRoutes } from '../api/routes/address-groups.js';
import { AddressGroupPlugin } from '../plugins/address-groups/address-groups.js';
import { ADDRESS_GROUP_RULES } from '../plugins/address-groups/policies.js';
import { addressGroupKind } from '../plugins/address-groups/rbac-kind.js';
import { buildSubnetPools } from '../plugins/subnetpools/subnetpool-service.js';
import type { SubnetPoolPlugin } from '../plugins/subnetpools/subnetpools.js';
import { agentDef } from '../api/resources/agent.js';
import { floatingIpDef } from '../api/resources/floatingip.js';
import { routerDef } from '../api/resources/router.js';
import { securityGroupRuleDef } from '../api/resources/security-group-rule.js';
import { securityGroupDef } from '../api/resources/security-group.js';
import { registerDhcpAgentScheduler } from '../api/routes/dhcp-agent-scheduler.js';
import { registerIpAvailability } from '../api/routes/ip-availability.js';
import { registerInstanceRoutes } from '../api/routes/instances.js';
import { registerL3Routes } from '../api/routes/l3.js';
import { registerQuotas } from '../api/routes/quotas.js';
import { registerTrace } from '../api/routes/trace.js';
import type { ServiceProvider } from '../api/routes/service-providers.js';
import { registerAutoAllocate } from '../api/routes/auto-allocate.js';
import { AutoAllocate } from '../plugins/auto-allocate/auto-allocate.js';
import { AUTO_ALLOCATE_EXTENSION, AUTO_ALLOCATE_RULES } from '../plugins/auto-allocate/policies.js';
import type { L3Service } from '../plugins/l3/l3-plugin.js';
import { registerAvailabilityZones } from '../api/routes/availability-zones.js';
import { AvailabilityZones } from '../plugins/availability-zones/availability-zones.js';
import { AgentStore } from '../plugins/agents/agent-store.js';
import { subscribeDhcpNotifier } from '../plugins/agents/dhcp-callbacks.js';
import { DhcpAgentScheduling } from '../plugins/agents/dhcp-agent-scheduling.js';
import { DhcpAgentNotifier } from '../plugins/agents/dhcp-notifier.js';
import { DhcpRpcCallbacks } from '../plugins/agents/dhcp-rpc.js';
import { DhcpScheduler } from '../plugins/agents/dhcp-scheduler.js';
import { buildL3 } from '../plugins/l3/l3-plugin.js';
import { firewallGroupDef } from '../api/resources/firewall-group.js';
import { firewallPolicyDef } from '../api/resources/firewall-policy.js';
import { firewallRuleDef } from '../api/resources/firewall-rule.js';
import { registerFwaasRoutes } from '../api/routes/fwaas.js';
import { FIREWALL_PLUGIN } from '../contract/fwaas.js';
import { buildFwaas, FWAAS_EXTENSION } from '../plugins/fwaas/fwaas-plugin.js';
import { GET_METADATA_PORT, type MetadataPortQuery } from '../contract/metadata.js';
import { L3_PLUGIN, PLUGIN, REPORTS } from '../contract/topics.js';
import { InstanceRecords } from '../plugins/metadata/instance-records.js';
import { buildNovaNetwork } from '../plugins/nova_network/nova-network-plugin.js';
import { MetadataSource } from '../plugins/metadata/metadata-source.js';
import { subscribeAgentNotifier } from '../plugins/ml2/agent-notifier.js';
import { ExtensionManager } from '../plugins/ml2/extensions/extension-manager.js';
import { MechanismManager } from '../plugins/ml2/mech/mechanism-manager.js';
import { NetworkPlugin } from '../plugins/ml2/networks.js';
import { PortBinder } from '../plugins/ml2/port-binding.js';
import { PortPlugin } from '../plugins/ml2/ports.js';
import { Ml2RpcCallbacks } from '../plugins/ml2/rpc-callbacks.js';
import { SubnetPlugin } from '../plugins/ml2/subnets.js';
import { AuditService } from '../plugins/trace/audit-service.js';
import { TraceService } from '../plugins/trace/trace-service.js';
import { IpAvailability } from '../plugins/ip-availability/ip-availability.js';
import { subscribeNetworkRbac } from '../plugins/rbac/network-callbacks.js';
import { RbacPolicyPlugin } from '../plugins/rbac/rbac-policies.js';
import { SecurityGroupPlugin, SecurityGroupRulePlugin } from '../plugins/securitygroups/security-groups.js';
import type { Services } from '../plugins/services.js';
import { registerPortForwardingRoutes } from '../api/routes/port-forwardings.js';
import { subscribePortForwardingCallbacks } from '../plugins/port_forwarding/core-callbacks.js';
import { PORT_FORWARDING_EXTENSIONS } from '../plugins/port_forwarding/extensions.js';
import { PortForwardingNotifier } from '../plugins/port_forwarding/pf-notifier.js';
import { PORT_FORWARDING_RULES } from '../plugins/port_forwarding/policies.js';
import { PortForwardingPlugin } from '../plugins/port_forwarding/port-forwardings.js';
import { GET_PORT_FORWARDINGS, PORT_FORWARDING_PLUGIN } from '../contract/port-forwarding.js';
import type { Endpoints } from '../rpc/bus.js';
import { segmentDef } from '../api/resources/segment.js';
import { SegmentPlugin } from '../plugins/segments/segments.js';
import { SEGMENT_EXTENSIONS, SEGMENT_RULES } from '../plugins/segments/policies.js';
import { qosPolicyDef } from '../api/resources/qos.js';
import { registerQosRoutes } from '../api/routes/qos.js';
import { GET_QOS_POLICIES } from '../contract/qos.js';
import { QOS_EXTENSIONS } from '../plugins/qos/extensions.js';
import { QOS_RULES } from '../plugins/qos/policies.js';
import { QosPlugin } from '../plugins/qos/qos-plugin.js';
import { RuleTypes } from '../plugins/qos/rule-types.js';
import { meteringLabelDef, meteringLabelRuleDef } from '../api/resources/metering.js';
import { registerMeteringRoutes } from '../api/routes/metering.js';
import { GET_METERING_LABELS, REPORT_METERING_COUNTERS, type MeteringCounter } from '../contract/metering.js';
import { MeteringPlugin } from '../plugins/metering/metering-plugin.js';
import { METERING_EXTENSIONS, METERING_RULES } from '../plugins/metering/policies.js';
import { buildVpnaas, VPNAAS_EXTENSIONS } from '../plugins/vpnaas/vpnaas-plugin.js';
import { endpointGroupDef, ikePolicyDef, ipsecPolicyDef, siteConnectionDef, vpnServiceDef } from '../plugins/vpnaas/resources.js';

/** What a loaded plugin serves. */
export interface LoadedPlugin {
  name: string;
  /** the API extension aliases it makes true (listed at /v2.0/extensions) */
  aliases: string[];
  /** resources served by the generic controller */
  resources: { def: ResourceDef; handler: Handler }[];
  /** routes beyond the generic controller (actions, sub-resources) */
  routes?(app: FastifyInstance, policy: Policy): void;
  /** what agents call: topic → methods (several plugins may serve one topic) */
  rpc?: { topic: string; endpoints: Endpoints }[];
  start?(): void;
  stop?(): void | Promise<void>;
  /** the metadata plugin: what the server's metadata service answers from (src/api/metadata-server.ts) */
  metadata?: MetadataSource;
  /** descriptions of aliases src/api/extensions.ts does not carry */
  extensions?: Extension[];
  /** policy defaults of its resources, beside src/api/policy/defaults.ts (a policy file overrides them) */
  policies?: readonly RuleDefault[];
  /** its drivers, listed at /v2.0/service-providers (service-type) */
  serviceProviders?: readonly ServiceProvider[];
  /** the router plugin's parts, for service plugins that build on routers (auto_allocate) */
  l3?: L3Service;
}

/** The core plugin's parts that service plugins build on. */
export interface CorePlugin extends LoadedPlugin {
  networks: NetworkPlugin;
  subnets: SubnetPlugin;
  ports: PortPlugin;
  binder: PortBinder;
  mech: MechanismManager;
  agents: AgentStore;
  /** availability zones of the DHCP and L3 agents (hints, schedulers, /v2.0/availability_zones) */
  zones: AvailabilityZones;
  /** subnet pools (the default pools auto_allocate takes subnets from) */
  pools: SubnetPoolPlugin;
  groups: SecurityGroupPlugin;
  /** ML2's RPC callbacks (report_state and the L2 agents' calls) */
  rpcCallbacks: Ml2RpcCallbacks;
  dhcpRpc: DhcpRpcCallbacks;
  dhcpScheduling: DhcpAgentScheduling;
}

/** Aliases ML2 and the plugins it carries (security groups, RBAC, agents, DHCP scheduling) make true. */
const ML2_ALIASES = [
  'external-net',
  'net-mtu',
  'net-mtu-writable',
  'security-group',
  'security-groups-normalized-cidr',
  'stateful-security-group',
  'ip-substring-filtering',
  'port-security-groups-filtering',
  'standard-attr-description',
  'standard-attr-timestamp',
  'standard-attr-revisions',
  'revision-if-match',
  'standard-attr-tag',
  'quotas',
  'quota_details',
  'quota-check-limit',
  'network-ip-availability',
  'filter-validation',
  'empty-string-filtering',
  'pagination',
  'sorting',
  'provider',
  'multi-provider',
  'binding',
  'port-mac-address-regenerate',
  'agent',
  'dhcp_agent_scheduler',
  'rbac-policies',
  'project-id',
  'service-type',
  'subnet-service-types',
  'rbac-security-groups',
  'security-groups-shared-filtering',
  'address-group',
  'rbac-address-group',
  'security-groups-remote-address-group',
  'availability_zone',
  'availability_zone_filter',
  'network_availability_zone',
];

function loadMl2(s: Services): CorePlugin {
  s.quotas.subscribe(s.callbacks);
  subscribeAgentNotifier(s.callbacks, s.notifier);
  subscribeNetworkRbac(s.callbacks);
  const extensions = new ExtensionManager(s, s.config.list('ml2', 'extension_drivers'));
  const agents = new AgentStore(s);
  const mech = new MechanismManager(s, agents);
  const zones = new AvailabilityZones(s);
  const dhcpScheduler = new DhcpScheduler(s, agents, zones);
  const dhcpNotifier = new DhcpAgentNotifier(s.db, s.bus, s.log, dhcpScheduler);
  subscribeDhcpNotifier(s, dhcpNotifier, dhcpScheduler);
  const binder = new PortBinder(s, agents, mech, dhcpScheduler);
  const groups = new SecurityGroupPlugin(s);
  const addressGroups = new AddressGroupPlugin(s);
  const networks = new NetworkPlugin(s, groups, zones, extensions);
  const pools = buildSubnetPools(s);
  const segments = new SegmentPlugin(s, networks);
  const subnets = new SubnetPlugin(s, networks, pools.allocation, segments);
  const ports = new PortPlugin(s, networks, groups, binder, mech, extensions);
  const dhcpScheduling = new DhcpAgentScheduling(s, agents, dhcpScheduler, dhcpNotifier, networks, ports);
  const rpcCallbacks = new Ml2RpcCallbacks(s, binder, mech, agents);
  const dhcpRpc = new DhcpRpcCallbacks(s, ports);
  return {
    name: 'ml2',
    aliases: [...ML2_ALIASES, ...extensions.aliases, ...pools.extensions.map((e) => e.alias), ...SEGMENT_EXTENSIONS.map((e) => e.alias)],
    extensions: [...pools.extensions, ...SEGMENT_EXTENSIONS],
    policies: [...pools.policies, ...ADDRESS_GROUP_RULES, ...SEGMENT_RULES],
    resources: [
      { def: networks.def, handler: networks },
      { def: subnetWithPoolsDef, handler: subnets },
      { def: ports.def, handler: ports },
      { def: agentDef, handler: agents },
      { def: securityGroupDef, handler: groups },
      { def: securityGroupRuleDef, handler: new SecurityGroupRulePlugin(s, groups) },
      { def: rbacPolicyObjectsDef, handler: new RbacPolicyPlugin(s, [networkKind(networks), ...pools.rbacKinds, securityGroupKind(groups), addressGroupKind(addressGroups)], rbacPolicyObjectsDef) },
      { def: subnetPoolDef, handler: pools.pools },
      { def: addressScopeDef, handler: pools.scopes },
      { def: addressGroupDef, handler: addressGroups },
      { def: segmentDef, handler: segments },
    ],
    routes(app, policy) {
      registerQuotas(app, s.quotas, policy);
      registerIpAvailability(app, new IpAvailability(s.db), policy);
      registerDhcpAgentScheduler(app, dhcpScheduling, policy);
      // admin diagnostics over the model and the agents' kernels (docs/trace.md)
      registerTrace(app, new TraceService(s, (a) => agents.isAlive(a)), new AuditService(s, (a) => agents.isAlive(a)), policy);
      registerSubnetPoolRoutes(app, pools.pools, policy);
      registerAvailabilityZones(app, zones, s.db, policy);
      registerAddressGroupRoutes(app, addressGroups, policy);
    },
    rpc: [
      { topic: PLUGIN, endpoints: { ...rpcCallbacks.pluginEndpoints(), ...dhcpRpc.endpoints() } },
      { topic: REPORTS, endpoints: rpcCallbacks.reportEndpoints() },
    ],
    start: () => dhcpScheduling.startFailover(),
    stop: () => dhcpScheduling.stopFailover(),
    networks,
    subnets,
    ports,
    binder,
    mech,
    agents,
    zones,
    pools: pools.pools,
    groups,
    rpcCallbacks,
    dhcpRpc,
    dhcpScheduling,
  };
}

function loadRouter(s: Services, core: CorePlugin): LoadedPlugin {
  const l3 = buildL3(s, core);
  return {
    name: 'router',
    l3,
    aliases: [
      'router',
      'ext-gw-mode',
      'extraroute',
      'extraroute-atomic',
      'l3_agent_scheduler',
      'fip-port-details',
      'floatingip-pools',
      'l3-port-ip-change-not-allowed',
      'router_availability_zone',
      // not 'l3-ha': the router's ha attribute, scheduling and keepalived are built, but no lab
      // test has proven a failover yet (docs/l3-ha.md)
      'router-admin-state-down-before-update',
    ],
    resources: [
      { def: routerDef, handler: l3.routers },
      { def: floatingIpDef, handler: l3.floatingIps },
    ],
    routes: (app, policy) => registerL3Routes(app, l3, policy),
    // Neutron lists dvr, ha and dvrha too; only single-node (legacy) routers are built here
    serviceProviders: [{ service_type: 'L3_ROUTER_NAT', name: 'single_node', default: false }],
    // L3 agents: their routers, floating IP statuses (src/plugins/l3/l3-rpc-callbacks.ts)
    rpc: [{ topic: L3_PLUGIN, endpoints: l3.rpc.endpoints() }],
  };
}

/**
 * Neutrino's metadata plugin: the instance records and key pairs the compute shim writes, the
 * metadata agents' get_metadata_port, and the source of the metadata service the server then
 * serves on [DEFAULT] metadata_listen:metadata_listen_port (docs/metadata.md).
 */
function loadMetadata(s: Services): LoadedPlugin {
  if (!s.config.str('DEFAULT', 'metadata_proxy_shared_secret')) {
    throw new Error(
      '[DEFAULT] service_plugins includes metadata but [DEFAULT] metadata_proxy_shared_secret is empty: anyone who reaches the metadata service could read any instance; set the same secret here and in the metadata agents',
    );
  }
  const source = new MetadataSource(s);
  const records = new InstanceRecords(s, source);
  return {
    name: 'metadata',
    aliases: [],
    resources: [],
    routes: (app) => registerInstanceRoutes(app, records, source),
    rpc: [{ topic: PLUGIN, endpoints: { [GET_METADATA_PORT]: (args: MetadataPortQuery) => source.portOf(args) } }],
    metadata: source,
  };
}

/**
 * nova-network's modes on the core model (docs/nova-network.md): loading it checks [DEFAULT]
 * network_manager at start and holds deleted instances' fixed IPs for fixed_ip_disassociate_timeout;
 * neutrino-manage drives the same parts.
 */
function loadNovaNetwork(s: Services, core: CorePlugin, loaded: readonly LoadedPlugin[]): LoadedPlugin {
  const parts = buildNovaNetwork(s, core, loaded.find((p) => p.l3)?.l3);
  parts.quarantine.subscribe();
  if (s.config.bool('DEFAULT', 'auto_assign_floating_ip')) {
    if (!parts.autoFloating)
      throw new Error(
        '[DEFAULT] auto_assign_floating_ip = true needs the router service plugin before nova_network (service_plugins = router,nova_network): floating IPs are served by the router plugin',
      );
    parts.autoFloating.subscribe();
  }
  s.log.debug({ event: 'nova_network.loaded', default_mode: parts.defaultMode }, 'nova-network modes loaded');
  return { name: 'nova_network', aliases: [], resources: [], start: () => parts.quarantine.start(), stop: () => parts.quarantine.stop() };
}

/**
 * FWaaS v2 (docs/fwaas.md): firewall groups, policies and rules; the L3 agents' fwaas_v2
 * extension enforces groups on router interfaces. Routers come from the router plugin.
 */
function loadFirewallV2(s: Services): LoadedPlugin {
  const fw = buildFwaas(s);
  return {
    name: 'firewall_v2',
    aliases: [FWAAS_EXTENSION.alias],
    extensions: [FWAAS_EXTENSION],
    policies: fw.policyDefaults,
    resources: [
      { def: firewallGroupDef, handler: fw.groups },
      { def: firewallPolicyDef, handler: fw.policies },
      { def: firewallRuleDef, handler: fw.rules },
    ],
    routes: (app, policy) => registerFwaasRoutes(app, fw.policies, policy),
    rpc: [{ topic: FIREWALL_PLUGIN, endpoints: fw.rpc.endpoints() }],
  };
}

/**
 * Floating IP port forwardings (docs/port-forwarding.md): the sub-resource of floating IPs, its
 * say in floating IP associations and port deletions, get_port_forwardings for the L3 agents'
 * port_forwarding extension. Needs the router plugin, as in Neutron.
 */
function loadPortForwarding(s: Services, _core: CorePlugin, loaded: readonly LoadedPlugin[]): LoadedPlugin {
  // the router plugin loads first (servicePluginNames)
  if (!loaded.some((p) => p.l3)) {
    throw new Error('[DEFAULT] service_plugins includes port_forwarding but not router: port forwardings live on floating IPs and routers; add router');
  }
  const notifier = new PortForwardingNotifier(s.db, s.bus, s.log);
  const plugin = new PortForwardingPlugin(s, notifier);
  subscribePortForwardingCallbacks(s.callbacks, { plugin, notifier, log: s.log });
  return {
    name: 'port_forwarding',
    aliases: PORT_FORWARDING_EXTENSIONS.map((e) => e.alias),
    extensions: PORT_FORWARDING_EXTENSIONS,
    policies: PORT_FORWARDING_RULES,
    resources: [],
    routes: (app, policy) => registerPortForwardingRoutes(app, plugin, policy, s.config.int('DEFAULT', 'pagination_max_limit')),
    rpc: [
      {
        topic: PORT_FORWARDING_PLUGIN,
        endpoints: { [GET_PORT_FORWARDINGS]: (a: { router_ids?: unknown }) => plugin.ofRouters(Array.isArray(a?.router_ids) ? a.router_ids.filter((r): r is string => typeof r === 'string') : []) },
      },
    ],
  };
}

/**
 * QoS (docs/qos.md): policies and rules, the rule types of the loaded mechanism drivers, and
 * get_qos_policies for the L2 agents' qos extension. Ports and networks take qos_policy_id
 * through ML2's qos extension driver, which must be loaded with it, as in Neutron.
 */
function loadQos(s: Services, core: CorePlugin): LoadedPlugin {
  if (!s.config.list('ml2', 'extension_drivers').includes('qos')) {
    throw new Error('[DEFAULT] service_plugins includes qos but [ml2] extension_drivers does not: ports and networks could not take a policy; add qos to [ml2] extension_drivers');
  }
  const plugin = new QosPlugin(s);
  const ruleTypes = new RuleTypes(core.mech.drivers.map((d) => d.name));
  return {
    name: 'qos',
    aliases: QOS_EXTENSIONS.map((e) => e.alias),
    extensions: QOS_EXTENSIONS,
    policies: QOS_RULES,
    resources: [{ def: qosPolicyDef, handler: plugin }],
    routes: (app, policy) => registerQosRoutes(app, plugin, ruleTypes, policy, s.config.int('DEFAULT', 'pagination_max_limit')),
    rpc: [{ topic: PLUGIN, endpoints: { [GET_QOS_POLICIES]: (a: { policy_ids?: unknown }) => plugin.forAgents(Array.isArray(a?.policy_ids) ? a.policy_ids : []) } }],
  };
}

/**
 * Metering (docs/metering.md): labels and rules on the routers of their project, counted by the
 * L3 agents' metering extension, whose reports GET /v2.0/metering/metering-label-counters shows.
 */
function loadMetering(s: Services, _core: CorePlugin, loaded: readonly LoadedPlugin[]): LoadedPlugin {
  if (!loaded.some((p) => p.l3)) throw new Error('[DEFAULT] service_plugins includes metering but not router: labels are counted on routers; add router');
  const plugin = new MeteringPlugin(s);
  return {
    name: 'metering',
    aliases: METERING_EXTENSIONS.map((e) => e.alias),
    extensions: METERING_EXTENSIONS,
    policies: METERING_RULES,
    resources: [
      { def: meteringLabelDef, handler: plugin.labels },
      { def: meteringLabelRuleDef, handler: plugin.rules },
    ],
    routes: (app, policy) => registerMeteringRoutes(app, plugin, policy),
    rpc: [
      {
        topic: PLUGIN,
        endpoints: {
          [GET_METERING_LABELS]: (a: { router_ids?: unknown }) => plugin.ofRouters(Array.isArray(a?.router_ids) ? a.router_ids : []),
          [REPORT_METERING_COUNTERS]: (a: { host?: string; counters?: MeteringCounter[] }) => plugin.report(String(a?.host ?? ''), Array.isArray(a?.counters) ? a.counters : []),
        },
      },
    ],
  };
}

/**
 * VPNaaS (docs/vpnaas.md): IKE and IPsec policies, VPN services on routers, endpoint groups and
 * IPsec site connections at /v2.0/vpn, as neutron-vpnaas. Needs the router plugin.
 */
function loadVpnaas(s: Services, _core: CorePlugin, loaded: readonly LoadedPlugin[]): LoadedPlugin {
  if (!loaded.some((p) => p.l3)) throw new Error('[DEFAULT] service_plugins includes vpnaas but not router: VPN services live on routers; add router');
  if (process.env.NEUTRINO_VPNAAS_API_ONLY !== '1') {
    // never advertise what is not enforced: without the driver every connection would stay PENDING_CREATE
    throw new Error(
      '[DEFAULT] service_plugins includes vpnaas, but its driver (strongSwan in the L3 agent) is not built yet: IPsec site connections would be stored and never made. Remove vpnaas (the API alone can be tried with NEUTRINO_VPNAAS_API_ONLY=1; see docs/vpnaas.md)',
    );
  }
  const vpn = buildVpnaas(s);
  return {
    name: 'vpnaas',
    aliases: VPNAAS_EXTENSIONS.map((e) => e.alias),
    extensions: VPNAAS_EXTENSIONS,
    policies: vpn.policyDefaults,
    resources: [
      { def: ikePolicyDef, handler: vpn.ikePolicies },
      { def: ipsecPolicyDef, handler: vpn.ipsecPolicies },
      { def: vpnServiceDef, handler: vpn.services },
      { def: endpointGroupDef, handler: vpn.endpointGroups },
      { def: siteConnectionDef, handler: vpn.connections },
    ],
  };
}

/** core_plugin names: Neutron's short name and its class path. */
export const CORE_PLUGINS: Record<string, (s: Services) => CorePlugin> = {
  ml2: loadMl2,
  'neutron.plugins.ml2.plugin.Ml2Plugin': loadMl2,
};

/** service_plugins names: Neutron's short names and class paths. */
/** auto-allocated-topology: networks ready to use, made from the default pools and external network (docs/auto-allocate.md). */
function loadAutoAllocate(s: Services, core: CorePlugin, loaded: readonly LoadedPlugin[]): LoadedPlugin {
  const l3 = loaded.find((p) => p.l3)?.l3;
  if (!l3) throw new Error('[DEFAULT] service_plugins: auto_allocate needs the router plugin (service_plugins = router,auto_allocate)');
  const auto = new AutoAllocate(s, { networks: core.networks, subnets: core.subnets, pools: core.pools, l3 });
  return {
    name: 'auto_allocate',
    aliases: ['auto-allocated-topology'],
    resources: [],
    routes: (app, policy) => registerAutoAllocate(app, auto, policy),
    policies: AUTO_ALLOCATE_RULES,
    extensions: [AUTO_ALLOCATE_EXTENSION],
  };
}

/** Service plugins by name; each gets the plugins loaded before it (the router plugin loads first). */
export const SERVICE_PLUGINS: Record<string, (s: Services, core: CorePlugin, loaded: readonly LoadedPlugin[]) => LoadedPlugin> = {
  router: loadRouter,
  auto_allocate: loadAutoAllocate,
  'neutron.services.auto_allocate.plugin.Plugin': loadAutoAllocate,
  'neutron.services.l3_router.l3_router_plugin.L3RouterPlugin': loadRouter,
  metadata: loadMetadata,
  nova_network: loadNovaNetwork,
  firewall_v2: loadFirewallV2,
  'neutron_fwaas.services.firewall.fwaas_plugin_v2.FirewallPluginV2': loadFirewallV2,
  port_forwarding: loadPortForwarding,
  'neutron.services.portforwarding.pf_plugin.PortForwardingPlugin': loadPortForwarding,
  qos: loadQos,
  metering: loadMetering,
  'neutron.services.metering.metering_plugin.MeteringPlugin': loadMetering,
  'neutron.services.qos.qos_plugin.QoSPlugin': loadQos,
  vpnaas: loadVpnaas,
  'neutron_vpnaas.services.vpn.plugin.VPNDriverPlugin': loadVpnaas,
};

/** The service plugins to load, checked: an unknown name stops the server, listing the known ones. */
export function servicePluginNames(configured: string[]): string[] {
  const unknown = configured.filter((n) => !(n in SERVICE_PLUGINS));
  if (unknown.length) {
    const known = Object.keys(SERVICE_PLUGINS).filter((n) => !n.includes('.'));
    throw new Error(`[DEFAULT] service_plugins: unknown plugin(s) ${unknown.join(', ')}; known: ${known.join(', ')} (or Neutron's class paths of them)`);
  }
  // one plugin named twice (short name and class path) loads once; the router first, as others build on it
  const names = [...new Set(configured.map((n) => SERVICE_PLUGINS[n]))].map((f) => configured.find((n) => SERVICE_PLUGINS[n] === f)!);
  return [...names.filter((n) => SERVICE_PLUGINS[n] === loadRouter), ...names.filter((n) => SERVICE_PLUGINS[n] !== loadRouter)];
}

export function corePlugin(name: string): (s: Services) => CorePlugin {
  const load = CORE_PLUGINS[name];
  if (!load)
    throw new Error(
      `[DEFAULT] core_plugin = ${name}: unknown; known: ${Object.keys(CORE_PLUGINS)
        .filter((n) => !n.includes('.'))
        .join(', ')}`,
    );
  return load;
}
