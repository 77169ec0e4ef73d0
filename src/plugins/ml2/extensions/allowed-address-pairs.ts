// allowed-address-pairs: extra MAC/IP pairs a port may send from (stored with the port).
import { AddressPairAndPortSecurityRequired, AllowedAddressPairExhausted, DuplicateAddressPairInRequest } from '../../../api/errors.js';
import * as v from '../../../api/validators.js';
import { jsonColumn } from '../../../common/json.js';
import type { Services } from '../../services.js';
import type { PortExtensionDriver } from './extension-driver.js';

interface AddressPair {
  ip_address: string;
  mac_address?: string;
}

export const allowedAddressPairsDriver = (s: Services): PortExtensionDriver => {
  const max = s.config.int('DEFAULT', 'max_allowed_address_pair');
  /** Fills in each pair's MAC (the port's when not given) and refuses duplicates. */
  const check = (pairs: AddressPair[], mac: string): AddressPair[] => {
    if (pairs.length > max) throw AllowedAddressPairExhausted({ quota: max });
    const seen = new Set<string>();
    return pairs.map((p) => {
      const full = { ip_address: p.ip_address, mac_address: p.mac_address ?? mac };
      const key = `${full.mac_address}|${full.ip_address}`;
      if (seen.has(key)) throw DuplicateAddressPairInRequest({ mac: full.mac_address, ip: full.ip_address });
      seen.add(key);
      return full;
    });
  };
  return {
    name: 'allowed_address_pairs',
    aliases: ['allowed-address-pairs'],
    attributes: [
      {
        name: 'allowed_address_pairs',
        post: true,
        put: true,
        default: [],
        extension: 'allowed-address-pairs',
        validate: v.list(v.dict({ ip_address: { required: true, validate: v.ipOrCidr }, mac_address: { validate: v.macAddress } })),
      },
    ],
    processCreate(draft, item) {
      const pairs = check((item.allowed_address_pairs as AddressPair[] | undefined) ?? [], draft.row.mac_address);
      if (pairs.length && !draft.portSecurity) throw AddressPairAndPortSecurityRequired({});
      draft.row.allowed_address_pairs = JSON.stringify(pairs);
    },
    processUpdate(draft, changes, current) {
      let pairs = jsonColumn<AddressPair[]>(current.allowed_address_pairs, []);
      if ('allowed_address_pairs' in changes) pairs = check(changes.allowed_address_pairs as AddressPair[], draft.row.mac_address);
      if (pairs.length && !draft.portSecurity) throw AddressPairAndPortSecurityRequired({});
      draft.set.allowed_address_pairs = JSON.stringify(pairs);
    },
    extend: () => (row, port) => {
      port.allowed_address_pairs = jsonColumn<AddressPair[]>(row.allowed_address_pairs, []);
    },
  };
};
