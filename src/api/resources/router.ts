import { RouterNotFound } from '../errors.js';
import { NOT_SPECIFIED, type ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, nameAttr, projectAttrs, standardAttrs } from './common.js';

const gatewayInfo = v.dict({
  network_id: { required: true, validate: v.uuid },
  // ext-gw-mode
  enable_snat: { validate: v.boolean },
  external_fixed_ips: { validate: v.list(v.dict({ subnet_id: { validate: v.uuid }, ip_address: { validate: v.ipAddress } })) },
});

/** neutron-lib's dict_or_nodata: null or {} clears the gateway. */
const gatewayInfoOrNone: v.Validator = (x) => {
  if (x === null) return null;
  if (x !== null && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 0) return null;
  return gatewayInfo(x);
};

/** extraroute: null means no routes, as neutron-lib's convert_none_to_empty_list. */
const routes: v.Validator = (x) =>
  x === null ? [] : v.list(v.dict({ destination: { required: true, validate: v.subnetCidr }, nexthop: { required: true, validate: v.ipAddress } }), { unique: true })(x);

export const routerDef: ResourceDef = {
  collection: 'routers',
  member: 'router',
  path: 'routers',
  table: 'routers',
  notFound: (id) => RouterNotFound({ router_id: id }),
  taggable: true,
  bulk: true,
  attributes: [
    idAttr,
    nameAttr,
    ...projectAttrs,
    { name: 'admin_state_up', post: true, put: true, default: true, validate: v.boolean, column: 'admin_state_up', filter: 'bool', sort: true },
    { name: 'status', post: false, put: false, column: 'status', filter: 'string', sort: true },
    { name: 'external_gateway_info', post: true, put: true, default: null, validate: gatewayInfoOrNone },
    { name: 'routes', post: false, put: true, default: NOT_SPECIFIED, validate: routes, extension: 'extraroute' },
    { name: 'availability_zone_hints', post: true, put: false, default: [], validate: v.availabilityZoneHints, extension: 'router_availability_zone' },
    { name: 'availability_zones', post: false, put: false, extension: 'router_availability_zone' },
    // l3-ha: admin-only (policy); not given, it is [DEFAULT] l3_ha
    { name: 'ha', post: true, put: true, default: NOT_SPECIFIED, validate: v.boolean, column: 'ha', filter: 'bool', extension: 'l3-ha' },
    ...standardAttrs,
  ],
};
