// Neutron's exception types of segments (neutron/extensions/segment.py, neutron_lib
// exceptions/segment? kept in neutron's services/segments/exceptions.py), with their statuses.
// Beside errors.ts in its shape, as errors-subnet-allocation.ts.
import { NeutronError } from './errors.js';

function declare<A>(type: string, status: number, template: (args: A) => string) {
  return (args: A, detail = '') => new NeutronError(type, status, template(args), detail);
}

// 400
export const NetworkIdsDontMatch = declare<{ subnet_network: string; segment_id: string }>(
  'NetworkIdsDontMatch',
  400,
  (a) => `The subnet's network id, '${a.subnet_network}', doesn't match the segment_id '${a.segment_id}'`,
);
export const SubnetsNotAllAssociatedWithSegments = declare<{ network_id: string }>(
  'SubnetsNotAllAssociatedWithSegments',
  400,
  (a) => `All of the subnets on network '${a.network_id}' must either all be associated with segments or all not associated with any segment.`,
);
export const SubnetSegmentAssociationChangeNotAllowed = declare<Record<string, never>>(
  'SubnetSegmentAssociationChangeNotAllowed',
  400,
  () => 'A subnet that is already associated with a segment cannot have its segment association changed.',
);
export const NoUpdateSubnetWhenMultipleSegmentsOnNetwork = declare<{ network_id: string }>(
  'NoUpdateSubnetWhenMultipleSegmentsOnNetwork',
  400,
  (a) => `The network '${a.network_id}' has multiple segments, it is only possible to associate an existing subnet with a segment if the network has a single segment.`,
);
export const HostNotConnectedToAnySegment = declare<{ host: string; network_id: string }>(
  'HostNotConnectedToAnySegment',
  400,
  (a) => `Host ${a.host} is not connected to any segments on routed provider network '${a.network_id}'.  It should be connected to one.`,
);
export const HostConnectedToMultipleSegments = declare<{ host: string; network_id: string }>(
  'HostConnectedToMultipleSegments',
  400,
  (a) => `Host ${a.host} is connected to multiple segments on routed provider network '${a.network_id}'.  It should be connected to one.`,
);

// 404
export const SegmentNotFound = declare<{ segment_id: string }>('SegmentNotFound', 404, (a) => `Segment ${a.segment_id} could not be found.`);

// 409
export const SegmentInUse = declare<{ segment_id: string; reason: string }>('SegmentInUse', 409, (a) => `Segment '${a.segment_id}' cannot be deleted while it is in use. ${a.reason}`);
