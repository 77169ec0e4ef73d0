#!/usr/bin/env node
// `neutrino-manage`: nova-manage's network, fixed and floating commands on Neutrino's one data
// model. It assembles the server's plugins from the same configuration (database and message
// bus) and works on the database directly, as nova-manage did; agents hear of the changes over
// [DEFAULT] transport_url as from any server.
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { Config, ConfigError } from '../config/config.js';
import { NeutronError } from '../api/errors.js';
import { parseNetworkManager } from '../plugins/nova_network/modes.js';
import type { NovaNetworkParts } from '../plugins/nova_network/nova-network-plugin.js';
import type { NovaNetworkView } from '../plugins/nova_network/nova-networks.js';

const collect = (v: string, prev: string[]) => [...prev, v];

/** Runs `work` with nova-network's parts of a server assembled from the configuration, then closes it. */
async function withNovaNetwork<T>(program: Command, work: (parts: NovaNetworkParts, config: Config) => Promise<T>): Promise<T> {
  const { configFile } = program.opts<{ configFile: string[] }>();
  const config = Config.load(configFile);
  config.validate();
  parseNetworkManager(config.str('DEFAULT', 'network_manager'));
  // command output on stdout; the plugins' log lines only when they warn (or with debug)
  const log = pino({ name: 'neutrino-manage', level: config.bool('DEFAULT', 'debug') ? 'debug' : 'warn' }, pino.destination(2));
  // the server's modules load only for a command that runs (not for --help or a bad option)
  const [{ openDatabase }, { pendingMigrations }, { openBus }, { buildApi }, { buildNovaNetwork }] = await Promise.all([
    import('../db/connection.js'),
    import('../db/migrate.js'),
    import('../rpc/index.js'),
    import('../server/assemble.js'),
    import('../plugins/nova_network/nova-network-plugin.js'),
  ]);
  const db = openDatabase(config.str('database', 'connection'));
  try {
    const pending = await pendingMigrations(db);
    if (pending.length) throw new Error(`the database (${db.describe}) lacks migration(s) ${pending.join(', ')}: run neutrino db upgrade with the same --config-file first`);
    const bus = await openBus(config.str('DEFAULT', 'transport_url'), { log, connectionName: `neutrino-manage:${process.pid}` }).catch((e: Error) => {
      throw new Error(`cannot reach the message bus: ${e.message}. Check [DEFAULT] transport_url and that RabbitMQ is running.`);
    });
    const api = buildApi({ config, db, log, bus });
    try {
      return await work(buildNovaNetwork(api.services, api.core, api.plugins.find((p) => p.l3)?.l3), config);
    } finally {
      await api.app.close();
      await bus.close();
    }
  } finally {
    await db.close();
  }
}

/** The network host as gateway of the Flat and FlatDHCP networks (mode-gateway.ts); says what is missing. */
async function ensureGateway(nn: NovaNetworkParts): Promise<void> {
  const gw = await nn.gateway.ensure((line) => console.log(line));
  if (gw.missing) console.log(`no gateway out yet: ${gw.missing}`);
}

