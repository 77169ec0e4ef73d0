// What this host's kernel can do, found by trying it in a throwaway network namespace
// (the kernel may load a module on first use, so looking for it is not enough).
import { type CommandError, run } from './exec.js';

export interface Capability {
  supported: boolean;
  /** why not, in the kernel's words */
  reason: string | null;
}

/** 802.1Q VLAN subinterfaces (`ip link add … type vlan`), as linuxbridge needs for VLAN networks. */
export async function probeVlanSupport(): Promise<Capability> {
  const ns = `nprobe-vlan-${process.pid}`;
  try {
    await run('ip', ['netns', 'add', ns]);
  } catch (e) {
    return { supported: false, reason: `cannot create a network namespace to probe: ${(e as CommandError).stderr?.trim() || (e as Error).message}` };
  }
  try {
    await run('ip', ['link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1'], { netns: ns });
    await run('ip', ['link', 'add', 'link', 'probe0', 'name', 'probe0.42', 'type', 'vlan', 'id', '42'], { netns: ns });
    return { supported: true, reason: null };
  } catch (e) {
    const err = e as CommandError;
    return { supported: false, reason: `ip link add type vlan failed: ${(err.stderr || err.message).trim()} (no 8021q support in this kernel)` };
  } finally {
    await run('ip', ['netns', 'delete', ns], { allowFailure: true });
  }
}
