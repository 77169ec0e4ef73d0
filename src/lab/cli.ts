// `neutrino lab up|down|status|restart-agent`: a multi-host cloud on one machine.
import { accessSync, constants as fsConstants } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { AGENT_KINDS, agentOfProcess, DEFAULT_TRANSPORT_URL, labDown, labStatus, labUp, locateLab, restartAgent, type LabAgentKind, type LabRecord } from './lab.js';
import { runningLabs } from './registry.js';
import { API_NETWORK, DEFAULT_PREFIX, DEFAULT_TOPOLOGY, defaultLabDir, EXTERNAL, type LabMechanism, type LabTopology, PRIVATE, TOPOLOGIES, UNDERLAY } from './topology.js';

/** How to run this CLI in printed examples: `neutrino` when it is on PATH, else node + script. */
function cliName(): string {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(d, 'neutrino'), fsConstants.X_OK);
      return 'neutrino';
    } catch {
      // not here
    }
  }
  return `node ${fileURLToPath(new URL('../cli/main.js', import.meta.url))}`;
}

function summary(r: LabRecord, seconds: number): string {
  const n = cliName();
  // instance commands find the lab that is up by themselves; with several up they need --lab
  const labArg = runningLabs().length > 1 ? ` --lab ${r.prefix}` : '';
  // instances go on compute hosts; an all-in-one has only the controller
  const computes = r.hosts.filter((h) => h.name.startsWith('compute')).map((h) => h.name);
  if (!computes.length) computes.push(...r.hosts.filter((h) => h.agent).map((h) => h.name));
  const second = computes[1] ?? computes[0];
  const defaultDir = resolvePath(defaultLabDir(r.prefix, tmpdir())) === r.dir;
  const prefixArg = `${r.prefix === DEFAULT_PREFIX ? '' : ` --prefix ${r.prefix}`}${defaultDir ? '' : ` --dir ${r.dir}`}`;
  const agentsOf = (host: string) =>
    Object.keys(r.processes)
      .map(agentOfProcess)
      .filter((a) => a?.host === host)
      .map((a) => a!.kind)
      .join(' + ');
  const hostRows = r.hosts.map(
    (h) =>
      `    ${h.name.padEnd(11)} netns ${h.netns.padEnd(22)} eth0 ${h.mgmtIp.padEnd(12)} eth1 ${h.tunnelIp.padEnd(12)} ${h.agent ? `${agentsOf(h.name)} agents` : 'no agent'}${h.apiIp ? `; the server, API on eth4 ${h.apiIp}, RabbitMQ reached on eth0` : ''}`,
  );
  const agentCount = Object.keys(r.processes).filter((p) => agentOfProcess(p)).length;
  const inet = r.internet_netns ?? `${r.prefix}internet`;
  const external = r.external
    ? [
        `  external: network ${EXTERNAL.network} ${EXTERNAL.cidr}; ${PRIVATE.network} ${PRIVATE.cidr} (DHCP) behind router ${PRIVATE.router} (gateway ${r.external.router_gateway_ip}, SNAT)`,
        `  outside world: netns ${inet} (${EXTERNAL.gateway} on br-ext, ${EXTERNAL.internetHost} "on the internet")`,
        '',
        'Try:',
        `  export OS_AUTH_TYPE=none OS_ENDPOINT=${r.url}`,
        '  openstack network agent list',
        `  ${n} instance boot vm1 --network ${PRIVATE.network} --host ${computes[0]}${labArg}     # address by DHCP`,
        `  ${n} instance exec vm1${labArg} -- ping -c 3 ${EXTERNAL.internetHost}              # out through SNAT`,
        ...(r.metadata_port ? [`  ${n} instance exec vm1${labArg} -- curl -s http://169.254.169.254/openstack/latest/meta_data.json   # its metadata`] : []),
        `  openstack floating ip create ${EXTERNAL.network}`,
        '  openstack floating ip set --port <vm1 port id> <floating ip>',
        `  ip netns exec ${inet} ping -c 3 <floating ip>                                   # in through the floating IP`,
      ]
    : ['', 'Try:', `  export OS_AUTH_TYPE=none OS_ENDPOINT=${r.url}`, '  openstack network agent list'];
  return [
    `lab ${r.prefix} is up in ${seconds.toFixed(1)} s: topology ${r.topology ?? DEFAULT_TOPOLOGY}, server ${r.url}, ${agentCount} agents, RabbitMQ vhost ${r.vhost}`,
    '  hosts:',
    ...hostRows,
    `  underlay (netns ${r.underlay_netns}): ${UNDERLAY.map((u) => `${u.bridge} ${u.role} on ${u.nic}`).join('; ')}; ${API_NETWORK.bridge} API on the controller's ${API_NETWORK.nic}`,
    `  files: ${r.dir} (neutrino.conf, agent-<host>.conf, logs/, run/*.pid)`,
    ...external,
    '  openstack network create net1',
    '  openstack subnet create --network net1 --subnet-range 10.9.0.0/24 --no-dhcp sub1',
    `  ${n} instance boot vm11 --network net1 --host ${computes[0]} --fixed-ip 10.9.0.11${labArg}   # static address`,
    `  ${n} instance boot vm12 --network net1 --host ${second} --fixed-ip 10.9.0.12${labArg}`,
    `  ${n} instance exec vm11${labArg} -- ping -c 3 10.9.0.12`,
    `  ${n} instance list${labArg}`,
    `  ${n} lab status${prefixArg}`,
    `  ${n} lab down${prefixArg}`,
  ].join('\n');
}

