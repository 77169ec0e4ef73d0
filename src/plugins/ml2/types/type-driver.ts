// What a network type driver does (ML2's TypeDriver): check an admin's provider segment,
// reserve it, or allocate a project network's segment from the configured ranges.
import { InvalidInput } from '../../../api/errors.js';
import type { Trx } from '../../../db/transaction.js';

/** A segment as the API speaks of it (provider:* attributes or an entry of `segments`). */
export interface Segment {
  network_type: string;
  physical_network: string | null;
  segmentation_id: number | null;
}

export interface TypeDriver {
  readonly type: string;
  /** Throws InvalidInput naming what is wrong with an admin-given segment; returns it normalised. */
  validateProviderSegment(seg: Segment): Segment;
  /** Reserves an admin-given segment (a partial one — e.g. vlan on a physnet without an id — is completed). */
  reserveProviderSegment(trx: Trx, seg: Segment, networkId: string): Promise<Segment>;
  /** A free segment for a project network, or null when the ranges are full (or there are none). */
  allocateTenantSegment(trx: Trx, networkId: string): Promise<Segment | null>;
  /** Largest MTU a network of this type can have on this physical network. */
  mtu(physicalNetwork: string | null): number;
}

export interface Range {
  min: number;
  max: number;
}

/** Rejects a segment attribute that this type does not take. */
export function refuse(seg: Segment, attr: 'physical_network' | 'segmentation_id'): void {
  if (seg[attr] !== null && seg[attr] !== undefined) throw InvalidInput({ msg: `${attr} not allowed for ${seg.network_type} provider network` });
}

/** "1:1000" → {min:1,max:1000}, checked against the type's bounds. */
export function parseRange(text: string, bounds: Range, what: string): Range {
  const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`${what}: '${text}' is not a min:max range`);
  const r = { min: Number(m[1]), max: Number(m[2]) };
  if (r.min > r.max || r.min < bounds.min || r.max > bounds.max) {
    throw new Error(`${what}: '${text}' must be within ${bounds.min}:${bounds.max} with min <= max`);
  }
  return r;
}
