// What every plugin is built with.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Db } from '../db/connection.js';
import type { IpAllocator } from '../ipam/allocator.js';
import type { Bus } from '../rpc/bus.js';
import type { CallbackRegistry } from './callbacks/registry.js';
import type { AgentNotifier } from './ml2/agent-notifier.js';
import type { TypeManager } from './ml2/types/type-manager.js';
import type { QuotaEngine } from './quotas/quota-engine.js';

export interface Services {
  db: Db;
  config: Config;
  log: Logger;
  quotas: QuotaEngine;
  ipam: IpAllocator;
  bus: Bus;
  types: TypeManager;
  notifier: AgentNotifier;
  /** where plugins publish their resources' events and subscribe to each other's */
  callbacks: CallbackRegistry;
}