/** Columns padded to their widest cell. */
function table(head: string[], rows: (string | number | null)[][]): string {
  const cells = [head, ...rows.map((r) => r.map((c) => (c === null || c === '' ? '-' : String(c))))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function networkTable(list: NovaNetworkView[]): string {
  return table(
    ['uuid', 'label', 'mode', 'IPv4', 'gateway', 'DHCP start', 'DNS1', 'DNS2', 'VlanID', 'bridge', 'interface', 'multi_host', 'project'],
    list.map((n) => [n.id, n.label, n.mode, n.cidr, n.gateway, n.dhcpStart, n.dns1, n.dns2, n.vlan, n.bridge, n.bridgeInterface, n.multiHost ? 'T' : 'F', n.projectId]),
  );
}

/** nova-manage's booleans: T/F, true/false, yes/no, 1/0. */
function parseBool(option: string, v: string | undefined): boolean {
  if (v === undefined) return false;
  const t = v.toLowerCase();
  if (['t', 'true', 'yes', 'y', '1'].includes(t)) return true;
  if (['f', 'false', 'no', 'n', '0'].includes(t)) return false;
  throw new NeutronError('InvalidInput', 400, `${option}: '${v}' is not a boolean (T or F)`);
}

function parseWhole(option: string, v: string | undefined): number | null {
  if (v === undefined) return null;
  if (!/^-?\d+$/.test(v.trim())) throw new NeutronError('InvalidInput', 400, `${option}: '${v}' is not a whole number`);
  return Number(v);
}

const program = new Command();
program
  .name('neutrino-manage')
  .description("nova-manage's network, fixed and floating commands: nova-network's Flat, FlatDHCP and VLAN modes on Neutrino's networks.")
  .option('--config-file <path>', 'INI file(s) naming [database] connection, transport_url and the nova-network options; repeat to layer', collect, [])
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
Every network made here is a Neutron network with one subnet (openstack network list shows it);
the mode ([DEFAULT] network_manager, or --network_manager) is stored with it. See docs/nova-network.md.

Examples:
  neutrino-manage --config-file neutrino.conf network create --label private --fixed_range_v4 10.0.0.0/27 \\
      --num_networks 1 --network_size 32 --bridge br100 --bridge_interface eth1 --network_manager flatdhcp
  neutrino-manage network create --label vlans --fixed_range_v4 10.0.0.0/16 --num_networks 100 \\
      --network_size 256 --vlan_start 100 --bridge_interface eth1
  neutrino-manage network list
  neutrino-manage network modify 10.0.3.0/24 --project 8c1f…
  neutrino-manage fixed reserve --address 10.0.0.5
  neutrino-manage floating create --ip_range 172.24.4.0/28 --pool public --interface eth3
  neutrino-manage floating list`,
  );

const network = program.command('network').description('Networks: create, list, delete, modify.');
network
  .command('create')
  .description('Make networks of a mode from a range: one (Flat, FlatDHCP) or a pool of --num_networks (VLAN), in one transaction.')
  .requiredOption('--label <name>', 'network name (with several networks: <label>_<index>)')
  .requiredOption('--fixed_range_v4 <cidr>', 'IPv4 range the networks are cut from, e.g. 10.0.0.0/16')
  .option('--num_networks <n>', 'how many networks (default 1)')
  .option('--network_size <n>', 'addresses per network, a power of two (default 256)')
  .option('--bridge <name>', 'bridge instances plug into (Flat/FlatDHCP; default [DEFAULT] flat_network_bridge; VLAN: br<vlan>)')
  .option('--bridge_interface <name>', 'interface under the bridge (default [DEFAULT] flat_interface or vlan_interface)')
  .option('--vlan_start <n>', 'VLAN mode: first VLAN (default [DEFAULT] vlan_start); network i gets vlan_start + i')
  .option('--multi_host <T|F>', 'DHCP and NAT on every compute host for its own instances (default F)')
  .option('--project_id <id>', 'project the network(s) belong to (default: none; a VLAN network is then in the pool)')
  .option('--dns1 <ip>', 'first DNS server')
  .option('--dns2 <ip>', 'second DNS server')
  .addOption(new Option('--network_manager <mode>', 'mode of these networks (default [DEFAULT] network_manager): flat, flatdhcp, vlan or nova class path'))
  .addHelpText(
    'after',
    `
Checked before anything is written: the range is free (no subnet overlaps it), network_size is a
power of two that fits, the VLANs (vlan_start … vlan_start+num_networks-1) are within 1-4094 and
free on the interface, the bridges are free. Flat/FlatDHCP networks are flat provider networks
on the physical network named after the bridge; VLAN networks are VLAN provider networks on the
physical network named after the interface (list it in [ml2_type_vlan] network_vlan_ranges).

Examples:
  neutrino-manage network create --label private --fixed_range_v4 10.0.0.0/27 --network_size 32 \\
      --bridge br100 --bridge_interface eth1 --network_manager flat
  neutrino-manage network create --label pool --fixed_range_v4 10.0.0.0/16 --num_networks 1000 \\
      --network_size 64 --vlan_start 100 --bridge_interface eth1 --network_manager vlan`,
  )
  .action(async (o: Record<string, string | undefined>) => {
    await withNovaNetwork(program, async (nn, config) => {
      const mode = o.network_manager !== undefined ? parseNetworkManager(o.network_manager, '--network_manager') : nn.defaultMode;
      const flat = mode !== 'vlan';
      const made = await nn.networks.create(
        {
          mode,
          label: o.label!,
          fixedRangeV4: o.fixed_range_v4!,
          numNetworks: parseWhole('--num_networks', o.num_networks) ?? 1,
          networkSize: parseWhole('--network_size', o.network_size) ?? 256,
          bridge: o.bridge ?? (flat ? config.str('DEFAULT', 'flat_network_bridge') || null : null),
          bridgeInterface: o.bridge_interface ?? (config.str('DEFAULT', flat ? 'flat_interface' : 'vlan_interface') || null),
          vlanStart: flat ? parseWhole('--vlan_start', o.vlan_start) : (parseWhole('--vlan_start', o.vlan_start) ?? config.int('DEFAULT', 'vlan_start')),
          multiHost: parseBool('--multi_host', o.multi_host),
          projectId: o.project_id ?? null,
          dns1: o.dns1 ?? null,
          dns2: o.dns2 ?? null,
        },
        (step) => console.error(`… ${step}`),
      );
      console.log(made.length > 20 ? networkTable([...made.slice(0, 10), ...made.slice(-10)]) : networkTable(made));
      if (flat) await ensureGateway(nn);
      if (made.length > 20) console.log(`(${made.length} networks made; neutrino-manage network list shows them all)`);
    });
  });

network
  .command('list')
  .description('List the nova-network networks in address order.')
  .addHelpText('after', '\nExample:\n  neutrino-manage --config-file neutrino.conf network list')
  .action(async () => {
    await withNovaNetwork(program, async (nn) => {
      console.log(networkTable(await nn.networks.list()));
    });
  });

network
  .command('delete')
  .description('Delete a network by its range (or uuid): refused while a project holds it (VLAN) or instances are on it.')
  .argument('[cidr]', 'the network range, e.g. 10.0.3.0/24')
  .option('--fixed_range <cidr>', "nova-manage's spelling of the range")
  .option('--uuid <id>', 'the network uuid instead of the range')
  .addHelpText('after', '\nExamples:\n  neutrino-manage network delete 10.0.3.0/24\n  neutrino-manage network delete --uuid 3f0e…')
  .action(async (cidr: string | undefined, o: { fixed_range?: string; uuid?: string }) => {
    const which = cidr ?? o.fixed_range ?? o.uuid;
    if (!which) program.error('network delete: give the range (network delete 10.0.3.0/24) or --uuid');
    await withNovaNetwork(program, async (nn) => {
      const gone = await nn.networks.delete(which!);
      console.log(`deleted network ${gone.cidr} (${gone.label}, ${gone.id})`);
    });
  });

network
  .command('modify')
  .description('Give a network to a project (--project) or take it back into the pool (--disassociate-project).')
  .argument('<cidr>', 'the network range, e.g. 10.0.3.0/24')
  .option('--project <id>', 'the project that gets the network')
  .option('--disassociate-project', 'the network belongs to no project again')
  .addHelpText('after', '\nExamples:\n  neutrino-manage network modify 10.0.3.0/24 --project 8c1f…\n  neutrino-manage network modify 10.0.3.0/24 --disassociate-project')
  .action(async (cidr: string, o: { project?: string; disassociateProject?: boolean }) => {
    if (!!o.project === !!o.disassociateProject) program.error('network modify: give exactly one of --project P and --disassociate-project');
    await withNovaNetwork(program, async (nn) => {
      const n = await nn.networks.setProject(cidr, o.project ?? null);
      console.log(n.projectId ? `network ${n.cidr} belongs to project ${n.projectId}` : `network ${n.cidr} belongs to no project`);
    });
  });

const fixed = program.command('fixed').description('Fixed IPs: reserve and unreserve addresses of a network.');
fixed
  .command('reserve')
  .description('Keep an address of a network from being given to instances.')
  .requiredOption('--address <ip>', 'the fixed IP')
  .addHelpText('after', '\nExample:\n  neutrino-manage fixed reserve --address 10.0.0.5')
  .action(async (o: { address: string }) => {
    await withNovaNetwork(program, async (nn) => {
      const r = await nn.reserved.reserve(o.address);
      console.log(`reserved ${r.address} (port ${r.portId} on network ${r.networkId})`);
    });
  });
fixed
  .command('unreserve')
  .description('Let instances have a reserved address again.')
  .requiredOption('--address <ip>', 'the fixed IP')
  .addHelpText('after', '\nExample:\n  neutrino-manage fixed unreserve --address 10.0.0.5')
  .action(async (o: { address: string }) => {
    await withNovaNetwork(program, async (nn) => {
      const r = await nn.reserved.unreserve(o.address);
      console.log(`unreserved ${r.address}`);
    });
  });

const floating = program.command('floating').description('Floating IPs: pools and their ranges.');
floating
  .command('create')
  .description("Add a range of addresses to a floating pool (the pool's external network is made on first use).")
  .requiredOption('--ip_range <cidr>', 'the range, e.g. 172.24.4.0/28 (its host addresses float)')
  .option('--pool <name>', 'pool name (default [DEFAULT] default_floating_pool)')
  .option('--interface <name>', "interface the pool's addresses live on (default [DEFAULT] public_interface)")
  .option('--gateway <ip>', "Neutrino's addition: the upstream router on the range (the mode gateway's default route; not a floating address)")
  .addHelpText(
    'after',
    '\nExamples:\n  neutrino-manage floating create --ip_range 172.24.4.0/28 --pool public --interface eth3\n  neutrino-manage floating create --ip_range 172.24.4.0/26 --pool public --interface eth3 --gateway 172.24.4.1',
  )
  .action(async (o: { ip_range: string; pool?: string; interface?: string; gateway?: string }) => {
    await withNovaNetwork(program, async (nn, config) => {
      const r = await nn.floating.create(o.ip_range, o.pool ?? config.str('DEFAULT', 'default_floating_pool'), o.interface ?? config.str('DEFAULT', 'public_interface'), o.gateway ?? null);
      console.log(`pool ${r.pool}: added ${r.range} (${r.addresses} addresses) on ${r.interface}`);
      if (r.pool === config.str('DEFAULT', 'default_floating_pool')) await ensureGateway(nn);
    });
  });
floating
  .command('list')
  .description('List every address of every pool: project, address, instance, pool, interface.')
  .option('--host <name>', 'only addresses of instances on this host')
  .addHelpText('after', '\nExamples:\n  neutrino-manage floating list\n  neutrino-manage floating list --host compute1')
  .action(async (o: { host?: string }) => {
    await withNovaNetwork(program, async (nn) => {
      const list = await nn.floating.list(o.host);
      console.log(
        table(
          ['project', 'address', 'instance', 'pool', 'interface'],
          list.map((f) => [f.projectId, f.address, f.instanceId, f.pool, f.interface]),
        ),
      );
    });
  });
floating
  .command('delete')
  .description('Delete a range: refused while any of its addresses is allocated; the pool goes with its last range.')
  .requiredOption('--ip_range <cidr>', 'the range as created')
  .addHelpText('after', '\nExample:\n  neutrino-manage floating delete --ip_range 172.24.4.0/28')
  .action(async (o: { ip_range: string }) => {
    await withNovaNetwork(program, async (nn) => {
      const r = await nn.floating.delete(o.ip_range);
      console.log(`deleted ${r.range} from pool ${r.pool}`);
    });
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  const msg = e instanceof ConfigError ? `configuration error: ${e.message}` : e instanceof NeutronError ? `${e.type}: ${e.message}` : ((e as Error).message ?? String(e));
  console.error(`neutrino-manage: ${msg}`);
  process.exit(1);
});
