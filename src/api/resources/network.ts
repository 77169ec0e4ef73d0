import { NetworkNotFound } from '../errors.js';
import { NOT_SPECIFIED, type ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, nameAttr, projectAttrs, standardAttrs } from './common.js';

export const networkDef: ResourceDef = {
  collection: 'networks',
  member: 'network',
  path: 'networks',
  table: 'networks',
  notFound: (id) => NetworkNotFound({ id }),
  taggable: true,
  bulk: true,
  extraFilters: ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'],
  attributes: [
    idAttr,
    nameAttr,
    ...projectAttrs,
    { name: 'admin_state_up', post: true, put: true, default: true, validate: v.boolean, column: 'admin_state_up', filter: 'bool', sort: true },
    { name: 'status', post: false, put: false, column: 'status', filter: 'string', sort: true },
    { name: 'subnets', post: false, put: false },
    { name: 'shared', post: true, put: true, default: false, validate: v.boolean, column: 'shared', filter: 'bool', sort: true },
    { name: 'router:external', post: true, put: true, default: false, validate: v.boolean, column: 'router_external', filter: 'bool', sort: true, extension: 'external-net' },
    { name: 'mtu', post: true, put: true, default: NOT_SPECIFIED, validate: v.integer(68, 65535), column: 'mtu', filter: 'int', sort: true, extension: 'net-mtu' },
    { name: 'port_security_enabled', post: true, put: true, default: true, validate: v.boolean, column: 'port_security_enabled', filter: 'bool', extension: 'port-security' },
    // provider and multi-provider: admins choose a network's segments (src/plugins/ml2/types)
    { name: 'provider:network_type', post: true, put: true, default: NOT_SPECIFIED, validate: v.string(32), extension: 'provider' },
    { name: 'provider:physical_network', post: true, put: true, default: NOT_SPECIFIED, validate: v.nullableString(64), extension: 'provider' },
    { name: 'provider:segmentation_id', post: true, put: true, default: NOT_SPECIFIED, validate: v.nullableInteger(0, 2 ** 31 - 1), extension: 'provider' },
    {
      name: 'segments',
      post: true,
      put: true,
      default: NOT_SPECIFIED,
      extension: 'multi-provider',
      validate: v.list(
        v.dict({
          'provider:network_type': { required: true, validate: v.string(32) },
          'provider:physical_network': { validate: v.nullableString(64) },
          'provider:segmentation_id': { validate: v.nullableInteger(0, 2 ** 31 - 1) },
        }),
        { max: 16 },
      ),
    },
    { name: 'dns_domain', post: true, put: true, default: '', validate: v.dnsDomain, column: 'dns_domain', filter: 'string', sort: true, extension: 'dns-integration' },
    { name: 'is_default', post: true, put: true, default: false, validate: v.boolean, column: 'is_default', filter: 'bool', sort: true, extension: 'auto-allocated-topology' },
    { name: 'availability_zone_hints', post: true, put: false, default: [], validate: v.availabilityZoneHints, extension: 'network_availability_zone' },
    { name: 'availability_zones', post: false, put: false, extension: 'network_availability_zone' },
    ...standardAttrs,
  ],
};