interface Where {
  prefix?: string;
  dir?: string;
}

const whereOptions = (c: Command) =>
  c.option('--prefix <p>', `name prefix of the lab's namespaces (default ${DEFAULT_PREFIX}, or the one in --dir)`).option('--dir <path>', 'the lab directory (default: $TMPDIR/neutrino-<prefix>)');

export function labCommands(): Command {
  const lab = new Command('lab').description(
    'A multi-host cloud on one machine: host namespaces joined by underlay bridges, a server (with the metadata service) and one L2 agent per host; the DHCP, L3 and metadata agents on the network host.',
  );
  lab.addHelpText(
    'after',
    `
Examples:
  neutrino lab up --computes 2
  neutrino lab status
  neutrino lab restart-agent compute1
  neutrino lab down
  neutrino lab up --prefix demo- --port 9797 --dir /tmp/demo-lab`,
  );

  lab
    .command('up')
    .description('Make the host namespaces and underlay, start the server and the agents, wait until all are alive.')
    .option('--computes <n>', 'number of compute hosts (default 2; none with --topology all-in-one)')
    .addOption(new Option('--topology <shape>', 'where the DHCP and L3 agents run: on a network host, on the controller, or everything on one host').choices(TOPOLOGIES).default(DEFAULT_TOPOLOGY))
    .option('--prefix <p>', 'name prefix of every namespace the lab makes', DEFAULT_PREFIX)
    .option('--dir <path>', 'where configs, the SQLite database, logs and pid files go (default: $TMPDIR/neutrino-<prefix>)')
    .option('--port <port>', 'API port on 127.0.0.1', '9696')
    .option('--transport-url <url>', 'RabbitMQ to use; the lab makes its own vhost on it', DEFAULT_TRANSPORT_URL)
    .option('--timeout <seconds>', 'how long to wait for the server and for the agents', '60')
    .option('--mechanism <m>', 'which hosts run the Open vSwitch agent: linuxbridge (none), openvswitch (every compute), mixed (compute1); the network host stays on Linux bridge', 'linuxbridge')
    .option('--no-external', `do not make the external network ${EXTERNAL.network}, the network ${PRIVATE.network} and the router ${PRIVATE.router}`)
    .option('--service-plugins <list>', "comma-separated service plugins the server loads beyond router and metadata (Neutron's names)")
    .option('--agent-extensions <list>', "comma-separated [agent] extensions of the network host's agents (the L3 agent's router extensions)")
    .option(
      '--extra-config <path>',
      "a config file layered over the lab's own for the server and every agent (repeatable; e.g. nova-network's [DEFAULT] flat_network_bridge)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .addHelpText(
      'after',
      "\nBefore making anything it checks this machine (neutrino sanity-check --role lab) and refuses, naming what is missing.\nEach traffic type has its own underlay bridge: management (agents ↔ RabbitMQ at the controller's 10.20.0.10) on br-mgmt,\nthe API (server on the controller's 10.22.0.10, relayed to 127.0.0.1:PORT) on br-api, VXLAN on br-tun, external on br-ext;\nthe server and the agents run in their hosts' namespaces (lab status shows every address).\n\nExamples:\n  neutrino lab up\n  neutrino lab up --computes 3 --prefix t1- --port 9797\n  neutrino lab up --no-external      # hosts and agents only\n  neutrino lab up --topology controller-compute --computes 1\n  neutrino lab up --topology all-in-one\n  neutrino lab up --service-plugins firewall_v2 --agent-extensions fwaas_v2   # firewall groups on routers (docs/fwaas.md)\n  neutrino lab up --mechanism mixed  # compute1 on Open vSwitch (userspace datapath here), the others on Linux bridge",
    )
    .action(async (o: UpFlags) => {
      const computes = o.computes !== undefined ? Number(o.computes) : o.topology === 'all-in-one' ? 0 : 2;
      const t0 = Date.now();
      const abort = new AbortController();
      const onSignal = () => {
        console.log('interrupted: undoing what lab up made …');
        abort.abort(new Error('interrupted'));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      console.log(`lab up: prefix ${o.prefix}, topology ${o.topology}, ${computes} compute host(s), API port ${o.port}`);
      const r = await labUp({
        prefix: o.prefix,
        computes,
        topology: o.topology,
        dir: o.dir,
        port: Number(o.port),
        transportUrl: o.transportUrl,
        timeoutS: Number(o.timeout) || 60,
        signal: abort.signal,
        external: o.external,
        mechanism: o.mechanism as LabMechanism,
        servicePlugins: splitList(o.servicePlugins),
        agentExtensions: splitList(o.agentExtensions),
        extraConfig: o.extraConfig,
        onProgress: (line) => console.log(`  ${line}`),
      });
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      console.log(summary(r, (Date.now() - t0) / 1000));
    });

  whereOptions(lab.command('down').description("Delete the lab's instances, stop its processes (by pid), delete its namespaces and vhost. Safe to run again."))
    .addHelpText('after', '\nExamples:\n  neutrino lab down\n  neutrino lab down --prefix t1-')
    .action(async (o: Where) => {
      const { prefix, dir } = locateLab(o.prefix, o.dir, DEFAULT_PREFIX);
      console.log(`lab down: prefix ${prefix}, ${dir}`);
      const r = await labDown(prefix, dir, (line) => console.log(`  ${line}`));
      const nothing = !r.instances && !r.processes.length && !r.namespaces && !r.vhost;
      console.log(nothing ? `lab ${prefix} was not up: nothing to do` : `lab ${prefix} is down (logs and configs stay in ${dir})`);
    });

  whereOptions(lab.command('status').description("Show the lab's namespaces, processes, agents and instances; exit 1 unless all is well."))
    .addHelpText('after', '\nExample:\n  neutrino lab status')
    .action(async (o: Where) => {
      const { prefix, dir } = locateLab(o.prefix, o.dir, DEFAULT_PREFIX);
      const s = await labStatus(prefix, dir);
      if (!s.record) {
        console.log(`no lab with prefix ${prefix} in ${dir} (neutrino lab up${prefix === DEFAULT_PREFIX ? '' : ` --prefix ${prefix}`})`);
      } else {
        console.log(`lab ${prefix} in ${dir}: ${s.up ? 'UP' : 'NOT HEALTHY'} (API ${s.record.url})`);
      }
      for (const l of s.lines) console.log(`  ${l.ok ? 'ok ' : 'BAD'} ${l.what.padEnd(24)} ${l.detail}`);
      if (!s.up) process.exitCode = 1;
    });

  whereOptions(
    lab
      .command('restart-agent')
      .description("Start a host's agent again with its original command line (stops it first if it runs) and wait until the server sees it start.")
      .argument('<host>', 'e.g. compute1')
      .option('--kind <kind>', `which agent of the host: ${Object.keys(AGENT_KINDS).join(', ')} (default: its L2 agent)`),
  )
    .addHelpText('after', '\nExamples:\n  neutrino lab restart-agent compute1\n  neutrino lab restart-agent network --kind dhcp')
    .action(async (host: string, o: Where & { kind?: string }) => {
      if (o.kind !== undefined && !(o.kind in AGENT_KINDS)) throw new Error(`--kind ${o.kind}: give one of ${Object.keys(AGENT_KINDS).join(', ')}`);
      const { dir } = locateLab(o.prefix, o.dir, DEFAULT_PREFIX);
      const r = await restartAgent(dir, host, 30, (line) => console.log(`  ${line}`), o.kind as LabAgentKind | undefined);
      console.log(`${r.kind} agent of ${host} is back (pid ${r.pid}, reported its start after ${r.ms} ms)`);
    });
  return lab;
}

interface UpFlags {
  computes?: string;
  topology: LabTopology;
  prefix: string;
  dir?: string;
  port: string;
  transportUrl: string;
  timeout: string;
  external: boolean;
  mechanism: string;
  servicePlugins?: string;
  agentExtensions?: string;
  extraConfig?: string[];
}

const splitList = (v?: string): string[] | undefined =>
  v
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);
