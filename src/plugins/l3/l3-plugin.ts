// The L3 service plugin assembled: routers, floating IPs, L3 agent scheduling, the agents'
// RPC, and its say in the core plugin's port deletions.
import type { AvailabilityZones } from '../availability-zones/availability-zones.js';
import type { AgentStore } from '../agents/agent-store.js';
import type { MechanismManager } from '../ml2/mech/mechanism-manager.js';
import type { NetworkPlugin } from '../ml2/networks.js';
import type { PortBinder } from '../ml2/port-binding.js';
import type { PortPlugin } from '../ml2/ports.js';
import type { SubnetPlugin } from '../ml2/subnets.js';
import { ServicePortOps } from '../ml2/service-ports.js';
import type { Services } from '../services.js';
import { FloatingIpPlugin } from './floating-ips.js';
import { L3AgentRouters } from './l3-agent-routers.js';
import { L3Announcer } from './l3-changes.js';
import { L3Notifier } from './l3-notifier.js';
import { L3Ports } from './l3-ports.js';
import { L3RpcCallbacks } from './l3-rpc-callbacks.js';
import { L3Scheduler } from './l3-scheduler.js';
import { subscribeL3CoreCallbacks } from './core-callbacks.js';
import { RouterGateway } from './router-gateway.js';
import { RouterInterfaces } from './router-interfaces.js';
import { RouterPlugin } from './routers.js';
import { HaNetworks } from './ha/ha-network.js';
import { HaRouters } from './ha/ha-routers.js';

export interface L3Service {
  routers: RouterPlugin;
  floatingIps: FloatingIpPlugin;
  interfaces: RouterInterfaces;
  agentRouters: L3AgentRouters;
  rpc: L3RpcCallbacks;
}

export function buildL3(
  s: Services,
  core: { networks: NetworkPlugin; subnets: SubnetPlugin; ports: PortPlugin; binder: PortBinder; mech: MechanismManager; agents: AgentStore; zones: AvailabilityZones },
): L3Service {
  const ops = new ServicePortOps(s, core.binder, core.ports);
  const announcer = new L3Announcer(s.db, ops, new L3Notifier(s.bus, s.log));
  const scheduler = new L3Scheduler(s, core.agents, ops, core.zones);
  const l3ports = new L3Ports(core.ports);
  const ha = { routers: new HaRouters(s, core.agents, scheduler, l3ports, ops), networks: new HaNetworks(s, core) };
  const routers = new RouterPlugin(s, new RouterGateway(s, core.networks, l3ports, ops), scheduler, announcer, core.zones, ha);
  const floatingIps = new FloatingIpPlugin(s, core.networks, l3ports, ops, announcer);
  subscribeL3CoreCallbacks(s.callbacks, { db: s.db, log: s.log, floatingIps, announcer });
  return {
    routers,
    floatingIps,
    interfaces: new RouterInterfaces(s, routers, scheduler, l3ports, ops, announcer, core.ports),
    agentRouters: new L3AgentRouters(s, core.agents, routers, scheduler, announcer, ha.routers),
    rpc: new L3RpcCallbacks(s, scheduler, announcer, ha.routers),
  };
}
