// Picks the port firewall from [securitygroup] (Neutron's firewall_driver option).
import type { Logger } from 'pino';
import { NftablesFirewall } from './nftables-firewall.js';
import { NoopFirewall } from './noop-firewall.js';
import type { PortFirewall } from './port-firewall.js';

export type { PortFirewall } from './port-firewall.js';

export function createFirewall(driver: string, enabled: boolean, opts: { netns: string | null; log: Logger }): PortFirewall {
  if (!enabled || driver === 'noop') return new NoopFirewall();
  if (driver === 'nftables') return new NftablesFirewall(opts);
  if (driver === 'openvswitch') throw new Error('[securitygroup] firewall_driver = openvswitch filters Open vSwitch ports (neutrino agent openvswitch); the Linux bridge agent uses nftables or noop');
  throw new Error(`[securitygroup] firewall_driver = ${driver} is not known: use nftables or noop`);
}
