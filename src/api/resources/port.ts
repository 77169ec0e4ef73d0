import { PortNotFound } from '../errors.js';
import { NOT_SPECIFIED, type ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, nameAttr, projectAttrs, standardAttrs } from './common.js';

/** binding:vnic_type values (neutron-lib portbindings) */
export const VNIC_TYPES = [
  'normal',
  'direct',
  'macvtap',
  'baremetal',
  'direct-physical',
  'virtio-forwarder',
  'smart-nic',
  'vdpa',
  'remote-managed',
  'accelerator-direct',
  'accelerator-direct-physical',
];

const fixedIp = v.dict({ subnet_id: { validate: v.uuid }, ip_address: { validate: v.ipAddress } });

/**
 * The core plugin's port; extension drivers add their attributes (port_security_enabled,
 * allowed_address_pairs, extra_dhcp_opts …: src/plugins/ml2/extensions/).
 */
export const portDef: ResourceDef = {
  collection: 'ports',
  member: 'port',
  path: 'ports',
  table: 'ports',
  notFound: (id) => PortNotFound({ id }),
  taggable: true,
  bulk: true,
  extraFilters: ['fixed_ips', 'security_groups', 'binding:host_id', 'binding:vif_type', 'binding:vnic_type'],
  attributes: [
    idAttr,
    nameAttr,
    ...projectAttrs,
    { name: 'network_id', post: true, put: false, validate: v.uuid, column: 'network_id', filter: 'string', sort: true },
    { name: 'admin_state_up', post: true, put: true, default: true, validate: v.boolean, column: 'admin_state_up', filter: 'bool', sort: true },
    // port-mac-address-regenerate: null asks for a new generated MAC (neutron-lib's convert_to_mac_if_none)
    { name: 'mac_address', post: true, put: true, default: NOT_SPECIFIED, validate: (x) => (x === null ? NOT_SPECIFIED : v.macAddress(x)), column: 'mac_address', filter: 'string', sort: true },
    { name: 'fixed_ips', post: true, put: true, default: NOT_SPECIFIED, validate: v.list(fixedIp) },
    { name: 'device_id', post: true, put: true, default: '', validate: v.string(255), column: 'device_id', filter: 'string', sort: true },
    { name: 'device_owner', post: true, put: true, default: '', validate: v.string(255), column: 'device_owner', filter: 'string', sort: true },
    { name: 'status', post: false, put: false, column: 'status', filter: 'string', sort: true },
    { name: 'security_groups', post: true, put: true, default: NOT_SPECIFIED, validate: v.list(v.uuid, { unique: true }), extension: 'security-group' },
    // binding: where the port lives and how its host plugs it (src/plugins/ml2/port-binding.ts)
    { name: 'binding:host_id', post: true, put: true, default: '', validate: v.string(255), extension: 'binding' },
    { name: 'binding:vnic_type', post: true, put: true, default: 'normal', validate: v.oneOf(VNIC_TYPES), extension: 'binding' },
    { name: 'binding:profile', post: true, put: true, default: {}, validate: v.freeDict, extension: 'binding' },
    { name: 'binding:vif_type', post: false, put: false, extension: 'binding' },
    { name: 'binding:vif_details', post: false, put: false, extension: 'binding' },
    ...standardAttrs,
  ],
};
