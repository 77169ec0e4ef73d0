// The shape of a lab: which host namespaces, which underlay bridges, which addresses, and
// the config files of the server and of each agent. Pure, so it can be unit tested.
import { join } from 'node:path';

/** The networks a Neutron deployment keeps apart, each an underlay bridge. */
export const UNDERLAY = [
  { nic: 'eth0', bridge: 'br-mgmt', role: 'management', cidr: '10.20.0.0/24', net: '10.20.0' },
  { nic: 'eth1', bridge: 'br-tun', role: 'tunnel (VXLAN between hosts)', cidr: '10.21.0.0/24', net: '10.21.0' },
  { nic: 'eth2', bridge: 'br-phys1', role: 'provider physnet1 (flat)', cidr: '', net: '' },
  { nic: 'eth3', bridge: 'br-ext', role: 'external "public"', cidr: '', net: '' },
] as const;

export const PHYSICAL_INTERFACE_MAPPINGS = 'physnet1:eth2,public:eth3';

/**
 * The API network: only the host the server runs on (the controller) has a NIC on it (eth4).
 * The clients' end is the underlay namespace's address on br-api: the root namespace's
 * 127.0.0.1:PORT is relayed from there (see relayCommands), so API requests cross br-api.
 */
export const API_NETWORK = { nic: 'eth4', bridge: 'br-api', role: 'API (clients → server)', cidr: '10.22.0.0/24', net: '10.22.0', clientIp: '10.22.0.1' } as const;

/**
 * The seed's deployment shapes: where the network services (DHCP and L3 agents) run. The
 * server always runs in the root namespace; every host but a bare controller has an L2 agent.
 * - controller-network-compute: controller (API, no agent), network (L2 + DHCP + L3), computes
 * - controller-compute: controller (L2 + DHCP + L3), computes
 * - all-in-one: controller (L2 + DHCP + L3), no compute host
 */
export const TOPOLOGIES = ['controller-network-compute', 'controller-compute', 'all-in-one'] as const;
export type LabTopology = (typeof TOPOLOGIES)[number];
export const DEFAULT_TOPOLOGY: LabTopology = 'controller-network-compute';
export const DEFAULT_PREFIX = 'lab-';
export const MAX_COMPUTES = 50;

export interface LabHost {
  name: string;
  netns: string;
  /** index in the underlay: its addresses end in 10 + index, its underlay ports are h<index>-ethN */
  index: number;
  mgmtIp: string;
  tunnelIp: string;
  /** the server's address on the API network (the controller only; absent in labs made before it) */
  apiIp?: string;
  /** runs an L2 agent (all but the bare controller of controller-network-compute) */
  agent: boolean;
  /** runs the DHCP and L3 agents too */
  services?: boolean;
  /** which L2 agent the host runs (absent in labs made before there was a choice: linuxbridge) */
  l2?: LabL2;
}

export type LabL2 = 'linuxbridge' | 'openvswitch';
/**
 * --mechanism: which hosts run the Open vSwitch agent. openvswitch: every host with an agent;
 * mixed: the network host (the one with the DHCP and L3 agents) and compute1, while compute2 and
 * further computes run the Linux bridge agent (they share VXLAN networks, as in Neutron). On an
 * OVS network host the DHCP and L3 agents plug their ports into br-int (interface_driver =
 * openvswitch) and the external network leaves through br-eth3 (bridge_mappings public:br-eth3).
 */
export const MECHANISMS = ['linuxbridge', 'openvswitch', 'mixed'] as const;
export type LabMechanism = (typeof MECHANISMS)[number];

export function l2Of(mechanism: LabMechanism, host: string, services = false): LabL2 {
  if (mechanism === 'openvswitch') return 'openvswitch';
  if (mechanism === 'mixed') return host === 'compute1' || services ? 'openvswitch' : 'linuxbridge';
  return 'linuxbridge';
}

/** On Open vSwitch hosts (the operator's part): the bridge holding eth1, which carries the tunnel
 *  address (the userspace datapath sends tunnel traffic only through OVS bridges), and the
 *  physical bridge of physnet1 holding eth2. */
