// port_security: whether anti-spoofing and security groups apply to a port
// (port_security_enabled, defaulting to its network's).
import { NOT_SPECIFIED } from '../../../api/resource.js';
import * as v from '../../../api/validators.js';
import { bool, int } from '../../../db/rows.js';
import type { PortExtensionDriver } from './extension-driver.js';

export const portSecurityDriver = (): PortExtensionDriver => ({
  name: 'port_security',
  aliases: ['port-security'],
  beforeSecurityGroups: true,
  attributes: [{ name: 'port_security_enabled', post: true, put: true, default: NOT_SPECIFIED, validate: v.boolean, column: 'port_security_enabled', filter: 'bool', extension: 'port-security' }],
  processCreate(draft, item) {
    if (item.port_security_enabled !== NOT_SPECIFIED && item.port_security_enabled !== undefined) draft.portSecurity = item.port_security_enabled as boolean;
    draft.row.port_security_enabled = int(draft.portSecurity);
  },
  processUpdate(draft, changes) {
    if (!('port_security_enabled' in changes)) return;
    draft.portSecurity = changes.port_security_enabled as boolean;
    draft.set.port_security_enabled = int(draft.portSecurity);
  },
  extend: () => (row, port) => {
    port.port_security_enabled = bool(row.port_security_enabled);
  },
});
