// The errors of nova-network's commands, declared once, with nova's exception names as the
// type (the compute API will answer with them too). Wording is Neutrino's own.
import { NeutronError } from '../../api/errors.js';

const declare =
  <A>(type: string, status: number, template: (a: A) => string) =>
  (args: A) =>
    new NeutronError(type, status, template(args));

/** A command option with a value that cannot work; `option` is the flag as typed. */
export const InvalidNovaArgument = declare<{ option: string; msg: string }>('InvalidInput', 400, (a) => `${a.option}: ${a.msg}`);
export const CidrConflict = declare<{ cidr: string; other: string; network: string }>(
  'CidrConflict',
  409,
  (a) => `the requested range ${a.cidr} overlaps ${a.other}, a subnet of network ${a.network}: choose a free range (neutrino-manage network list shows the taken ones)`,
);
export const VlanConflict = declare<{ vlan: number; interface: string; network: string }>(
  'VlanIdInUse',
  409,
  (a) => `VLAN ${a.vlan} on ${a.interface} is already network ${a.network}'s: choose another --vlan_start (neutrino-manage network list shows the VLANs in use)`,
);
export const BridgeConflict = declare<{ bridge: string; network: string }>(
  'NovaNetworkBridgeInUse',
  409,
  (a) => `bridge ${a.bridge} already carries network ${a.network}: one network per bridge; pass another --bridge`,
);
export const NetworkNotFoundForCidr = declare<{ cidr: string }>('NetworkNotFoundForCidr', 404, (a) => `no nova-network network has the range ${a.cidr} (neutrino-manage network list shows them)`);
export const NetworkStillAssociated = declare<{ cidr: string; project: string }>(
  'NetworkInUse',
  409,
  (a) => `network ${a.cidr} belongs to project ${a.project}: disassociate it first (neutrino-manage network modify ${a.cidr} --disassociate-project)`,
);
export const NetworkHasInstances = declare<{ cidr: string; ports: number }>('NetworkInUse', 409, (a) => `network ${a.cidr} still has ${a.ports} instance port(s): delete the instances on it first`);
export const FixedIpNotFoundForAddress = declare<{ address: string }>('FixedIpNotFoundForAddress', 404, (a) => `${a.address} is in no nova-network network's range`);
export const FixedIpNotReservable = declare<{ address: string; why: string }>('FixedIpInvalid', 409, (a) => `${a.address} cannot be reserved: ${a.why}`);
export const FixedIpNotReserved = declare<{ address: string }>(
  'FixedIpNotFoundForAddress',
  404,
  (a) => `${a.address} is not reserved (neutrino-manage fixed reserve --address ${a.address} reserves it)`,
);
export const FloatingRangeConflict = declare<{ range: string; other: string; pool: string }>(
  'FloatingIpExists',
  409,
  (a) => `floating range ${a.range} overlaps ${a.other}${a.pool ? ` of pool ${a.pool}` : ''}: choose a free range`,
);
export const FloatingRangeNotFound = declare<{ range: string }>('FloatingIpNotFound', 404, (a) => `no floating range ${a.range} (neutrino-manage floating list shows the pools' addresses)`);
export const FloatingRangeInUse = declare<{ range: string; count: number }>(
  'FloatingIpAssociated',
  409,
  (a) => `floating range ${a.range} still has ${a.count} allocated address(es): release them first (openstack floating ip delete)`,
);
