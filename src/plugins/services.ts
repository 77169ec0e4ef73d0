// What every plugin is built with.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Db } from '../db/connection.js';
import type { IpAllocator } from '../ipam/allocator.js';
import type { QuotaEngine } from './quotas/quota-engine.js';

export interface Services {
  db: Db;
  config: Config;
  log: Logger;
  quotas: QuotaEngine;
  ipam: IpAllocator;
}
