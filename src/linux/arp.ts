// Gratuitous ARP (iputils arping), so neighbours learn at once which MAC now has an address.
import { run } from './exec.js';

/**
 * Sends one unsolicited ARP (-U) for ip from dev in netns. arping waits about a second after
 * sending, so callers that must not wait run it without awaiting (it is bounded by -w).
 */
export async function sendGratuitousArp(netns: string | null, dev: string, ip: string): Promise<void> {
  await run('arping', ['-U', '-c', '1', '-w', '2', '-I', dev, ip], { netns, allowFailure: true, timeoutMs: 5000 });
}