export const OVS_TUNNEL_BRIDGE = 'br-eth1';
export const OVS_PHYSNET1_BRIDGE = 'br-eth2';
/** On the OVS network host: the bridge of the external network's physnet (public), holding eth3 (Neutron's br-ex). */
export const OVS_EXTERNAL_BRIDGE = 'br-eth3';
export const labOvsDir = (dir: string, host: string): string => join(dir, 'hosts', host, 'ovs');

/**
 * The outside world of a lab: a namespace on br-ext that is the external subnet's gateway
 * (EXTERNAL.gateway on its eth0) and owns a public address block on its loopback, standing
 * for hosts on the internet. Routers SNAT to, and floating IPs come from, EXTERNAL.cidr.
 */
export const EXTERNAL = {
  network: 'public',
  subnet: 'public-subnet',
  cidr: '172.24.4.0/24',
  gateway: '172.24.4.1',
  pool: { start: '172.24.4.10', end: '172.24.4.250' },
  /** an address "on the internet", behind the gateway */
  internetHost: '198.51.100.1',
} as const;

/** The project network `lab up` makes and attaches to the default router. */
export const PRIVATE = { network: 'private', subnet: 'private-subnet', cidr: '10.0.0.0/24', router: 'router1' } as const;

export interface LabLayout {
  prefix: string;
  dir: string;
  port: number;
  computes: number;
  topology: LabTopology;
  /** the host with the DHCP and L3 agents */
  serviceHost: string;
  underlayNetns: string;
  /** the outside world (see EXTERNAL) */
  internetNetns: string;
  hosts: LabHost[];
  vhost: string;
  /** service plugins beyond router (and metadata, which the lab adds itself): --service-plugins */
  servicePlugins?: string[];
  /** [agent] extensions of the network host's agents: --agent-extensions */
  agentExtensions?: string[];
}

const PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,19}$/;

export function checkPrefix(prefix: string): void {
  // An empty or odd prefix would make `lab down` match namespaces that are not the lab's.
  if (!PREFIX_RE.test(prefix)) throw new Error(`--prefix ${JSON.stringify(prefix)}: use 1-20 letters, digits, '.', '_' or '-' (e.g. lab-)`);
}

export const defaultLabDir = (prefix: string, tmp: string): string => join(tmp, `neutrino-${prefix.replace(/[-_.]+$/, '')}`);

export const vhostName = (prefix: string): string => `neutrino-${prefix}lab`;

export function labLayout(prefix: string, computes: number, dir: string, port: number, topology: LabTopology = DEFAULT_TOPOLOGY, mechanism: LabMechanism = 'linuxbridge'): LabLayout {
  if (!MECHANISMS.includes(mechanism)) throw new Error(`--mechanism ${mechanism}: give ${MECHANISMS.join(', ')}`);
  checkPrefix(prefix);
  if (!TOPOLOGIES.includes(topology)) throw new Error(`--topology ${topology}: give one of ${TOPOLOGIES.join(', ')}`);
  if (topology === 'all-in-one') {
    if (computes !== 0) throw new Error(`--computes ${computes}: the all-in-one topology has no compute host (everything runs on controller)`);
  } else if (!Number.isInteger(computes) || computes < 1 || computes > MAX_COMPUTES) throw new Error(`--computes ${computes}: give 1 to ${MAX_COMPUTES}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port ${port}: give a TCP port 1-65535`);
  const serviceHost = topology === 'controller-network-compute' ? 'network' : 'controller';
  const names = [...(topology === 'controller-network-compute' ? ['controller', 'network'] : ['controller']), ...Array.from({ length: computes }, (_, i) => `compute${i + 1}`)];
  const hosts = names.map((name, index) => ({
    name,
    netns: `${prefix}${name}`,
    index,
    mgmtIp: `${UNDERLAY[0].net}.${10 + index}`,
    tunnelIp: `${UNDERLAY[1].net}.${10 + index}`,
    ...(name === 'controller' ? { apiIp: `${API_NETWORK.net}.${10 + index}` } : {}),
    agent: name !== 'controller' || serviceHost === 'controller',
    services: name === serviceHost,
    l2: l2Of(mechanism, name, name === serviceHost),
  }));
  return { prefix, dir, port, computes, topology, serviceHost, underlayNetns: `${prefix}underlay`, internetNetns: `${prefix}internet`, hosts, vhost: vhostName(prefix) };
}

