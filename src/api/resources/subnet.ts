import { SubnetNotFound } from '../errors.js';
import { NOT_SPECIFIED, type ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, nameAttr, projectAttrs, standardAttrs } from './common.js';

const IPV6_MODES = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless', null] as const;

export const subnetDef: ResourceDef = {
  collection: 'subnets',
  member: 'subnet',
  path: 'subnets',
  table: 'subnets',
  notFound: (id) => SubnetNotFound({ id }),
  taggable: true,
  // Neutron's subnet `shared`: a filter (from the network), never shown
  extraFilters: ['shared', 'service_types'],
  bulk: true,
  attributes: [
    idAttr,
    nameAttr,
    ...projectAttrs,
    { name: 'network_id', post: true, put: false, validate: v.uuid, column: 'network_id', filter: 'string', sort: true },
    { name: 'ip_version', post: true, put: false, validate: v.oneOf([4, 6, '4', '6'] as unknown as string[]), column: 'ip_version', filter: 'int', sort: true },
    { name: 'cidr', post: true, put: false, validate: v.subnetCidr, column: 'cidr', filter: 'string', sort: true },
    { name: 'gateway_ip', post: true, put: true, default: NOT_SPECIFIED, validate: v.nullableIpAddress, column: 'gateway_ip', filter: 'string', sort: true },
    {
      name: 'allocation_pools',
      post: true,
      put: true,
      default: NOT_SPECIFIED,
      validate: v.list(v.dict({ start: { required: true, validate: v.ipAddress }, end: { required: true, validate: v.ipAddress } })),
    },
    { name: 'dns_nameservers', post: true, put: true, default: [], validate: v.list(v.ipAddress, { unique: true }) },
    {
      name: 'host_routes',
      post: true,
      put: true,
      default: [],
      validate: v.list(v.dict({ destination: { required: true, validate: v.subnetCidr }, nexthop: { required: true, validate: v.ipAddress } }), { unique: true }),
    },
    { name: 'enable_dhcp', post: true, put: true, default: true, validate: v.boolean, column: 'enable_dhcp', filter: 'bool', sort: true },
    { name: 'ipv6_ra_mode', post: true, put: false, default: null, validate: v.oneOf(IPV6_MODES), column: 'ipv6_ra_mode', filter: 'string', sort: true },
    { name: 'ipv6_address_mode', post: true, put: false, default: null, validate: v.oneOf(IPV6_MODES), column: 'ipv6_address_mode', filter: 'string', sort: true },
    { name: 'service_types', post: true, put: true, default: [], validate: v.subnetServiceTypes, extension: 'subnet-service-types' },
    { name: 'subnetpool_id', post: true, put: false, default: null, validate: (x) => (x === null ? null : v.uuid(x)) },
    ...standardAttrs,
  ],
};
