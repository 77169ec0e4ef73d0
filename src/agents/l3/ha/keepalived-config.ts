// keepalived.conf of an HA router (pure). One VRRP instance on the router's ha- device: every
// agent starts BACKUP with the same priority and nopreempt (as Neutron), so a master keeps the
// role until it fails. The primary VIP (169.254.0.<vrid>/24 on ha-) is what VRRP moves; the
// router's own addresses (gateway, interfaces, floating IPs) and its routes are
// virtual_ipaddress_excluded / virtual_routes: only the master holds them. keepalived runs the
// notify script on every transition; the agent reads the state it writes (keepalived.ts).

export interface KeepalivedRouter {
  routerId: string;
  vrid: number;
  haDev: string;
  /** seconds between adverts; below 1 needs VRRPv3 */
  advertInt: number;
  /** ip/prefixlen dev DEV */
  addresses: { cidr: string; dev: string }[];
  routes: { destination: string; via: string; dev?: string }[];
  /** absolute path of the notify script; called with master|backup|fault */
  notifyScript: string;
  stateFile: string;
}

export const primaryVip = (vrid: number): string => `169.254.0.${vrid}/24`;

export function renderKeepalivedConfig(r: KeepalivedRouter): string {
  const v3 = r.advertInt < 1;
  const notify = (state: string) => `  notify_${state} "${r.notifyScript} ${state} ${r.stateFile}"`;
  const lines = [
    'global_defs {',
    `  router_id ${r.routerId.slice(0, 8)}`,
    ...(v3 ? ['  vrrp_version 3'] : []),
    '  script_user root',
    '  enable_script_security',
    '}',
    `vrrp_instance VR_${r.vrid} {`,
    '  state BACKUP',
    `  interface ${r.haDev}`,
    `  virtual_router_id ${r.vrid}`,
    '  priority 50',
    '  nopreempt',
    `  advert_int ${r.advertInt}`,
    // a second round of gratuitous ARPs 1 s after becoming master: by then the server has moved
    // the router ports' bindings here and the L2 agent has wired them
    '  garp_master_delay 1',
    '  garp_master_repeat 3',
    '  track_interface {',
    `    ${r.haDev}`,
    '  }',
    '  virtual_ipaddress {',
    `    ${primaryVip(r.vrid)} dev ${r.haDev}`,
    '  }',
  ];
  if (r.addresses.length) lines.push('  virtual_ipaddress_excluded {', ...r.addresses.map((a) => `    ${a.cidr} dev ${a.dev}`), '  }');
  if (r.routes.length) lines.push('  virtual_routes {', ...r.routes.map((x) => `    ${x.destination} via ${x.via}${x.dev ? ` dev ${x.dev}` : ''}`), '  }');
  lines.push(notify('master'), notify('backup'), notify('fault'), '}', '');
  return lines.join('\n');
}

/** The notify script: appends the state keepalived reached to the router's state file. */
export const NOTIFY_SCRIPT = `#!/bin/sh
# neutrino L3 agent: keepalived notify (state, state file)
printf '%s\\n' "$1" >> "$2"
`;