/** `ip -batch` run in the root namespace: every namespace of the lab. */
export function netnsBatch(l: LabLayout): string {
  return [l.underlayNetns, ...l.hosts.map((h) => h.netns), l.internetNetns].map((n) => `netns add ${n}`).join('\n') + '\n';
}

/** `ip -n UNDERLAY -batch`: the underlay bridges and one veth per host and network. */
export function underlayBatch(l: LabLayout): string {
  const lines = ['link set lo up'];
  for (const u of [...UNDERLAY, API_NETWORK]) lines.push(`link add ${u.bridge} type bridge`, `link set ${u.bridge} up`);
  lines.push(`addr add ${API_NETWORK.clientIp}/24 dev ${API_NETWORK.bridge}`);
  for (const h of l.hosts) {
    for (const u of h.apiIp ? [...UNDERLAY, API_NETWORK] : UNDERLAY) {
      const port = `h${h.index}-${u.nic}`;
      // the host end is the main device so it can come up in the same line (research 7b)
      lines.push(`link add ${u.nic} netns ${h.netns} up type veth peer name ${port}`, `link set ${port} master ${u.bridge} up`);
    }
  }
  // the outside world hangs on the external bridge only
  lines.push(`link add eth0 netns ${l.internetNetns} up type veth peer name inet-eth0`, 'link set inet-eth0 master br-ext up');
  return lines.join('\n') + '\n';
}

/** `ip -n INTERNET -batch`: the external subnet's gateway, and a host "out there" on loopback. */
export function internetBatch(): string {
  const prefixlen = EXTERNAL.cidr.split('/')[1];
  return ['link set lo up', `addr add ${EXTERNAL.gateway}/${prefixlen} dev eth0`, `addr add ${EXTERNAL.internetHost}/32 dev lo`].join('\n') + '\n';
}

/** `ip -n HOST -batch`: loopback and the addresses of the management and tunnel NICs. */
export function hostBatch(h: LabHost): string {
  // on an OVS host the tunnel address goes on the OVS bridge that holds eth1, once it is made
  const tunnel = h.l2 === 'openvswitch' ? [] : [`addr add ${h.tunnelIp}/24 dev eth1`];
  const api = h.apiIp ? [`addr add ${h.apiIp}/24 dev ${API_NETWORK.nic}`] : [];
  return ['link set lo up', `addr add ${h.mgmtIp}/24 dev eth0`, ...tunnel, ...api].join('\n') + '\n';
}

/** The host the server and RabbitMQ's endpoint live on: the controller. */
export function controllerOf(l: { hosts: LabHost[] }): LabHost {
  const c = l.hosts.find((h) => h.name === 'controller');
  if (!c?.apiIp) throw new Error('the lab has no controller with an API address');
  return c;
}

/**
 * transport_url of the lab's server and agents: RabbitMQ's endpoint on the management network,
 * the controller's eth0 address, with the lab's own vhost.
 */
export function managementTransportUrl(l: { hosts: LabHost[]; vhost: string }, baseUrl: string): string {
  const u = new URL(withVhost(baseUrl, l.vhost));
  u.hostname = controllerOf(l).mgmtIp;
  u.port = String(amqpPort(baseUrl));
  return u.toString();
}

const amqpPort = (url: string): number => Number(new URL(url).port || 5672);

/** argv prefix that runs a command in a host's network namespace, keeping this mount namespace
 *  (`ip netns exec` would make a private one, where the namespaces an agent adds stay unseen). */
export const inHost = (netns: string): string[] => ['nsenter', `--net=/run/netns/${netns}`, '--'];

export const relaySocket = (dir: string, what: 'amqp' | 'api'): string => join(dir, 'run', `${what}.sock`);

