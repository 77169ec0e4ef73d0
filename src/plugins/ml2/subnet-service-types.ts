// subnet-service-types: a subnet may serve only some device owners (a subnet of public
// addresses for floating IPs and router gateways, say). Ports take addresses from the subnets
// that name their device owner first, then from subnets that name none; a subnet that names
// others is not theirs (Neutron's IPAM candidate subnets).
import { IpAddressGenerationFailureNoMatchingSubnet } from '../../api/errors.js';
import { jsonColumn } from '../../common/json.js';
import type { SubnetTable } from '../../db/schema.js';

export const serviceTypesOf = (row: Pick<SubnetTable, 'service_types'>): string[] => jsonColumn<string[]>(row.service_types ?? null, []);

export const serviceTypesColumn = (types: string[] | undefined): string | null => (types?.length ? JSON.stringify(types) : null);

/** A LIKE pattern (escape '!') matching a JSON list that holds the string `value`. */
export const likeJsonString = (value: string): string => `%${JSON.stringify(value).replace(/[!%_]/g, (c) => `!${c}`)}%`;

/**
 * The subnets a port with this device owner may take addresses from: those naming the owner
 * first, then those naming no owner (network order kept within each). A network whose
 * subnets all serve other owners → 409 IpAddressGenerationFailureNoMatchingSubnet.
 */
export function subnetsForOwner(subnets: SubnetTable[], networkId: string, deviceOwner: string): SubnetTable[] {
  if (!subnets.some((s) => s.service_types)) return subnets;
  const named: SubnetTable[] = [];
  const open: SubnetTable[] = [];
  for (const s of subnets) {
    const types = serviceTypesOf(s);
    if (!types.length) open.push(s);
    else if (types.includes(deviceOwner)) named.push(s);
  }
  if (!named.length && !open.length) throw IpAddressGenerationFailureNoMatchingSubnet({ network_id: networkId, service_type: deviceOwner });
  return [...named, ...open];
}
