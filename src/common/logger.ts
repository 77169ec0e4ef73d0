// Logging as a Neutron operator expects it (oslo.log's options): text lines by default, one
// JSON object per line with [DEFAULT] use_json = true; [DEFAULT] debug; log_file / log_dir
// instead of standard output. Either way each event is one structured pino record: the text
// form is pino-pretty rendering that record (its fields inline after the message).
import { join } from 'node:path';
import { type DestinationStream, type Logger, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { Config } from '../config/config.js';

/** Where the log goes: a file path, or null for standard output. */
export function logDestination(config: Config, name: string): string | null {
  const file = config.str('DEFAULT', 'log_file');
  const dir = config.str('DEFAULT', 'log_dir');
  if (file) return dir && !file.startsWith('/') ? join(dir, file) : file;
  return dir ? join(dir, `${name}.log`) : null;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** oslo.log's default line head: `2026-12-04 17:05:43.123 4242 INFO neutrino-server [req-…]`, local time. */
function osloHead(record: Record<string, unknown>): string {
  const t = new Date(Number(record.time));
  const when = `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}.${pad(t.getMilliseconds(), 3)}`;
  const req = record.reqId ?? record.request_id;
  return `${when} ${record.pid} ${(pino.levels.labels[Number(record.level)] ?? String(record.level)).toUpperCase()} ${record.name} [${req ?? '-'}]`;
}

/** The text renderer: pino-pretty with oslo.log's field order, extra fields inline on the same line. */
export function textStream(dest: string | number, colorize: boolean): DestinationStream {
  return PinoPretty({
    colorize,
    sync: true,
    destination: dest,
    mkdir: true,
    append: true,
    singleLine: true,
    ignore: 'time,pid,hostname,name,service,level,reqId',
    messageFormat: (record, messageKey) => `${osloHead(record)} ${record[messageKey] ?? ''}`,
  });
}

export function makeLogger(config: Config, name: string): Logger {
  const level = config.bool('DEFAULT', 'debug') ? 'debug' : config.str('DEFAULT', 'log_level');
  const file = logDestination(config, name);
  const dest = file ?? 1;
  const stream = config.bool('DEFAULT', 'use_json') ? pino.destination({ dest, sync: true, mkdir: true, append: true }) : textStream(dest, file === null && process.stdout.isTTY === true);
  return pino({ name, level, base: { pid: process.pid, service: name } }, stream);
}
