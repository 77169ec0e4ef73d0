// dns ([ml2] extension_drivers; dns-integration): a port's dns_name and the dns_assignment it
// gets — per fixed IP its hostname (the dns_name, or host-<ip>) and FQDN under
// [DEFAULT] dns_domain — which the DHCP agents hand out and resolve (dnsmasq's host files).
// As Neutron: while dns_domain is the default 'openstacklocal', dns_name is not taken (ports
// show '' and host-<ip> names); a dns_name given as a FQDN must end with dns_domain.
import { InvalidInput } from '../../../api/errors.js';
import * as v from '../../../api/validators.js';
import type { ApiObject } from '../../../api/resource.js';
import type { Services } from '../../services.js';
import type { PortExtensionDriver } from './extension-driver.js';
import { hostNameOf } from '../../../contract/dhcp.js';

const DEFAULT_DOMAIN = 'openstacklocal.';

/** [DEFAULT] dns_domain with its trailing dot ('' when unset). */
export function dnsDomainOf(s: Services): string {
  const d = s.config.str('DEFAULT', 'dns_domain');
  return !d ? '' : d.endsWith('.') ? d : `${d}.`;
}

/** dns_assignment of a port: one entry per fixed IP. */
export function dnsAssignment(fixedIps: { ip_address: string }[], dnsName: string, domain: string): { ip_address: string; hostname: string; fqdn: string }[] {
  return fixedIps.map(({ ip_address }) => {
    if (dnsName) return { ip_address, hostname: dnsName, fqdn: dnsName.endsWith('.') ? dnsName : `${dnsName}.${domain}` };
    const hostname = hostNameOf(ip_address);
    return { ip_address, hostname, fqdn: domain ? `${hostname}.${domain}` : hostname };
  });
}

export const dnsDriver = (s: Services): PortExtensionDriver => {
  const domain = dnsDomainOf(s);
  const honoured = domain !== '' && domain !== DEFAULT_DOMAIN;
  /** The dns_name to store: '' while the domain is the default; a FQDN must end in the domain. */
  const accept = (name: string): string => {
    if (!honoured || !name) return '';
    if (name.endsWith('.')) {
      if (name.length <= domain.length + 1 || !name.endsWith(`.${domain}`)) {
        throw InvalidInput({
          msg: `The dns_name passed is a FQDN. Its higher level labels must be equal to the dns_domain option in neutron.conf, that has been set to '${domain}'. It must also include one or more valid DNS labels to the left of '${domain}'`,
        });
      }
    } else if (name.length + domain.length + 1 > v.FQDN_MAX) {
      throw InvalidInput({
        msg: `The dns_name passed is a PQDN and its size is '${name.length}'. The dns_domain option in neutron.conf is set to ${domain}: together they exceed the maximum FQDN size of '${v.FQDN_MAX}'`,
      });
    }
    return name;
  };
  return {
    name: 'dns',
    aliases: ['dns-integration'],
    attributes: [
      { name: 'dns_name', post: true, put: true, default: '', validate: v.dnsName, column: 'dns_name', filter: 'string', extension: 'dns-integration' },
      { name: 'dns_assignment', post: false, put: false, extension: 'dns-integration' },
    ],
    processCreate(draft, item) {
      draft.row.dns_name = accept((item.dns_name as string) ?? '');
    },
    processUpdate(draft, changes) {
      if ('dns_name' in changes) draft.set.dns_name = accept(changes.dns_name as string);
    },
    extend: () => (row, port: ApiObject) => {
      port.dns_name = row.dns_name ?? '';
      port.dns_assignment = dnsAssignment((port.fixed_ips as { ip_address: string }[] | undefined) ?? [], row.dns_name ?? '', domain);
    },
  };
};
