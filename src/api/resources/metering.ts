// metering: /v2.0/metering/metering-labels and /v2.0/metering/metering-label-rules
// (neutron-lib's api/definitions/metering.py, metering_source_and_destination_fields.py).
// Neither has an update, as in Neutron.
import { NeutronError } from '../errors.js';
import type { ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, nameAttr, projectAttrs } from './common.js';

export const MeteringLabelNotFound = (id: string): NeutronError => new NeutronError('MeteringLabelNotFound', 404, `Metering label ${id} does not exist.`);
export const MeteringLabelRuleNotFound = (id: string): NeutronError => new NeutronError('MeteringLabelRuleNotFound', 404, `Metering label rule ${id} does not exist.`);

const cidrOrNull: v.Validator = (x) => (x === null ? null : v.subnetCidr(x));

export const meteringLabelDef: ResourceDef = {
  collection: 'metering_labels',
  member: 'metering_label',
  path: 'metering/metering-labels',
  table: 'meteringlabels',
  notFound: MeteringLabelNotFound,
  taggable: false,
  bulk: false,
  attributes: [
    idAttr,
    ...projectAttrs,
    nameAttr,
    { name: 'description', post: true, put: false, default: '', validate: v.string(1024), column: 'description', filter: 'string', sort: true },
    { name: 'shared', post: true, put: false, default: false, validate: v.boolean, column: 'shared', filter: 'bool', sort: true },
  ],
};

export const meteringLabelRuleDef: ResourceDef = {
  collection: 'metering_label_rules',
  member: 'metering_label_rule',
  path: 'metering/metering-label-rules',
  table: 'meteringlabelrules',
  notFound: MeteringLabelRuleNotFound,
  taggable: false,
  bulk: false,
  attributes: [
    idAttr,
    ...projectAttrs,
    { name: 'metering_label_id', post: true, put: false, validate: v.uuid, column: 'metering_label_id', filter: 'string', sort: true },
    { name: 'direction', post: true, put: false, default: 'ingress', validate: v.oneOf(['ingress', 'egress']), column: 'direction', filter: 'string', sort: true },
    { name: 'remote_ip_prefix', post: true, put: false, default: null, validate: cidrOrNull, column: 'remote_ip_prefix', filter: 'string', sort: true },
    {
      name: 'source_ip_prefix',
      post: true,
      put: false,
      default: null,
      validate: cidrOrNull,
      column: 'source_ip_prefix',
      filter: 'string',
      sort: true,
      extension: 'metering_source_and_destination_fields',
    },
    {
      name: 'destination_ip_prefix',
      post: true,
      put: false,
      default: null,
      validate: cidrOrNull,
      column: 'destination_ip_prefix',
      filter: 'string',
      sort: true,
      extension: 'metering_source_and_destination_fields',
    },
    { name: 'excluded', post: true, put: false, default: false, validate: v.boolean, column: 'excluded', filter: 'bool', sort: true },
  ],
};
