// segment + standard-attr-segment: /v2.0/segments (neutron-lib's api/definitions/segment.py and
// standard_attr_segment.py), and what segment adds to subnets: segment_id.
import { SegmentNotFound } from '../errors-segments.js';
import { NOT_SPECIFIED, type Attribute, type ResourceDef } from '../resource.js';
import * as v from '../validators.js';
import { idAttr, projectAttrs, standardAttrs } from './common.js';

export const segmentDef: ResourceDef = {
  collection: 'segments',
  member: 'segment',
  path: 'segments',
  table: 'networksegments',
  notFound: (id) => SegmentNotFound({ segment_id: id }),
  taggable: true,
  bulk: true,
  attributes: [
    idAttr,
    // given on create (and the owner a policy rule may name); not shown, as Neutron's
    ...projectAttrs.map((a) => ({ ...a, filter: undefined, sort: false })),
    { name: 'network_id', post: true, put: false, validate: v.uuid, column: 'network_id', filter: 'string', sort: true },
    { name: 'name', post: true, put: true, default: null, validate: v.nullableString(255), column: 'name', filter: 'string', sort: true },
    { name: 'network_type', post: true, put: false, validate: v.string(32), column: 'network_type', filter: 'string', sort: true },
    { name: 'physical_network', post: true, put: false, default: NOT_SPECIFIED, validate: v.nullableString(64), column: 'physical_network', filter: 'string', sort: true },
    { name: 'segmentation_id', post: true, put: false, default: NOT_SPECIFIED, validate: v.nullableInteger(0, 2 ** 31 - 1), column: 'segmentation_id', filter: 'int', sort: true },
    ...standardAttrs.map((a) => (a.name === 'description' ? { ...a, extension: 'standard-attr-segment' } : { ...a, extension: 'standard-attr-segment' })),
  ],
};

/** segment's attribute of subnets: the segment of a routed network the subnet is on. */
export const SUBNET_SEGMENT_ATTR: Attribute = {
  name: 'segment_id',
  post: true,
  put: true,
  default: null,
  validate: v.nullableUuid,
  column: 'segment_id',
  filter: 'string',
  sort: true,
  extension: 'segment',
};
