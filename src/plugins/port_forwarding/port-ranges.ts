// The ports of a forwarding (pure): Neutron's single ports (external_port / internal_port) and
// ranges (external_port_range / internal_port_range, "N:M") as one start-end pair each side,
// the checks Neutron makes of them, and overlap between forwardings.
import { BadRequest } from '../../api/errors.js';

export interface PortPair {
  internal_port_start: number;
  internal_port_end: number;
  external_port_start: number;
  external_port_end: number;
}

const bad = (msg: string) => BadRequest({ resource: 'port_forwarding', msg });

function range(text: string): [number, number] {
  const [a, b = a] = text.split(':').map(Number);
  return [a, b];
}

/**
 * The ports asked for: a single port and a range of one side are exclusive; both sides are
 * given; an external range maps onto an internal range of the same size, port by port, or onto
 * one internal port.
 */
export function portsOf(item: { external_port?: unknown; internal_port?: unknown; external_port_range?: unknown; internal_port_range?: unknown }): PortPair {
  const ext = side('external', item.external_port, item.external_port_range);
  const int = side('internal', item.internal_port, item.internal_port_range);
  const extLen = ext[1] - ext[0];
  const intLen = int[1] - int[0];
  if (intLen !== 0 && intLen !== extLen) {
    throw bad(`The internal port range ${int[0]}:${int[1]} and the external port range ${ext[0]}:${ext[1]} must have the same number of ports, or the internal side must be a single port`);
  }
  return { external_port_start: ext[0], external_port_end: ext[1], internal_port_start: int[0], internal_port_end: int[1] };
}

function side(name: string, single: unknown, ranged: unknown): [number, number] {
  const hasSingle = single !== null && single !== undefined;
  const hasRange = ranged !== null && ranged !== undefined;
  if (hasSingle && hasRange) throw bad(`${name}_port and ${name}_port_range cannot be given together`);
  if (hasSingle) return [single as number, single as number];
  if (hasRange) return range(ranged as string);
  throw bad(`${name}_port or ${name}_port_range must be given`);
}

/** What the API shows of the ports: single ports when both sides are single, else ranges (as Neutron). */
export function shownPorts(p: PortPair): Record<string, number | string | null> {
  const single = p.external_port_start === p.external_port_end && p.internal_port_start === p.internal_port_end;
  const text = (a: number, b: number) => `${a}:${b}`;
  return {
    external_port: single ? p.external_port_start : null,
    internal_port: single ? p.internal_port_start : null,
    external_port_range: text(p.external_port_start, p.external_port_end),
    internal_port_range: text(p.internal_port_start, p.internal_port_end),
  };
}

export const overlaps = (a1: number, a2: number, b1: number, b2: number): boolean => a1 <= b2 && b1 <= a2;
