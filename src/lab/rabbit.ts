// The lab's own RabbitMQ vhost (rabbitmqctl on this machine), so that two labs, or a lab and
// a test, never consume each other's messages.
import { connect } from 'node:net';
import { run } from '../linux/exec.js';

export async function checkRabbitReachable(transportUrl: string): Promise<void> {
  const u = new URL(transportUrl);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || 5672);
  await new Promise<void>((resolve, reject) => {
    const sock = connect({ host, port, timeout: 3000 });
    const fail = (why: string) => {
      sock.destroy();
      reject(new Error(`RabbitMQ at ${host}:${port} is not reachable (${why}): start it (rabbitmq-server -detached) or give --transport-url`));
    };
    sock.once('connect', () => {
      sock.destroy();
      resolve();
    });
    sock.once('timeout', () => fail('no answer in 3 s'));
    sock.once('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
  });
}

export async function addVhost(vhost: string, user: string): Promise<void> {
  try {
    await run('rabbitmqctl', ['add_vhost', vhost]);
    await run('rabbitmqctl', ['set_permissions', '-p', vhost, user, '.*', '.*', '.*']);
  } catch (e) {
    throw new Error(`cannot make the RabbitMQ vhost ${vhost} with rabbitmqctl (it must run on the RabbitMQ machine, as root): ${(e as Error).message}`);
  }
}

/** true if it was there */
export async function deleteVhost(vhost: string): Promise<boolean> {
  const r = await run('rabbitmqctl', ['delete_vhost', vhost], { allowFailure: true });
  if (r.code === 0) return true;
  if (/does not exist|no_such_vhost/i.test(r.stderr + r.stdout)) return false;
  throw new Error(`rabbitmqctl delete_vhost ${vhost} failed: ${(r.stderr || r.stdout).trim()}`);
}
