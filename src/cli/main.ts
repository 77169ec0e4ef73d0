#!/usr/bin/env node
// The `neutrino` command.
import { Argument, Command, Option } from 'commander';
import { Config, ConfigError } from '../config/config.js';
import { sampleConfig } from '../config/sample.js';
import { makeLogger } from '../common/logger.js';
import { openDatabase } from '../db/connection.js';
import { currentRevision, pendingMigrations, upgrade } from '../db/migrate.js';
import { startApiServer } from '../server/api-server.js';
import { apiWorkers, isApiWorker, runPrimary } from '../server/workers.js';
import { AGENT_KINDS, runAgent, type AgentKind } from '../agents/run-agent.js';
import { instanceCommands, keypairCommands } from '../compute/cli.js';
import { labCommands } from '../lab/cli.js';
import { sanityCheckCommand } from './sanity-check.js';
import { traceCommand } from './trace.js';
import { auditCommand } from './audit.js';
import { upCommands } from '../allinone/cli.js';

const collect = (v: string, prev: string[]) => [...prev, v];

/** Every command refuses at once a value that does not fit its option, or an option that is not built. */
function loadConfig(opts: { configFile: string[] }, overrides: Record<string, Record<string, string>> = {}): Config {
  const config = Config.load(opts.configFile, overrides);
  config.validate();
  return config;
}

const program = new Command();
program.name('neutrino').description('Neutrino: cloud networking that speaks the OpenStack Networking API v2.0.').showHelpAfterError();
program.addHelpText(
  'after',
  `
Examples:
  neutrino server --db-upgrade                  # the API on http://127.0.0.1:9696, SQLite in ./state
  sudo neutrino up                              # a working cloud network on this host; neutrino down undoes it
  sudo neutrino up --lab                        # the same inside one lab host (a namespace with its own underlay)
  neutrino sanity-check --agent dhcp            # what this host lacks to run an agent, with Debian packages
  sudo neutrino lab up --computes 2             # a multi-host cloud in namespaces (needs RabbitMQ)
  neutrino instance boot vm1 --network private  # an instance in the cloud that is up
  neutrino <command> --help                     # each command's options and examples`,
);

