// [securitygroup] firewall_driver = noop (or enable_security_group = false): ports are not
// filtered at all, as with Neutron's NoopFirewallDriver.
import type { PortFirewall } from './port-firewall.js';

export class NoopFirewall implements PortFirewall {
  async update(): Promise<void> {}
  async remove(): Promise<void> {}
  async sync(): Promise<void> {}
  async close(): Promise<void> {}
}
