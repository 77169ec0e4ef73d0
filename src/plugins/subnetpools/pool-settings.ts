// A subnet pool's prefixes and prefix lengths as Neutron reads them (SubnetPoolReader): one IP
// version, prefixes compacted, min/max/default prefix lengths defaulted and checked. Pure.
import { NOT_SPECIFIED } from '../../api/resource.js';
import { EmptySubnetPoolPrefixList, IllegalSubnetPoolPrefixBounds, PrefixVersionMismatch } from '../../api/errors-subnet-allocation.js';
import { bits, parseCidr, type IpVersion } from '../../common/ip-address.js';
import { compactPrefixes } from '../../ipam/prefix-set.js';

export interface PoolSettings {
  ipVersion: IpVersion;
  prefixes: string[];
  minPrefixlen: number;
  maxPrefixlen: number;
  defaultPrefixlen: number;
}

/** Neutron's default smallest prefix length of a pool: /8 for IPv4, /64 for IPv6. */
const DEFAULT_MIN: Record<IpVersion, number> = { 4: 8, 6: 64 };

const given = (v: unknown): number | undefined => (v === undefined || v === NOT_SPECIFIED || v === null ? undefined : (v as number));

/**
 * `want`: the request's prefixes and prefix lengths (NOT_SPECIFIED or absent: defaulted, or
 * kept from `current` on an update).
 */
export function readPoolSettings(
  want: { prefixes: string[]; min_prefixlen?: unknown; max_prefixlen?: unknown; default_prefixlen?: unknown },
  current?: Omit<PoolSettings, 'prefixes' | 'ipVersion'>,
): PoolSettings {
  if (!want.prefixes.length) throw EmptySubnetPoolPrefixList({});
  const versions = new Set(want.prefixes.map((p) => parseCidr(p)!.version));
  if (versions.size > 1) throw PrefixVersionMismatch({});
  const ipVersion = [...versions][0];
  const minPrefixlen = given(want.min_prefixlen) ?? current?.minPrefixlen ?? DEFAULT_MIN[ipVersion];
  const maxPrefixlen = given(want.max_prefixlen) ?? current?.maxPrefixlen ?? bits(ipVersion);
  const defaultPrefixlen = given(want.default_prefixlen) ?? current?.defaultPrefixlen ?? minPrefixlen;
  const bound = (prefix_type: string, prefixlen: number, base_prefix_type: string, base_prefixlen: number) =>
    IllegalSubnetPoolPrefixBounds({ prefix_type, prefixlen, base_prefix_type, base_prefixlen });
  if (minPrefixlen > maxPrefixlen) throw bound('min_prefixlen', minPrefixlen, 'max_prefixlen', maxPrefixlen);
  if (maxPrefixlen > bits(ipVersion)) throw bound('max_prefixlen', maxPrefixlen, 'ip_version_max', bits(ipVersion));
  if (defaultPrefixlen < minPrefixlen) throw bound('default_prefixlen', defaultPrefixlen, 'min_prefixlen', minPrefixlen);
  if (defaultPrefixlen > maxPrefixlen) throw bound('default_prefixlen', defaultPrefixlen, 'max_prefixlen', maxPrefixlen);
  return { ipVersion, prefixes: compactPrefixes(want.prefixes), minPrefixlen, maxPrefixlen, defaultPrefixlen };
}
