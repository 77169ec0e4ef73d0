// Opens the message bus a transport_url names (oslo.messaging's [DEFAULT] transport_url):
// memory:// for one process, rabbit:// (or amqp://, amqps://) for RabbitMQ.
import type { Logger } from 'pino';
import { AmqpBus } from './amqp/amqp-bus.js';
import type { Bus } from './bus.js';
import { MemoryBus } from './memory/memory-bus.js';

export * from './bus.js';

export interface OpenBusOptions {
  log: Logger;
  /** how long call() waits for a reply unless told otherwise (oslo's rpc_response_timeout, 60 s) */
  responseTimeoutMs?: number;
  /** RabbitMQ connection_name client property, e.g. `neutrino:dhcp-agent:<pid>` */
  connectionName?: string;
}

export const DEFAULT_RESPONSE_TIMEOUT_MS = 60_000;

/** Rejects with TransportUnavailable if RabbitMQ can't be reached now (it is not retried). */
export async function openBus(transportUrl: string, opts: OpenBusOptions): Promise<Bus> {
  const responseTimeoutMs = opts.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(transportUrl)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'memory':
      return MemoryBus.open(transportUrl, { log: opts.log, responseTimeoutMs });
    case 'rabbit':
    case 'amqp':
    case 'amqps':
      return AmqpBus.open(transportUrl, { log: opts.log, responseTimeoutMs, connectionName: opts.connectionName });
    default: {
      const shown = transportUrl.replace(/(\/\/[^:/@]*):[^@/]*@/, '$1:***@');
      throw new Error(`transport_url must be memory:// or rabbit://user:pass@host:port/vhost, not ${JSON.stringify(shown)}`);
    }
  }
}