program
  .command('server')
  .description('Serve the Networking API v2.0 (default http://127.0.0.1:9696).')
  .option('--config-file <path>', 'INI file with Neutron option names; repeat to layer files (later wins)', collect, [])
  .option('--db-upgrade', 'apply pending database migrations before serving')
  .option('--bind-host <address>', 'override [DEFAULT] bind_host')
  .addOption(new Option('--bind-port <port>', 'override [DEFAULT] bind_port'))
  .addHelpText(
    'after',
    `
Logs are oslo.log-style text lines on standard output; [DEFAULT] use_json = true prints one JSON
object per line, debug = true adds debug lines, log_file / log_dir write to a file instead.

Examples:
  neutrino server --db-upgrade                          # SQLite in ./state, http://127.0.0.1:9696
  neutrino server --config-file /etc/neutrino/neutrino.conf
  openstack --os-auth-type none --os-endpoint http://127.0.0.1:9696 network list`,
  )
  .action(async (opts: { configFile: string[]; dbUpgrade?: boolean; bindHost?: string; bindPort?: string }) => {
    const overrides: Record<string, Record<string, string>> = { DEFAULT: {} };
    if (opts.bindHost) overrides.DEFAULT.bind_host = opts.bindHost;
    if (opts.bindPort) overrides.DEFAULT.bind_port = opts.bindPort;
    const config = loadConfig(opts, overrides);
    const log = makeLogger(config, 'neutrino-server');
    const workers = apiWorkers(config);
    if (workers > 1 && !isApiWorker()) {
      await runPrimary(config, log, workers, { upgradeDb: opts.dbUpgrade });
      process.exit(0);
    }
    // a worker's primary has migrated already
    const server = await startApiServer(config, log, { upgradeDb: opts.dbUpgrade && !isApiWorker() });
    const stop = async (signal: string) => {
      log.info({ event: 'server.signal', signal }, `received ${signal}, shutting down`);
      await server.close();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });

program
  .command('agent')
  .description('Run the agent of one kind for one host; it talks to the servers over [DEFAULT] transport_url.')
  .addArgument(new Argument('<kind>', 'agent kind').choices(AGENT_KINDS))
  .option('--host <name>', 'the host name ports are bound to (default: [DEFAULT] host, else the machine hostname)')
  .option('--config-file <path>', 'INI file(s): transport_url, state_path, interface_driver, agent_mode, [agent], [linux_bridge], [vxlan], [ovs]', collect, [])
  .addHelpText(
    'after',
    `
The L2 kinds (linuxbridge, openvswitch) register, heartbeat (report_state every [agent] report_interval) and report their
mappings, so ML2 binds ports to their host. The linuxbridge agent wires ports in the kernel:
one brq bridge per network, VXLAN devices over [vxlan] local_ip with l2population flood and
FDB entries, flat networks through [linux_bridge] physical_interface_mappings, and security
groups with nftables ([securitygroup] firewall_driver). With [agent] host_namespace = NS all
its devices live in netns NS (how \`neutrino lab\` runs several hosts on one machine).
The l3 agent (on a network host that also runs the linuxbridge agent) keeps one
qrouter-<router> namespace per router scheduled to it: qr-/qg- veths, routes, and SNAT and
floating IPs in nftables ([DEFAULT] agent_mode = legacy, interface_driver = linuxbridge; DVR
is not built). A restart changes nothing that is right and keeps connections. See
docs/l3-agent.md.
The metadata agent (next to the l3 and dhcp agents; [DEFAULT] metadata_proxy_shared_secret as
the server's) answers the metadata proxies on [DEFAULT] metadata_proxy_socket: it finds the
instance behind each request over RPC, signs its id and asks the server's metadata service.
The proxies run with [DEFAULT] enable_metadata_proxy (l3) and enable_isolated_metadata or
force_metadata (dhcp). See docs/metadata.md.
The openvswitch agent wires ports into [ovs] integration_bridge (ports found by
external_ids:iface-id through ovsdb-client monitor): one local VLAN per network, VXLAN ports on
[ovs] tunnel_bridge from l2population, patches to the bridges of [ovs] bridge_mappings with VLAN
and flat translation; flows replaced atomically (ovs-ofctl --bundle), none re-created on a
restart. The datapath (system/netdev) is detected and reported. Security groups with
[securitygroup] firewall_driver = openvswitch (OpenFlow ct() on br-int) or noop. See docs/openvswitch.md.
The dhcp agent serves the networks scheduled to its host: one qdhcp-<network> namespace
(<host_namespace>.qdhcp-<network> with [agent] host_namespace) per network with the agent's
DHCP port plugged as a veth (its tap wired by the host's linuxbridge agent, so run one on the
same --host) and one dnsmasq in static mode; files under [DEFAULT] state_path/dhcp/<network>.
Port changes rewrite the files and SIGHUP dnsmasq. dnsmasq keeps running when the agent stops
and is adopted, not restarted, when it starts again. See docs/dhcp.md.
Every agent first checks that its host has what it needs (neutrino sanity-check --agent KIND:
binaries with their Debian packages, kernel features) and refuses to start naming what is
missing. Logging options as for the server (use_json, debug, log_file, log_dir).

Examples:
  neutrino agent linuxbridge --host compute1 --config-file /etc/neutrino/neutrino.conf
      # with: [DEFAULT] transport_url = rabbit://guest:guest@127.0.0.1:5672/
      #       [linux_bridge] physical_interface_mappings = physnet1:eth1
      #       [vxlan] local_ip = 192.0.2.11
  neutrino agent l3 --host network1 --config-file /etc/neutrino/l3_agent.ini
      # with: [DEFAULT] transport_url = rabbit://guest:guest@127.0.0.1:5672/
      #       [DEFAULT] interface_driver = linuxbridge
      #       [DEFAULT] agent_mode = legacy
  neutrino agent openvswitch --host compute2 --config-file ovs.conf
      # with: [ovs] ovsdb_connection = unix:/var/run/openvswitch/db.sock, local_ip = 192.0.2.12,
      #       bridge_mappings = physnet1:br-eth1; [agent] tunnel_types = vxlan; [securitygroup] firewall_driver = openvswitch
  neutrino agent dhcp --host network1 --config-file /etc/neutrino/neutrino.conf
      # with: [DEFAULT] transport_url = rabbit://guest:guest@127.0.0.1:5672/
      #       [DEFAULT] state_path = /var/lib/neutrino   (dhcp_lease_duration, dnsmasq_dns_servers …)
  openstack network agent list --agent-type dhcp
  openstack network agent list --network net1          # the DHCP agents serving net1`,
  )
  .action(async (kind: AgentKind, opts: { host?: string; configFile: string[] }) => {
    const config = loadConfig(opts);
    const log = makeLogger(config, `neutrino-${kind}-agent`);
    const agent = await runAgent(kind, config, log, opts.host);
    const stop = async (signal: string) => {
      log.info({ event: 'agent.signal', signal }, `received ${signal}, shutting down`);
      await agent.stop();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });

program.addCommand(instanceCommands());
program.addCommand(keypairCommands());
program.addCommand(labCommands());
program.addCommand(sanityCheckCommand());
program.addCommand(traceCommand());
program.addCommand(auditCommand());
for (const c of upCommands()) program.addCommand(c);

const db = program.command('db').description('Database schema management.');
db.command('upgrade')
  .description('Apply every pending migration (safe to run again).')
  .option('--config-file <path>', 'INI file(s) naming [database] connection', collect, [])
  .addHelpText('after', '\nExample:\n  neutrino db upgrade --config-file /etc/neutrino/neutrino.conf')
  .action(async (opts: { configFile: string[] }) => {
    const config = loadConfig(opts);
    const conn = openDatabase(config.str('database', 'connection'));
    try {
      const pending = await pendingMigrations(conn);
      console.log(`database: ${conn.describe}`);
      console.log(pending.length ? `applying ${pending.length} migration(s)…` : 'nothing to apply');
      const r = await upgrade(conn, (name) => console.log(`  applied ${name}`));
      console.log(`done: schema at ${r.current ?? '(empty)'}`);
    } finally {
      await conn.close();
    }
  });
db.command('current')
  .description('Print the schema revision and pending migrations.')
  .option('--config-file <path>', 'INI file(s) naming [database] connection', collect, [])
  .action(async (opts: { configFile: string[] }) => {
    const config = loadConfig(opts);
    const conn = openDatabase(config.str('database', 'connection'));
    try {
      console.log(`database: ${conn.describe}`);
      console.log(`current: ${(await currentRevision(conn)) ?? '(empty)'}`);
      const pending = await pendingMigrations(conn);
      console.log(`pending: ${pending.length ? pending.join(', ') : 'none'}`);
    } finally {
      await conn.close();
    }
  });

program
  .command('config-sample')
  .description('Print a sample neutrino.conf with every option and its default.')
  .action(() => {
    process.stdout.write(sampleConfig());
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  const msg = e instanceof ConfigError ? `configuration error: ${e.message}` : ((e as Error).message ?? String(e));
  console.error(`neutrino: ${msg}`);
  process.exit(1);
});
