// The metadata agent (Neutron's neutron-metadata-agent), one per network host: an HTTP server
// on a unix socket that the metadata proxies (haproxy in qrouter-/qdhcp- namespaces) forward
// instances' requests to. For each request it asks the server which port holds the source
// address (X-Forwarded-For) on the router's networks or the network (X-Neutron-Router-ID /
// X-Neutron-Network-ID), takes the instance from the port's device_id, signs it with
// metadata_proxy_shared_secret and passes the request on to the server's metadata service.
// No match → 404 at once: the request never reaches the service, so it can never get another
// instance's data. Nothing is cached: an address given to a new instance is answered for it
// from its first request.
import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { AGENT_TYPE_METADATA } from '../../contract/agent-types.js';
import {
  GET_METADATA_PORT,
  HEADER_FORWARDED_FOR,
  HEADER_INSTANCE_ID,
  HEADER_NETWORK_ID,
  HEADER_ROUTER_ID,
  HEADER_SIGNATURE,
  HEADER_TENANT_ID,
  type MetadataPort,
  type MetadataPortQuery,
  signInstanceId,
} from '../../contract/metadata.js';
import { PLUGIN } from '../../contract/topics.js';
import type { Bus } from '../../rpc/bus.js';
import { AgentCore } from '../agent-core.js';

export const METADATA_AGENT_BINARY = 'neutrino-metadata-agent';

export interface MetadataAgentOptions {
  bus: Bus;
  log: Logger;
  host: string;
  reportInterval: number;
  /** [DEFAULT] metadata_proxy_socket */
  socket: string;
  /** the group the proxies run as (the socket is given to it, mode 0660); null: root only (0600) */
  proxyGroup: string | null;
  /** the server's metadata service */
  serviceHost: string;
  servicePort: number;
  secret: string;
  /** ms to wait for the server (RPC and HTTP); default 10 s */
  timeoutMs?: number;
}

const one = (req: IncomingMessage, h: string): string | undefined => {
  const v = req.headers[h];
  return typeof v === 'string' ? v : undefined;
};

function send(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** gid of a group in /etc/group, or null. */
export function groupId(name: string): number | null {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [n, , gid] = line.split(':');
      if (n === name) return Number(gid);
    }
  } catch {
    // no /etc/group
  }
  return null;
}

export class MetadataAgent {
  readonly core: AgentCore;
  private server: Server | null = null;
  /** the inode of the socket this agent put at metadata_proxy_socket */
  private socketIno: number | null = null;
  private served = 0;
  private refused = 0;

  constructor(private readonly o: MetadataAgentOptions) {
    this.core = new AgentCore({
      bus: o.bus,
      log: o.log,
      host: o.host,
      agentType: AGENT_TYPE_METADATA,
      binary: METADATA_AGENT_BINARY,
      topic: 'N/A',
      reportInterval: o.reportInterval,
      configurations: () => ({
        metadata_proxy_socket: o.socket,
        nova_metadata_host: o.serviceHost,
        nova_metadata_port: o.servicePort,
        log_agent_heartbeats: false,
      }),
      // nothing to converge: every request asks the server
      resync: async () => undefined,
      listen: {},
    });
  }