/**
 * The four socat relays that put the lab's management and API traffic on its underlay while
 * RabbitMQ and the operator stay in the root namespace (a Unix socket crosses namespaces):
 * - management: controller 10.20.0.10:5672 (br-mgmt) → relay-amqp.sock → RabbitMQ as given
 *   (RabbitMQ sees loopback, so its guest user keeps working);
 * - API: 127.0.0.1:PORT in the root namespace → relay-api.sock → from the underlay namespace's
 *   10.22.0.1 across br-api to the server on the controller's 10.22.0.10:PORT.
 * TCP_NODELAY on every TCP leg: RPC messages are small, and Nagle's wait for the peer's delayed
 * ACK added tens of ms to each call. The names start with `relay-` (lab down stops them last,
 * with their forked children).
 */
export function relayCommands(l: LabLayout, baseUrl: string): Record<string, string[]> {
  const c = controllerOf(l);
  const rabbit = new URL(baseUrl);
  const amqp = relaySocket(l.dir, 'amqp');
  const api = relaySocket(l.dir, 'api');
  const port = amqpPort(baseUrl);
  return {
    'relay-amqp-root': ['socat', `UNIX-LISTEN:${amqp},fork,unlink-early`, `TCP:${rabbit.hostname || '127.0.0.1'}:${port},nodelay`],
    'relay-amqp-mgmt': [...inHost(c.netns), 'socat', `TCP-LISTEN:${port},bind=${c.mgmtIp},fork,reuseaddr,nodelay`, `UNIX-CONNECT:${amqp}`],
    'relay-api-net': [...inHost(l.underlayNetns), 'socat', `UNIX-LISTEN:${api},fork,unlink-early`, `TCP:${c.apiIp}:${l.port},nodelay`],
    'relay-api-root': ['socat', `TCP-LISTEN:${l.port},bind=127.0.0.1,fork,reuseaddr,nodelay`, `UNIX-CONNECT:${api}`],
  };
}

/** The lab's metadata path: the server's metadata service on the controller's management address, and the secret it shares with the metadata agent. */
export interface LabMetadata {
  /** [DEFAULT] metadata_listen_port of the server (on the controller's management address) */
  port: number;
  /** [DEFAULT] metadata_proxy_shared_secret of the server and the metadata agent */
  secret: string;
}

export function serverConfig(l: LabLayout, transportUrl: string, metadata?: LabMetadata): string {
  return [
    `# neutrino lab: the server (runs in ${controllerOf(l).netns}; listens on its API address ${controllerOf(l).apiIp}, given`,
    '# as --bind-host on its command line; bind_host below is where clients in the root namespace reach it: a relay)',
    '[DEFAULT]',
    'bind_host = 127.0.0.1',
    `bind_port = ${l.port}`,
    "# noauth on a non-loopback address: it is the API network inside the lab's namespaces, reached",
    '# from this host only through the relay on 127.0.0.1',
    'allow_insecure_noauth = true',
    `state_path = ${l.dir}`,
    `transport_url = ${transportUrl}`,
    'agent_down_time = 10',
    `service_plugins = ${['router', ...(metadata ? ['metadata'] : []), ...(l.servicePlugins ?? [])].join(',')}`,
    ...(metadata
      ? [
          '# the metadata service (what Nova serves at 169.254.169.254), for the metadata agent of the network host',
          `metadata_listen = ${controllerOf(l).mgmtIp}`,
          `metadata_listen_port = ${metadata.port}`,
          `metadata_proxy_shared_secret = ${metadata.secret}`,
        ]
      : []),
    '',
    '[database]',
    `connection = sqlite:///${join(l.dir, 'neutrino.sqlite')}`,
    '',
    '[ml2]',
    'type_drivers = local,flat,vlan,vxlan',
    'tenant_network_types = vxlan',
    'mechanism_drivers = linuxbridge,openvswitch,l2population',
    '',
    '[ml2_type_vxlan]',
    'vni_ranges = 1000:1999',
    '',
    '# VLAN networks carry traffic on Open vSwitch hosts only on a kernel without 8021q',
    '[ml2_type_vlan]',
    'network_vlan_ranges = physnet1:100:199',
    '',
    '[ml2_type_flat]',
    'flat_networks = physnet1,public',
    '',
  ].join('\n');
}

/**
 * [DEFAULT] lines of the host that runs the DHCP, L3 and metadata agents: proxies in its qrouter
 * namespaces and in the qdhcp namespaces of networks without a router, forwarding to the metadata
 * agent's socket ($state_path/metadata_proxy), which asks the server's metadata service.
 */
