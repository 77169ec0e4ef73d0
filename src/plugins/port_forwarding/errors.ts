// Neutron's port forwarding exceptions (neutron/services/portforwarding/common/exceptions.py).
import { NeutronError } from '../../api/errors.js';

export { PortForwardingNotFound } from '../../api/resources/port-forwarding.js';

export const FipInUseByPortForwarding = (id: string): NeutronError => new NeutronError('FipInUseByPortForwarding', 409, `Floating IP ${id} in use by Port Forwarding resources.`);

export const PortHasBindingFloatingIP = (a: { floating_ip_address: string; fip_id: string; port_id: string; fixed_ip: string }): NeutronError =>
  new NeutronError(
    'PortHasBindingFloatingIP',
    409,
    `Cannot create port forwarding to floating IP ${a.floating_ip_address} (${a.fip_id}) with port ${a.port_id} using fixed IP ${a.fixed_ip}, as that port already has a binding floating IP.`,
  );