  /**
   * Listens on metadata_proxy_socket. The socket is made under a name of its own and renamed over
   * the path in one step: a live agent's socket there is taken over (as Neutron's agent unlinks
   * it), so starting a new agent before stopping the old one restarts without a gap — the old
   * one finishes what it had accepted, and its close cannot remove the new one's path.
   */
  async start(): Promise<void> {
    mkdirSync(dirname(this.o.socket), { recursive: true, mode: 0o755 });
    const live = await this.socketIsLive();
    const own = `${this.o.socket}.${process.pid}.new`;
    rmSync(own, { force: true });
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(own, () => resolve());
    });
    const gid = this.o.proxyGroup ? groupId(this.o.proxyGroup) : null;
    if (gid !== null) {
      chownSync(own, process.getuid?.() ?? 0, gid);
      chmodSync(own, 0o660);
    } else chmodSync(own, 0o600);
    renameSync(own, this.o.socket);
    this.socketIno = inodeOf(this.o.socket);
    this.server = server;
    if (live)
      this.o.log.warn({ event: 'metadata.socket_taken_over', socket: this.o.socket }, `took ${this.o.socket} over from a live metadata agent: stop that one (it only finishes what it had accepted)`);
    this.o.log.info({ event: 'metadata.listen', socket: this.o.socket, service: `http://${this.o.serviceHost}:${this.o.servicePort}` }, `metadata agent listening on ${this.o.socket}`);
    await this.core.start();
  }

  /** Whether an agent answers on the socket now (a crashed agent's socket file does not). */
  private socketIsLive(): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const c = connect(this.o.socket);
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const ip = one(req, HEADER_FORWARDED_FOR)?.trim();
    const routerId = one(req, HEADER_ROUTER_ID);
    const networkId = one(req, HEADER_NETWORK_ID);
    if (!ip || (routerId === undefined) === (networkId === undefined)) {
      this.refused++;
      return send(res, 400, 'X-Forwarded-For and one of X-Neutron-Router-ID and X-Neutron-Network-ID are required\n');
    }
    const q: MetadataPortQuery = routerId !== undefined ? { ip_address: ip, router_id: routerId } : { ip_address: ip, network_id: networkId };
    let port: MetadataPort | null;
    try {
      port = await this.o.bus.call<MetadataPort | null>(PLUGIN, GET_METADATA_PORT, q, { timeoutMs: this.o.timeoutMs ?? 10_000 });
    } catch (e) {
      this.o.log.error({ event: 'metadata.lookup_failed', ...q, err: (e as Error).message }, 'could not ask the server for the port of a metadata request');
      return send(res, 500, 'An unknown error has occurred.\n');
    }
    if (!port) {
      this.refused++;
      this.o.log.info({ event: 'metadata.no_port', ...q }, `metadata request from ${ip} matches no instance port: 404`);
      return send(res, 404, 'Not Found\n');
    }
    const upstream = request(
      {
        host: this.o.serviceHost,
        port: this.o.servicePort,
        method: req.method,
        path: req.url,
        timeout: this.o.timeoutMs ?? 10_000,
        headers: {
          [HEADER_FORWARDED_FOR]: ip,
          [HEADER_INSTANCE_ID]: port.device_id,
          [HEADER_TENANT_ID]: port.project_id,
          [HEADER_SIGNATURE]: signInstanceId(this.o.secret, port.device_id),
          ...(req.headers.accept ? { accept: req.headers.accept } : {}),
        },
      },
      (up) => {
        this.served++;
        res.writeHead(up.statusCode ?? 502, {
          'content-type': up.headers['content-type'] ?? 'text/plain',
          ...(up.headers['content-length'] ? { 'content-length': up.headers['content-length'] } : {}),
        });
        up.pipe(res);
        up.once('end', () =>
          this.o.log.debug(
            { event: 'metadata.served', instance_id: port.device_id, path: req.url, status: up.statusCode, ms: Math.round((performance.now() - t0) * 10) / 10 },
            'metadata request served',
          ),
        );
      },
    );
    upstream.once('timeout', () => upstream.destroy(new Error('timed out')));
    upstream.once('error', (e) => {
      this.o.log.error({ event: 'metadata.service_failed', instance_id: port.device_id, err: e.message }, 'the metadata service did not answer');
      send(res, 500, 'An unknown error has occurred.\n');
    });
    // a GET has no body; anything else is passed on as it came
    req.pipe(upstream);
  }

  stats(): { served: number; refused: number } {
    return { served: this.served, refused: this.refused };
  }

  async stop(): Promise<void> {
    await this.core.stop();
    const s = this.server;
    this.server = null;
    if (s) {
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeIdleConnections();
        setTimeout(() => s.closeAllConnections(), 2000).unref();
      });
      // the path goes with this agent unless a newer agent has taken it over since
      if (this.socketIno !== null && inodeOf(this.o.socket) === this.socketIno) rmSync(this.o.socket, { force: true });
    }
  }
}

function inodeOf(path: string): number | null {
  try {
    return statSync(path).ino;
  } catch {
    return null;
  }
}
