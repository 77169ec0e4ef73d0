// The metadata proxy's haproxy configuration (pure). One haproxy per qrouter- or qdhcp-
// namespace answers the instances on 169.254.169.254:80 and passes each request over the
// metadata agent's unix socket with who asked: X-Forwarded-For = the TCP source (set, never
// appended: an instance's own X-Forwarded-For must not be believed) and the router or network
// it came through (any such header the instance sent is removed first).
//
// Why haproxy, as Neutron: a C event loop of a few MB per namespace, with header rewriting,
// timeouts and connection limits that are well proven against hostile clients; a Node process
// per namespace would cost ~40 MB each and a hand-written HTTP proxy facing every instance.
import { HEADER_INSTANCE_ID, HEADER_NETWORK_ID, HEADER_ROUTER_ID, HEADER_SIGNATURE, HEADER_TENANT_ID } from '../../contract/metadata.js';

export interface ProxyConfig {
  kind: 'router' | 'network';
  /** the router or network id */
  id: string;
  /** address:port to listen on, inside the namespace */
  bind: string;
  /** the metadata agent's unix socket */
  socket: string;
  pidFile: string;
  /** drop to this user and group after binding (null: stay root) */
  user: { user: string; group: string } | null;
}

const header = (h: string): string => h.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()).replace(/-Id$/, '-ID');

export function renderHaproxyConfig(c: ProxyConfig): string {
  const own = c.kind === 'router' ? HEADER_ROUTER_ID : HEADER_NETWORK_ID;
  const lines = [
    `# neutrino metadata proxy for ${c.kind} ${c.id} (written by the agent; changes are overwritten)`,
    'global',
    '    daemon',
    `    pidfile ${c.pidFile}`,
    '    maxconn 1024',
    // one thread: a proxy per namespace carries a few requests at a time, and a request handed
    // between threads costs a wake-up more on a busy host
    '    nbthread 1',
    ...(c.user ? [`    user ${c.user.user}`, `    group ${c.user.group}`] : []),
    '',
    'defaults',
    '    mode http',
    '    maxconn 1024',
    '    timeout connect 5s',
    '    timeout client 32s',
    '    timeout server 32s',
    '    timeout http-request 10s',
    '    timeout http-keep-alive 30s',
    // instances open a connection per request (cloud-init does); reuse an idle connection to the
    // agent for it instead of connecting anew each time. The agent keeps idle connections 30 s,
    // longer than haproxy keeps them (pool-purge-delay); a GET the agent closed under haproxy is
    // sent again on a new connection (empty-response)
    '    http-reuse always',
    '    retry-on conn-failure empty-response',
    '',
    'listen metadata',
    `    bind ${c.bind}`,
    ...[HEADER_ROUTER_ID, HEADER_NETWORK_ID, HEADER_INSTANCE_ID, HEADER_TENANT_ID, HEADER_SIGNATURE].map((h) => `    http-request del-header ${header(h)}`),
    `    http-request set-header ${header('x-forwarded-for')} %[src]`,
    `    http-request set-header ${header(own)} ${c.id}`,
    `    server metadata ${c.socket}`,
    '',
  ];
  return lines.join('\n');
}
