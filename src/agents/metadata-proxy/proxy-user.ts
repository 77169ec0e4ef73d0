// Who the metadata proxies run as, decided the same way by the agents that start them and the
// metadata agent that owns their socket: nobody/nogroup after binding (the socket is then
// group nogroup, mode 0660), unless a directory on the way to the socket is closed to other
// users (a 0700 mkdtemp), when they stay root — as the DHCP agent does for dnsmasq.
import { dirname, resolve } from 'node:path';
import { closedAncestor } from '../../common/closed-ancestor.js';

export const PROXY_USER = { user: 'nobody', group: 'nogroup' };

export function proxyUser(socket: string): { user: string; group: string } | null {
  return closedAncestor(dirname(resolve(socket))) ? null : PROXY_USER;
}
