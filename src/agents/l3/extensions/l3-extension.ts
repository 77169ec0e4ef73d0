// The L3 agent's extension seam (Neutron's L3AgentExtension: `[agent] extensions =
// port_forwarding, fwaas_v2, …` in the L3 agent's configuration). An extension adds work to
// every router pass — after the agent has converged the router's qrouter namespace
// (devices, addresses, routes, NAT) it converges its own part there (its own nft table, a
// daemon) — and may listen on its own RPC topics for the casts of its service plugin.
//
// An extension owns what it makes in the namespace and nothing else: the agent never reads
// or removes an extension's tables, and an extension never touches the agent's NAT table.
import type { Logger } from 'pino';
import type { SyncRouter } from '../../../contract/l3.js';
import type { Bus, Endpoints } from '../../../rpc/bus.js';
import type { Config } from '../../../config/config.js';

/** What an extension is built from when the agent starts. */
export interface L3ExtensionDeps {
  bus: Bus;
  log: Logger;
  /** the agent's host name (RPC topics are per host) */
  host: string;
  config: Config;
  /** '' = the real host (neutrino lab: the host's namespace) */
  hostNamespace: string;
  /** the router's qrouter namespace name */
  namespaceOf(routerId: string): string;
  /** asks the agent for a router pass (an extension's server cast names routers to redo) */
  routersUpdated(routerIds: string[]): void;
}

export interface L3RouterContext {
  router: SyncRouter;
  /** the router's qrouter namespace, already made and converged by the agent */
  namespace: string;
}

export interface L3AgentExtension {
  /** Neutron's name in `[agent] extensions` */
  readonly name: string;
  /** RPC endpoints on topics of its own (server → agent casts), merged into the agent's */
  listen?: Record<string, Endpoints>;
  /**
   * After every pass that converged the router (creation, update, full sync). Converges the
   * extension's part of the namespace; a throw makes the agent retry the router later.
   */
  routerUpdated(ctx: L3RouterContext): Promise<void>;
  /** Before the router's namespace is removed (router deleted, unscheduled, admin down). */
  routerDeleted(routerId: string, namespace: string): Promise<void>;
  /** after a full sync: every router id the host now holds (forget the rest) */
  synced?(routerIds: string[]): Promise<void>;
  /** merged into the agent's reported configurations under the extension's name */
  configurations?(): Record<string, unknown>;
  stop?(): Promise<void>;
}

export type L3ExtensionFactory = (deps: L3ExtensionDeps) => L3AgentExtension | Promise<L3AgentExtension>;
