// An instance takes its address by DHCP as a VM would: busybox udhcpc inside the instance's
// namespace, with Neutrino's own script (Debian's busybox ships none) that applies address,
// router, classless routes, MTU and DNS. DNS goes to /etc/netns/<netns>/resolv.conf, which
// `ip netns exec` bind-mounts over /etc/resolv.conf for everything run in the instance.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from '../linux/exec.js';

export const UDHCPC_SCRIPT = `#!/bin/sh
# Written by neutrino (src/compute/dhcp-client.ts): applies a DHCP lease inside an instance.
# udhcpc passes: interface ip subnet mask router dns mtu staticroutes domain lease
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/\${mask:-24}" dev "$interface"
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    ip -4 route flush dev "$interface" proto static 2>/dev/null
    ip -4 route del default 2>/dev/null
    if [ -n "$staticroutes" ]; then
      # RFC 3442: with classless routes the router option is ignored
      set -- $staticroutes
      while [ $# -ge 2 ]; do
        if [ "$2" = "0.0.0.0" ]; then ip route replace "$1" dev "$interface" proto static
        else ip route replace "$1" via "$2" dev "$interface" proto static; fi
        shift 2
      done
    elif [ -n "$router" ]; then
      ip route replace default via \${router%% *} dev "$interface" proto static
    fi
    if [ -n "$RESOLV_CONF" ]; then
      : > "$RESOLV_CONF.new"
      [ -n "$domain" ] && echo "search $domain" >> "$RESOLV_CONF.new"
      for d in $dns; do echo "nameserver $d" >> "$RESOLV_CONF.new"; done
      cat "$RESOLV_CONF.new" > "$RESOLV_CONF"; rm -f "$RESOLV_CONF.new"
    fi
    echo "lease $ip/\${mask:-24} router \${router:-none} mtu \${mtu:-none} dns \${dns:-none} lease_s \${lease:-?}"
    ;;
esac
exit 0
`;

/** The script's path in the instance store, written when missing or different. */
export function ensureUdhcpcScript(storeDir: string): string {
  mkdirSync(storeDir, { recursive: true });
  const path = join(storeDir, 'udhcpc.script');
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // missing
  }
  if (current !== UDHCPC_SCRIPT) writeFileSync(path, UDHCPC_SCRIPT);
  chmodSync(path, 0o755);
  return path;
}

/** /etc/netns/<netns>/resolv.conf: made before `ip netns exec` so that it is bind-mounted. */
export function resolvConfOf(netns: string): string {
  return `/etc/netns/${netns}/resolv.conf`;
}

export function removeResolvConf(netns: string): void {
  rmSync(`/etc/netns/${netns}`, { recursive: true, force: true });
}

export interface DhcpLease {
  ip: string;
  prefixlen: number;
  router: string | null;
  mtu: number | null;
  dns: string[];
  /** udhcpc start → lease applied */
  ms: number;
}

export class DhcpFailed extends Error {}

function maskToPrefix(mask: string): number {
  return mask.split('.').reduce(
    (n, o) =>
      n +
      (Number(o) >>> 0)
        .toString(2)
        .split('')
        .filter((b) => b === '1').length,
    0,
  );
}

/**
 * Runs udhcpc once in the instance (DISCOVER → REQUEST → applied, then exits), asking for
 * subnet, router, DNS, MTU and classless static routes. tries × timeoutS bounds the wait.
 */
export async function acquireLease(netns: string, storeDir: string, opts: { iface?: string; tries?: number; timeoutS?: number } = {}): Promise<DhcpLease> {
  const script = ensureUdhcpcScript(storeDir);
  const resolv = resolvConfOf(netns);
  mkdirSync(`/etc/netns/${netns}`, { recursive: true });
  try {
    readFileSync(resolv);
  } catch {
    writeFileSync(resolv, '');
  }
  const iface = opts.iface ?? 'eth0';
  const tries = opts.tries ?? 5;
  const timeoutS = opts.timeoutS ?? 1;
  const t0 = performance.now();
  const r = await run(
    'env',
    [
      `RESOLV_CONF=${resolv}`,
      'busybox',
      'udhcpc',
      '-i',
      iface,
      '-f',
      '-q',
      '-n',
      '-t',
      String(tries),
      '-T',
      String(timeoutS),
      '-A',
      '1',
      '-s',
      script,
      '-O',
      'mtu',
      '-O',
      'router',
      '-O',
      'dns',
      '-O',
      'staticroutes',
      '-O',
      'subnet',
    ],
    { netns, allowFailure: true, timeoutMs: (tries * timeoutS + 10) * 1000 },
  );
  const ms = performance.now() - t0;
  const line = /lease (\S+)\/(\S+) router (\S+) mtu (\S+) dns (.*) lease_s/.exec(r.stdout);
  if (r.code !== 0 || !line) {
    throw new DhcpFailed(`no DHCP lease in ${netns} after ${tries} tries (${Math.round(ms)} ms): ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ') || `exit ${r.code}`}`);
  }
  const prefix = /^\d+$/.test(line[2]) ? Number(line[2]) : maskToPrefix(line[2]);
  return {
    ip: line[1],
    prefixlen: prefix,
    router: line[3] === 'none' ? null : line[3].split(' ')[0],
    mtu: line[4] === 'none' ? null : Number(line[4]),
    dns: line[5].trim() === 'none' ? [] : line[5].trim().split(/\s+/),
    ms,
  };
}
