// An agent told to run metadata proxies refuses to start without haproxy, rather than fail on
// every router or network later.
import { ConfigError } from '../../config/config.js';
import { run } from '../../linux/exec.js';

export async function requireHaproxy(why: string): Promise<void> {
  try {
    await run('haproxy', ['-v'], { timeoutMs: 5000 });
  } catch (e) {
    throw new ConfigError(`${why} needs haproxy (the metadata proxy), which cannot be run: ${(e as Error).message}. Install it (apt-get install haproxy) or turn the option off`);
  }
}
