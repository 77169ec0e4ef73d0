// An instance takes a DHCPv6-stateful address as a VM would: ISC dhclient -6 inside the
// instance's namespace, once, with a DUID made of the port's MAC (DUID-LL, so the DHCP agent's
// dnsmasq knows the client by the MAC of its hosts file) and Neutrino's own script, which adds
// the address without DAD (never Debian's dhclient-script, which would write the host's
// resolv.conf). dhclient forks to renew once bound; it is stopped then, and the address stays.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from '../linux/exec.js';
import { readPidFile, signalProcess } from '../linux/process.js';

export const DHCLIENT6_SCRIPT = `#!/bin/sh
# Written by neutrino (src/compute/dhcpv6-client.ts): applies a DHCPv6 lease inside an instance.
case "$reason" in
  BOUND6|RENEW6|REBIND6|REBOOT6)
    [ -n "$new_ip6_address" ] && ip -6 addr replace "$new_ip6_address/\${new_ip6_prefixlen:-64}" dev "$interface" nodad
    echo "lease6 $new_ip6_address/\${new_ip6_prefixlen:-64}"
    ;;
esac
exit 0
`;

export interface Dhcp6Lease {
  ip: string;
  ms: number;
}

/** Runs one DHCPv6 exchange (Solicit → Reply) on eth0 of netns; resolves with the address applied. */
export async function acquireLease6(netns: string, storeDir: string, opts: { timeoutS?: number } = {}): Promise<Dhcp6Lease> {
  mkdirSync(storeDir, { recursive: true });
  const script = join(storeDir, 'dhclient6.script');
  writeFileSync(script, DHCLIENT6_SCRIPT);
  chmodSync(script, 0o755);
  const pidFile = join(storeDir, `${netns}.dhclient6.pid`);
  const leaseFile = join(storeDir, `${netns}.dhclient6.leases`);
  const conf = join(storeDir, 'dhclient6.conf');
  writeFileSync(conf, `timeout ${opts.timeoutS ?? 20};\n`);
  rmSync(leaseFile, { force: true });
  const t0 = performance.now();
  try {
    await run('dhclient', ['-6', '-1', '-D', 'LL', '-cf', conf, '-pf', pidFile, '-lf', leaseFile, '-sf', script, 'eth0'], { netns, timeoutMs: ((opts.timeoutS ?? 20) + 5) * 1000 });
  } finally {
    const pid = readPidFile(pidFile);
    if (pid) signalProcess(pid, 'SIGTERM');
    rmSync(pidFile, { force: true });
  }
  const lease = readFileSync(leaseFile, 'utf8');
  const m = /iaaddr\s+([0-9a-f:]+)/.exec(lease);
  rmSync(leaseFile, { force: true });
  if (!m) throw new Error(`dhclient -6 in ${netns} got no address`);
  return { ip: m[1], ms: performance.now() - t0 };
}
