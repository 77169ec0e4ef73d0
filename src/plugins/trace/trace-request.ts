// The body of POST /v2.0/trace, checked: {"trace": {from, to, protocol, dport, sport, src_ip,
// check_kernel}}. Every refusal is Neutron's InvalidInput naming the attribute.
import { InvalidInput } from '../../api/errors.js';
import { normalizeIp } from '../../common/ip-address.js';

export const TRACE_PROTOCOLS = ['icmp', 'tcp', 'udp'] as const;
export type TraceProtocol = (typeof TRACE_PROTOCOLS)[number];

export interface TraceRequest {
  /** a port id, an instance id (a port's device_id), or an address outside the cloud */
  from: string;
  /** an address, a port id or an instance id */
  to: string;
  protocol: TraceProtocol;
  /** tcp/udp destination port; null for icmp (an echo request is traced) */
  dport: number | null;
  sport: number | null;
  /** the source address the packet claims (default: the source port's own); a forged one meets anti-spoofing */
  srcIp: string | null;
  /** ask the agents what their kernels hold for each hop (default true) */
  checkKernel: boolean;
}

const KNOWN = ['from', 'to', 'protocol', 'dport', 'sport', 'src_ip', 'check_kernel'];

const bad = (attr: string, reason: string) => InvalidInput({ msg: `Invalid input for ${attr}. Reason: ${reason}` });

function portNumber(attr: string, v: unknown): number | null {
  if (v === undefined || v === null) return null;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) throw bad(attr, `${JSON.stringify(v)} is not a port number from 1 to 65535`);
  return n;
}

function nonEmpty(attr: string, v: unknown): string {
  if (typeof v !== 'string' || !v.trim()) throw bad(attr, `${JSON.stringify(v ?? null)} is not a port id, instance id or IP address`);
  return v.trim();
}

export function parseTraceRequest(body: unknown): TraceRequest {
  const wrapped = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).trace : undefined;
  if (!wrapped || typeof wrapped !== 'object' || Array.isArray(wrapped)) throw InvalidInput({ msg: 'the body must be {"trace": {"from": …, "to": …}}' });
  const t = wrapped as Record<string, unknown>;
  for (const k of Object.keys(t)) if (!KNOWN.includes(k)) throw bad(k, `unknown attribute; known: ${KNOWN.join(', ')}`);
  const from = nonEmpty('from', t.from);
  const to = nonEmpty('to', t.to);
  const protocol = (t.protocol ?? 'icmp') as TraceProtocol;
  if (typeof protocol !== 'string' || !TRACE_PROTOCOLS.includes(protocol.toLowerCase() as TraceProtocol)) {
    throw bad('protocol', `${JSON.stringify(t.protocol)} is not one of ${TRACE_PROTOCOLS.join(', ')}`);
  }
  const proto = protocol.toLowerCase() as TraceProtocol;
  const dport = portNumber('dport', t.dport);
  const sport = portNumber('sport', t.sport);
  if (proto === 'icmp' && (dport !== null || sport !== null)) throw bad(dport !== null ? 'dport' : 'sport', 'icmp has no ports (an echo request is traced)');
  if (proto !== 'icmp' && dport === null) throw bad('dport', `${proto} needs a destination port`);
  let srcIp: string | null = null;
  if (t.src_ip !== undefined && t.src_ip !== null) {
    srcIp = typeof t.src_ip === 'string' ? normalizeIp(t.src_ip) : null;
    if (!srcIp) throw bad('src_ip', `${JSON.stringify(t.src_ip)} is not a valid IP address`);
  }
  if (t.check_kernel !== undefined && typeof t.check_kernel !== 'boolean') throw bad('check_kernel', `${JSON.stringify(t.check_kernel)} is not a boolean`);
  return { from, to, protocol: proto, dport, sport, srcIp, checkKernel: t.check_kernel !== false };
}
