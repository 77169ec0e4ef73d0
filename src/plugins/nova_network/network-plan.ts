// `network create` as a pure plan: nova-manage's arguments split into the networks to make
// (range, gateway, pool, VLAN, bridge, label), every argument checked before anything is
// written. The store (nova-networks.ts) then checks the plan against the database.
import { formatCidr, formatIp, parseCidr, parseIp } from '../../common/ip-address.js';
import { InvalidNovaArgument } from './errors.js';
import type { NovaMode } from './modes.js';

export interface NetworkCreateRequest {
  mode: NovaMode;
  label: string;
  fixedRangeV4: string;
  numNetworks: number;
  networkSize: number;
  /** flat modes: the bridge ([DEFAULT] flat_network_bridge when not given); VLAN: only with one network */
  bridge?: string | null;
  /** flat modes: flat_interface; VLAN: vlan_interface (the physical network of the VLANs) */
  bridgeInterface?: string | null;
  vlanStart?: number | null;
  multiHost: boolean;
  projectId?: string | null;
  dns1?: string | null;
  dns2?: string | null;
}

export interface PlannedNetwork {
  label: string;
  cidr: string;
  gateway: string;
  /** addresses instances get: after the gateway, before the broadcast */
  pool: { start: string; end: string };
  vlan: number | null;
  bridge: string;
  bridgeInterface: string | null;
}

export interface NetworkPlan {
  request: NetworkCreateRequest;
  /** the part of the range the networks cover, for the overlap check */
  covered: { first: bigint; last: bigint };
  networks: PlannedNetwork[];
  dns: string[];
}

export const VLAN_MIN = 1;
export const VLAN_MAX = 4094;
/** A Linux interface name: at most 15 characters, no '/', no whitespace. */
const IFNAME = /^[^\s/:]{1,15}$/;

const isPowerOfTwo = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

