import { pino, type Logger } from 'pino';
import type { Config } from '../config/config.js';

/** One structured JSON line per event, on stdout. */
export function makeLogger(config: Config, name: string): Logger {
  const level = config.bool('DEFAULT', 'debug') ? 'debug' : config.str('DEFAULT', 'log_level');
  return pino({ name, level, base: { pid: process.pid, service: name } });
}
