import { FloatingIPNotFound } from '../errors.js';
import type { ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, projectAttrs, standardAttrs } from './common.js';

export const floatingIpDef: ResourceDef = {
  collection: 'floatingips',
  member: 'floatingip',
  path: 'floatingips',
  table: 'floatingips',
  notFound: (id) => FloatingIPNotFound({ floatingip_id: id }),
  taggable: true,
  bulk: true,
  attributes: [
    idAttr,
    ...projectAttrs,
    { name: 'floating_ip_address', post: true, put: false, default: null, validate: v.nullableIpAddress, column: 'floating_ip_address', filter: 'string', sort: true },
    // input only: the external subnet to take the address from
    { name: 'subnet_id', post: true, put: false, default: null, validate: v.nullableUuid },
    { name: 'floating_network_id', post: true, put: false, validate: v.uuid, column: 'floating_network_id', filter: 'string', sort: true },
    { name: 'router_id', post: false, put: false, column: 'router_id', filter: 'string', sort: true },
    { name: 'port_id', post: true, put: true, default: null, validate: v.nullableUuid, column: 'fixed_port_id', filter: 'string' },
    { name: 'fixed_ip_address', post: true, put: true, default: null, validate: v.nullableIpAddress, column: 'fixed_ip_address', filter: 'string', sort: true },
    { name: 'status', post: false, put: false, column: 'status', filter: 'string', sort: true },
    { name: 'port_details', post: false, put: false, extension: 'fip-port-details' },
    ...standardAttrs,
  ],
};