export function planNetworks(req: NetworkCreateRequest): NetworkPlan {
  if (!req.label?.trim()) throw InvalidNovaArgument({ option: '--label', msg: 'a label is required (e.g. --label private)' });
  const range = parseCidr(req.fixedRangeV4 ?? '');
  if (!req.fixedRangeV4 || !range || range.version !== 4 || !req.fixedRangeV4.includes('/')) {
    throw InvalidNovaArgument({ option: '--fixed_range_v4', msg: `'${req.fixedRangeV4 ?? ''}' is not an IPv4 range in CIDR form (e.g. 10.0.0.0/16)` });
  }
  if (range.hostBitsSet) throw InvalidNovaArgument({ option: '--fixed_range_v4', msg: `${req.fixedRangeV4} has host bits set; did you mean ${formatCidr(range)}?` });
  if (!Number.isInteger(req.numNetworks) || req.numNetworks < 1) throw InvalidNovaArgument({ option: '--num_networks', msg: `must be a whole number of at least 1, not ${req.numNetworks}` });
  if (!isPowerOfTwo(req.networkSize)) throw InvalidNovaArgument({ option: '--network_size', msg: `${req.networkSize} is not a power of two (e.g. 64, 256)` });
  if (req.networkSize < 4) throw InvalidNovaArgument({ option: '--network_size', msg: `${req.networkSize} leaves no address for instances: at least 4 (network, gateway, one instance, broadcast)` });
  const rangeSize = 2 ** (32 - range.prefixlen);
  if (req.networkSize > rangeSize) {
    throw InvalidNovaArgument({ option: '--network_size', msg: `${req.networkSize} is larger than --fixed_range_v4 ${req.fixedRangeV4} (${rangeSize} addresses)` });
  }
  if (req.numNetworks * req.networkSize > rangeSize) {
    throw InvalidNovaArgument({
      option: '--num_networks',
      msg: `${req.numNetworks} networks of ${req.networkSize} addresses need ${req.numNetworks * req.networkSize}; ${req.fixedRangeV4} has ${rangeSize}`,
    });
  }
  const dns = [req.dns1, req.dns2].filter((d): d is string => !!d);
  for (const [i, d] of dns.entries()) {
    const ip = parseIp(d);
    if (ip?.version !== 4) throw InvalidNovaArgument({ option: `--dns${i + 1}`, msg: `'${d}' is not an IPv4 address` });
  }
  for (const [option, name] of [
    ['--bridge', req.bridge],
    ['--bridge_interface', req.bridgeInterface],
  ] as const) {
    if (name && !IFNAME.test(name)) throw InvalidNovaArgument({ option, msg: `'${name}' is not a Linux interface name (1-15 characters, no '/', ':' or spaces)` });
  }

  let vlanStart: number | null = null;
  if (req.mode === 'vlan') {
    vlanStart = req.vlanStart ?? 100;
    if (!Number.isInteger(vlanStart) || vlanStart < VLAN_MIN || vlanStart > VLAN_MAX) {
      throw InvalidNovaArgument({ option: '--vlan_start', msg: `${vlanStart} is outside ${VLAN_MIN}-${VLAN_MAX}` });
    }
    if (vlanStart + req.numNetworks - 1 > VLAN_MAX) {
      throw InvalidNovaArgument({
        option: '--vlan_start',
        msg: `${req.numNetworks} networks from VLAN ${vlanStart} would end at VLAN ${vlanStart + req.numNetworks - 1}, beyond ${VLAN_MAX}`,
      });
    }
    if (!req.bridgeInterface)
      throw InvalidNovaArgument({ option: '--bridge_interface', msg: 'VLAN networks need the interface their VLANs ride on: pass --bridge_interface or set [DEFAULT] vlan_interface' });
    if (req.bridge && req.numNetworks > 1) {
      throw InvalidNovaArgument({ option: '--bridge', msg: `names one bridge, but each of the ${req.numNetworks} VLAN networks gets its own (br<vlan>): leave --bridge out` });
    }
    if (req.bridge && req.bridge === req.bridgeInterface) throw InvalidNovaArgument({ option: '--bridge', msg: 'must differ from --bridge_interface' });
  } else {
    if (req.vlanStart !== null && req.vlanStart !== undefined) throw InvalidNovaArgument({ option: '--vlan_start', msg: `only VLAN networks have VLANs; this is ${req.mode} mode` });
    if (!req.bridge) throw InvalidNovaArgument({ option: '--bridge', msg: `${req.mode} networks need the bridge instances plug into: pass --bridge or set [DEFAULT] flat_network_bridge` });
    if (req.numNetworks > 1) {
      throw InvalidNovaArgument({ option: '--num_networks', msg: `${req.mode} mode makes one network per bridge (${req.bridge}); make one, or use VLAN mode for a pool of networks` });
    }
    if (req.bridgeInterface && req.bridge === req.bridgeInterface) throw InvalidNovaArgument({ option: '--bridge_interface', msg: 'must differ from --bridge' });
  }

  const size = BigInt(req.networkSize);
  const prefixlen = 32 - Math.log2(req.networkSize);
  const networks: PlannedNetwork[] = [];
  for (let i = 0; i < req.numNetworks; i++) {
    const network = range.network + BigInt(i) * size;
    const vlan = vlanStart === null ? null : vlanStart + i;
    networks.push({
      label: req.numNetworks > 1 ? `${req.label}_${i}` : req.label,
      cidr: `${formatIp(4, network)}/${prefixlen}`,
      gateway: formatIp(4, network + 1n),
      pool: { start: formatIp(4, network + 2n), end: formatIp(4, network + size - 2n) },
      vlan,
      bridge: vlan === null ? req.bridge! : (req.bridge ?? `br${vlan}`),
      bridgeInterface: req.bridgeInterface ?? null,
    });
  }
  return { request: req, covered: { first: range.network, last: range.network + BigInt(req.numNetworks) * size - 1n }, networks, dns };
}