function metadataLines(l: LabLayout, h: LabHost, metadata?: LabMetadata): string[] {
  if (!h.services || !metadata) return [];
  return [
    '# metadata: haproxy in the qrouter and isolated qdhcp namespaces → the metadata agent → the server',
    'enable_metadata_proxy = true',
    'enable_isolated_metadata = true',
    `nova_metadata_host = ${controllerOf(l).mgmtIp}`,
    `nova_metadata_port = ${metadata.port}`,
    `metadata_proxy_shared_secret = ${metadata.secret}`,
  ];
}

export function agentConfig(l: LabLayout, h: LabHost, transportUrl: string, metadata?: LabMetadata): string {
  if (h.l2 === 'openvswitch') {
    return [
      `# neutrino lab: the Open vSwitch ${h.services ? `agent, DHCP, L3${metadata ? ' and metadata' : ''} agents` : 'agent'} of ${h.name} (run in ${h.netns}, where ovs-vswitchd and the ports live)`,
      '[DEFAULT]',
      `host = ${h.name}`,
      `state_path = ${join(l.dir, 'hosts', h.name)}`,
      `transport_url = ${transportUrl}`,
      ...(h.services ? ['# the DHCP and L3 agents plug their ports into br-int, for the Open vSwitch agent to wire', 'interface_driver = openvswitch'] : []),
      ...metadataLines(l, h, metadata),
      '',
      '[agent]',
      `host_namespace = ${h.netns}`,
      'report_interval = 2',
      ...(h.services && l.agentExtensions?.length ? [`extensions = ${l.agentExtensions.join(',')}`] : []),
      'tunnel_types = vxlan',
      'l2_population = true',
      '',
      '[ovs]',
      `ovsdb_connection = unix:${join(labOvsDir(l.dir, h.name), 'db.sock')}`,
      'integration_bridge = br-int',
      'tunnel_bridge = br-tun',
      `local_ip = ${h.tunnelIp}`,
      `bridge_mappings = physnet1:${OVS_PHYSNET1_BRIDGE}${h.services ? `,public:${OVS_EXTERNAL_BRIDGE}` : ''}`,
      '',
      '# the OVS agent has no port firewall yet',
      '[securitygroup]',
      'firewall_driver = noop',
      '',
    ].join('\n');
  }
  return [
    `# neutrino lab: the ${h.services ? `Linux bridge, DHCP, L3${metadata ? ' and metadata' : ''} agents` : 'Linux bridge agent'} of ${h.name} (run in ${h.netns}, where their devices live)`,
    '[DEFAULT]',
    `host = ${h.name}`,
    `state_path = ${join(l.dir, 'hosts', h.name)}`,
    `transport_url = ${transportUrl}`,
    ...metadataLines(l, h, metadata),
    '',
    '[agent]',
    `host_namespace = ${h.netns}`,
    'report_interval = 2',
    ...(h.services && l.agentExtensions?.length ? [`extensions = ${l.agentExtensions.join(',')}`] : []),
    '',
    '[vxlan]',
    `local_ip = ${h.tunnelIp}`,
    '',
    '[linux_bridge]',
    `physical_interface_mappings = ${PHYSICAL_INTERFACE_MAPPINGS}`,
    '',
  ].join('\n');
}

/** transport_url with the lab's own vhost, so labs sharing one RabbitMQ do not hear each other. */
export function withVhost(baseUrl: string, vhost: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${encodeURIComponent(vhost)}`;
  return u.toString();
}

/** Where each file of a lab lives. */
export function labPaths(dir: string) {
  return {
    record: join(dir, 'lab.json'),
    prefixFile: join(dir, 'prefix'),
    serverConf: join(dir, 'neutrino.conf'),
    agentConf: (host: string) => join(dir, `agent-${host}.conf`),
    logs: join(dir, 'logs'),
    log: (proc: string) => join(dir, 'logs', `${proc}.log`),
    run: join(dir, 'run'),
    pid: (proc: string) => join(dir, 'run', `${proc}.pid`),
    db: join(dir, 'neutrino.sqlite'),
  };
}
