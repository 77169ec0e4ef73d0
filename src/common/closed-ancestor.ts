// Whether other users can reach a directory: daemons that drop to nobody (dnsmasq, the
// metadata proxies) must be able to enter every directory on the way to their files.
import { statSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/**
 * The first existing directory on the way to dir that other users cannot enter (no o+x), or
 * null. dnsmasq reads its files as root at start but as nobody on every SIGHUP, so a state_path
 * under a 0700 directory (mkdtemp) would leave it blind to every change after the first.
 */
export function closedAncestor(dir: string): string | null {
  const parts = resolve(dir).split(sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const p = sep + parts.slice(0, i).join(sep);
    let st;
    try {
      st = statSync(p);
    } catch {
      return null; // the rest is made by the agent, 0755
    }
    if (st.isDirectory() && (st.mode & 0o001) === 0) return p;
  }
  return null;
}
