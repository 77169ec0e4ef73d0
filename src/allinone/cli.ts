// `neutrino up` and `neutrino down`: the all-in-one on this host.
import { Command, Option } from 'commander';
import { makeLogger } from '../common/logger.js';
import { Config } from '../config/config.js';
import { EXTERNAL, PRIVATE } from '../lab/topology.js';
import { startApiServer } from '../server/api-server.js';
import { allInOneDown, allInOneUp, DEFAULT_UP_PREFIX, defaultUpDir, runAllInOneProcess, upPaths } from './all-in-one.js';
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';

const collect = (v: string, prev: string[]) => [...prev, v];

export function upCommands(): Command[] {
  const up = new Command('up')
    .description(
      'A working cloud network on this host in one command: the server and the Linux bridge, DHCP and L3 agents in one process (SQLite, in-process bus), the external network, a project network with DHCP and a router. Without root: the API only.',
    )
    .option('--prefix <p>', 'names of what it makes in the root namespace: PREFIXext, PREFIXinternet, PREFIXvm-NAME', DEFAULT_UP_PREFIX)
    .option('--dir <path>', 'config, SQLite file, log, records (default: $TMPDIR/neutrino-up-<prefix>)')
    .option('--port <port>', 'API port on 127.0.0.1', '9696')
    .option('--timeout <seconds>', 'how long to wait for the agents and the router', '60')
    .option('--lab', 'devices in one lab host (the namespace PREFIXcontroller with its own underlay), not in the root namespace')
    .addOption(new Option('--in-process').hideHelp())
    .addOption(new Option('--config-file <path>').hideHelp().argParser(collect).default([]))
    .addHelpText(
      'after',
      `
As root it checks this host first (neutrino sanity-check --role up) and refuses, naming what is
missing. Devices live in the root namespace: brq bridges, qdhcp-/qrouter- namespaces, taps; the
outside world is the namespace PREFIXinternet (${EXTERNAL.gateway}, "${EXTERNAL.internetHost}" on the internet)
behind the flat external network ${EXTERNAL.network}. Instance commands find it without --config-file.
Without root it says why and serves the API only, in the foreground.
With --lab nothing goes in the root namespace but the process: the devices live in the lab host
PREFIXcontroller (eth0 management, eth1 tunnel, eth2 physnet1, eth3 public) on the underlay
PREFIXunderlay, as \`neutrino lab up --topology all-in-one\` makes its host; no RabbitMQ needed.

Examples:
  sudo neutrino up
  sudo neutrino up --lab --prefix demo-     # everything in namespaces demo-*; neutrino down --prefix demo-
  neutrino instance boot vm1 --network ${PRIVATE.network}                  # address by DHCP
  neutrino instance exec vm1 -- ping -c 3 ${EXTERNAL.internetHost}          # out by SNAT
  neutrino down`,
    )
    .action(async (o: { prefix: string; dir?: string; port: string; timeout: string; lab?: boolean; inProcess?: boolean; configFile: string[] }) => {
      if (o.inProcess) {
        await runAllInOneProcess(o.configFile[0]);
        return;
      }
      const dir = resolvePath(o.dir ?? defaultUpDir(o.prefix));
      if (process.getuid?.() !== 0) {
        console.log('neutrino up: the data plane needs root (network namespaces, bridges, nftables, dnsmasq): serving the API only.');
        const config = Config.load([], { DEFAULT: { bind_port: o.port, state_path: dir } });
        const log = makeLogger(config, 'neutrino-server');
        const server = await startApiServer(config, log, { upgradeDb: true });
        console.log(`API on http://127.0.0.1:${o.port} (SQLite in ${dir}); Ctrl-C stops it`);
        process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
        process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
        return;
      }
      const t0 = Date.now();
      console.log(`neutrino up: prefix ${o.prefix}, API port ${o.port}, ${dir}`);
      const abort = new AbortController();
      const onSignal = () => {
        console.log('interrupted: undoing what neutrino up made …');
        abort.abort(new Error('interrupted'));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const r = await allInOneUp({
        prefix: o.prefix,
        dir,
        port: Number(o.port),
        timeoutS: Number(o.timeout) || 60,
        lab: o.lab === true,
        signal: abort.signal,
        onProgress: (l) => console.log(`  ${l}`),
      });
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      const where = `${o.prefix === DEFAULT_UP_PREFIX ? '' : ` --prefix ${o.prefix}`}${dir === resolvePath(defaultUpDir(o.prefix)) ? '' : ` --dir ${dir}`}`;
      console.log(
        [
          `up in ${((Date.now() - t0) / 1000).toFixed(1)} s: server ${r.url} with the Linux bridge, DHCP and L3 agents of host ${r.host} in one process (log ${upPaths(dir).log})`,
          `  ${EXTERNAL.network} ${EXTERNAL.cidr} (floating IPs), ${PRIVATE.network} ${PRIVATE.cidr} (DHCP), ${PRIVATE.router} (gateway ${r.external?.router_gateway_ip}, SNAT)`,
          ...(r.lab
            ? [
                `  lab host: netns ${r.lab.host.netns} (eth0 ${r.lab.host.mgmtIp} management, eth1 ${r.lab.host.tunnelIp} tunnel, eth2 physnet1, eth3 ${EXTERNAL.network}); underlay netns ${r.lab.underlay_netns}`,
                `  its devices: ip netns exec ${r.lab.host.netns} ip link; ip netns list | grep ${r.lab.host.netns}.`,
              ]
            : []),
          `  outside world: ip netns exec ${r.internet_netns} …`,
          '',
          'Try:',
          `  export OS_AUTH_TYPE=none OS_ENDPOINT=${r.url}`,
          '  openstack network agent list',
          `  neutrino instance boot vm1 --network ${PRIVATE.network}`,
          `  neutrino instance exec vm1 -- ping -c 3 ${EXTERNAL.internetHost}`,
          `  openstack floating ip create ${EXTERNAL.network}`,
          '  openstack floating ip set --port $(openstack port show vm1 -f value -c id) <floating ip>',
          '  openstack security group rule create --protocol icmp default',
          `  ip netns exec ${r.internet_netns} ping -c 3 <floating ip>`,
          `  neutrino down${where}`,
        ].join('\n'),
      );
    });

  const down = new Command('down')
    .description('Undo neutrino up: delete its instances, stop its process, delete its namespaces and devices (found from its database), its files but the log.')
    .option('--prefix <p>', 'the prefix given to neutrino up (default: the one in --dir)')
    .option('--dir <path>', 'the directory of neutrino up (default: $TMPDIR/neutrino-up-<prefix>)')
    .addHelpText('after', '\nExamples:\n  neutrino down\n  neutrino down --prefix t1-')
    .action(async (o: { prefix?: string; dir?: string }) => {
      const dir = resolvePath(o.dir ?? defaultUpDir(o.prefix ?? DEFAULT_UP_PREFIX));
      let prefix = o.prefix;
      try {
        const known = readFileSync(upPaths(dir).prefixFile, 'utf8').trim();
        if (prefix !== undefined && known !== prefix) throw new Error(`${dir} belongs to prefix ${known}, not ${prefix}`);
        prefix = known;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      prefix ??= DEFAULT_UP_PREFIX;
      console.log(`neutrino down: prefix ${prefix}, ${dir}`);
      const r = await allInOneDown(prefix, dir, (l) => console.log(`  ${l}`));
      const nothing = !r.instances && r.process === 'not running' && !r.namespaces && !r.devices;
      console.log(nothing ? 'nothing was up' : `down (the log stays in ${upPaths(dir).log})`);
    });
  return [up, down];
}
