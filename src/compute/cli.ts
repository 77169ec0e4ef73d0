// `neutrino instance …`: instances as network namespaces, booted and deleted through the API.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { Command } from 'commander';
import { Config } from '../config/config.js';
import { inNetns } from '../linux/exec.js';
import { DEFAULT_OS_URL, NetworkApi, type Json } from './api-client.js';
import { InstanceStore, type InstanceRecord } from './instance-store.js';
import { namespaceExists } from '../linux/netns.js';
import { bootInstance, deleteInstance, renewInstance } from './instances.js';
import { CONFIG_DRIVE_IN_INSTANCE } from './config-drive.js';
import { modeNetwork } from './mode-network.js';
import { parseFixedIp } from './resolve.js';
import { labForCommand } from '../lab/registry.js';
import { labPaths } from '../lab/topology.js';

const collect = (v: string, prev: string[]) => [...prev, v];

/** Where a command finds the API: --config-file, --lab, --os-url, --os-token (instance, trace, audit). */
export interface CommonOpts {
  configFile: string[];
  lab?: string;
  osUrl?: string;
  osToken?: string;
}

export function withCommon(cmd: Command): Command {
  return cmd
    .option('--config-file <path>', 'INI file(s): [DEFAULT] state_path holds the instance records (default: the config of the lab that is up)', collect, [])
    .option('--lab <prefix>', 'the lab to use when several are up (neutrino lab up --prefix PREFIX)')
    .option('--os-url <url>', `Networking API endpoint (default: $OS_ENDPOINT, else bind_host:bind_port of --config-file, else ${DEFAULT_OS_URL})`)
    .option('--os-token <token>', 'X-Auth-Token to send (default: $OS_TOKEN; none under noauth)');
}

/** API endpoint and record store from the options, env and config file. */
export function computeContext(opts: CommonOpts): { api: NetworkApi; store: InstanceStore } {
  let files = opts.configFile;
  // no --config-file: the lab that is up (or --lab PREFIX), so records land in the lab's dir
  // and `lab down` finds them
  if (!files.length) {
    const lab = labForCommand(opts.lab);
    if (lab) files = [labPaths(lab.dir).serverConf];
  } else if (opts.lab !== undefined) {
    throw new Error('give --lab or --config-file, not both');
  }
  const config = Config.load(files);
  let url = opts.osUrl || process.env.OS_ENDPOINT || '';
  if (!url && files.length) url = `http://${config.str('DEFAULT', 'bind_host')}:${config.int('DEFAULT', 'bind_port')}`;
  const api = new NetworkApi({ url: url || DEFAULT_OS_URL, token: opts.osToken || process.env.OS_TOKEN || undefined });
  return { api, store: new InstanceStore(config.str('DEFAULT', 'state_path')) };
}

const ips = (r: InstanceRecord) => r.fixed_ips.map((f) => f.ip_address).join(', ');

export function instanceCommands(): Command {
  const instance = new Command('instance').description('Instances as network namespaces (what Nova and os-vif do): boot, list, show, exec, renew, delete.');
  instance.addHelpText(
    'after',
    `
Without --config-file the commands use the lab that is up (neutrino lab up), or the one
--lab PREFIX names when several are; else ./state and http://127.0.0.1:9696.

Examples (against a lab: neutrino lab up; export OS_AUTH_TYPE=none OS_ENDPOINT=http://127.0.0.1:9696):
  openstack network create net1
  openstack subnet create --network net1 --subnet-range 10.0.0.0/24 sub1
  neutrino instance boot vm1 --network net1 --host compute1
  neutrino instance boot vm2 --network net1 --host compute2
  neutrino instance exec vm1 -- ping -c 3 10.0.0.4
  neutrino instance renew vm1
  neutrino instance delete vm1
  neutrino instance list --lab t1-                          # with several labs up
  neutrino instance list --config-file /etc/neutrino/neutrino.conf`,
  );

  withCommon(
    instance
      .command('boot')
      .description(
        'Create a port, a namespace with eth0 (tap end on the host), bind the port to the host and wait until it is ACTIVE; then take the address by DHCP (busybox udhcpc) when the subnet has enable_dhcp, else configure it statically. IPv6: SLAAC and DHCPv6-stateless addresses come from the router advertisement (eth0 accepts them), DHCPv6-stateful ones by DHCPv6 (ISC dhclient -6).',
      )
      .argument('<name>', 'instance name (also the port name)')
      .option('--network <net>', "network name or id (default: the nova-network mode's network: the flat one, or the project's VLAN network)")
      .option('--fixed-ip <ip|subnet=ID,ip=IP>', 'fixed IP (repeatable); default: one from each subnet', collect, [])
      .option('--security-group <sg>', "security group name or id (repeatable); default: the project's default group", collect, [])
      .option('--host <host>', 'host to boot on (default: the only host with a live L2 agent)')
      .option('--no-port-security', 'port_security_enabled=false: no security groups, no anti-spoofing')
      .option('--timeout <seconds>', 'how long to wait for the port to be ACTIVE', '30')
      .option('--user-data <file>', 'user data the instance reads from the metadata service (openstack/latest/user_data, latest/user-data)')
      .option('--key-name <name>', 'a key pair of the project (neutrino keypair create): its public key is served to the instance')
      .option('--ssh-key <file>', 'an OpenSSH public key file served to the instance (as key pair "ssh-key")')
      .option('--property <key=value>', 'instance property, served as meta in meta_data.json (repeatable)', collect, [])
      .option(
        '--config-drive',
        `also give the instance its metadata as files, its config drive: ${CONFIG_DRIVE_IN_INSTANCE}/openstack/latest/meta_data.json, …/ec2/latest/… inside the instance; without DHCP it then configures its address from the drive's network_data.json`,
      ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  neutrino instance boot vm1 --network net1 --host compute1\n  neutrino instance boot vm2 --network net1 --user-data cloud-init.yaml --key-name mykey --property role=web --config-drive\n  neutrino instance exec vm2 -- cat /etc/openstack-config-drive/openstack/latest/meta_data.json\n  neutrino instance boot vm3 --host compute1        # nova-network: the mode’s network (docs/nova-network.md)\n  neutrino instance boot web --network net1 --fixed-ip subnet=sub1,ip=10.0.0.10 --security-group web --host compute2\n  neutrino instance boot open --network net1 --no-port-security',
    )
    .action(
      async (
        name: string,
        o: CommonOpts & {
          network?: string;
          fixedIp: string[];
          securityGroup: string[];
          host?: string;
          portSecurity: boolean;
          timeout: string;
          userData?: string;
          keyName?: string;
          sshKey?: string;
          property: string[];
          configDrive?: boolean;
        },
      ) => {
        const timeout = Number(o.timeout);
        if (!Number.isFinite(timeout) || timeout <= 0) throw new Error(`--timeout ${o.timeout}: give a number of seconds > 0`);
        const { api, store } = computeContext(o);
        let network = o.network;
        if (network === undefined) {
          const chosen = await modeNetwork(api);
          network = chosen.id as string;
          console.log(`no --network: the nova-network mode's network is ${chosen.name as string} (${network})`);
        }
        console.log(`booting ${name} on network ${o.network ?? network}${o.host ? ` on host ${o.host}` : ''} via ${api.url}`);
        const r = await bootInstance(api, store, {
          name,
          network,
          fixedIps: o.fixedIp.map(parseFixedIp),
          securityGroups: o.securityGroup,
          host: o.host,
          portSecurity: o.portSecurity,
          timeoutMs: timeout * 1000,
          onProgress: (line) => console.log(`  ${line}`),
          metadata: {
            userData: o.userData ? readFileSync(o.userData) : undefined,
            keyName: o.keyName,
            publicKeys: o.sshKey ? { 'ssh-key': readFileSync(o.sshKey, 'utf8').trim() } : undefined,
            properties: parseProperties(o.property),
            configDrive: o.configDrive === true,
          },
        });
        console.log(`  port ACTIVE in ${Math.round(r.wiringMs)} ms (binding:host_id set → ACTIVE)`);
        console.log(
          `  address ${r.lease ? `by DHCP (udhcpc ${Math.round(r.lease.ms)} ms)` : r.instance.injected_file ? `injected (${r.instance.injected_file})` : 'set statically'}: ${Math.round(r.addressMs)} ms from boot start`,
        );
        console.log(`${name}: ACTIVE on ${r.instance.host}, ${ips(r.instance)} (namespace ${r.instance.netns})`);
      },
    );

  withCommon(instance.command('list').description('List instances with their host, addresses and port status.')).action(async (o: CommonOpts) => {
    const { api, store } = computeContext(o);
    const recs = store.list();
    if (recs.length === 0) {
      console.log(`no instances (records in ${store.dir})`);
      return;
    }
    const status = await portStatuses(api, recs);
    const rows = [['NAME', 'HOST', 'NETWORK', 'IPS', 'STATUS', 'NETNS'], ...recs.map((r) => [r.name, r.host, r.network_name || r.network_id, ips(r), status.get(r.port_id) ?? '?', r.netns])];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    for (const row of rows)
      console.log(
        row
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      );
  });

  withCommon(instance.command('show').description('Show one instance: host, namespaces, port, MAC, addresses and port status.').argument('<name>')).action(async (name: string, o: CommonOpts) => {
    const { api, store } = computeContext(o);
    const r = store.read(name);
    if (!r) throw new Error(`no instance named ${name} in ${store.dir} (neutrino instance list)`);
    let port: Json | undefined;
    let portProblem = '';
    try {
      port = (await api.get(`/ports/${r.port_id}`)).port;
    } catch (e) {
      portProblem = (e as Error).message;
    }
    const present = namespaceExists(r.netns);
    const fields: [string, string][] = [
      ['name', r.name],
      ['id', r.id],
      ['host', r.host],
      ['host namespace', r.host_namespace || '(root)'],
      ['netns', `${r.netns}${present ? '' : ' (MISSING)'}`],
      ['port', r.port_id],
      ['port status', port ? String(port.status) : `unknown: ${portProblem}`],
      ['binding:vif_type', port ? String(port['binding:vif_type'] ?? '') : ''],
      ['tap', r.tap],
      ['mac', r.mac],
      ['network', `${r.network_name} (${r.network_id}), mtu ${r.mtu}`],
      ['fixed ips', ips(r)],
      ['security groups', port ? (port.security_groups as string[]).join(', ') || '(none)' : ''],
      ['port security', port ? String(port.port_security_enabled) : ''],
      ['wired in', r.wiring_ms !== undefined ? `${r.wiring_ms} ms` : ''],
      [
        'address',
        r.dhcp
          ? `DHCP${r.dhcp_ms !== undefined ? ` (last lease in ${r.dhcp_ms} ms)` : ''}`
          : r.injected
            ? r.injected_file
              ? `static, injected (${r.injected_file})`
              : "static, from the config drive's network_data.json"
            : 'static',
      ],
      ['metadata', r.metadata ? 'recorded on the server' : 'not recorded'],
      ['config drive', r.config_drive ? `${CONFIG_DRIVE_IN_INSTANCE} inside the instance (${r.config_drive} on the host)` : '(none)'],
      ['created', r.created_at],
    ];
    for (const [k, v] of fields) console.log(`${k.padEnd(17)} ${v}`);
  });

  withCommon(
    instance
      .command('exec')
      .description('Run a command inside the instance (its network namespace); stdio inherited, exit code passed through.')
      .argument('<name>')
      .argument('<command...>', 'the command, after --'),
  )
    .addHelpText('after', '\nExamples:\n  neutrino instance exec vm1 -- ip addr\n  neutrino instance exec vm1 -- ping -c 3 10.0.0.4')
    .action(async (name: string, command: string[], o: CommonOpts) => {
      const { store } = computeContext(o);
      const r = store.read(name);
      if (!r) throw new Error(`no instance named ${name} in ${store.dir} (neutrino instance list)`);
      const [file, argv] = inNetns(r.netns, command[0], command.slice(1));
      const child = spawn(file, argv, { stdio: 'inherit' });
      const code = await new Promise<number>((resolve) => {
        child.once('error', (e) => {
          console.error(`neutrino: cannot run ${command[0]} in ${r.netns}: ${e.message}`);
          resolve(127);
        });
        child.once('exit', (c, signal) => resolve(c ?? (signal ? 128 + (constants.signals[signal] ?? 1) : 1)));
      });
      process.exit(code);
    });

  withCommon(instance.command('renew').description('Take the address by DHCP again (a fresh DISCOVER): picks up a changed fixed IP, gateway, routes, MTU and DNS.').argument('<name>'))
    .addHelpText(
      'after',
      '\nExamples:\n  openstack port set --no-fixed-ip --fixed-ip subnet=sub1,ip-address=10.0.0.50 vm1\n  neutrino instance renew vm1\n  neutrino instance exec vm1 -- ip -4 addr show eth0',
    )
    .action(async (name: string, o: CommonOpts) => {
      const { api, store } = computeContext(o);
      const r = await renewInstance(api, store, name);
      const l = r.lease;
      console.log(`${name}: ${l.ip}/${l.prefixlen} router ${l.router ?? 'none'} mtu ${l.mtu ?? 'none'} dns ${l.dns.join(' ') || 'none'} (DHCP ${Math.round(l.ms)} ms)`);
    });

  withCommon(instance.command('delete').description('Delete instances: stop their processes, remove namespace and devices, delete the port.').argument('<name...>')).action(
    async (names: string[], o: CommonOpts) => {
      const { api, store } = computeContext(o);
      let failed = 0;
      for (const name of names) {
        try {
          const r = await deleteInstance(api, store, name);
          console.log(`${name}: deleted${r.portDeleted ? '' : ' (its port was already gone)'}`);
        } catch (e) {
          failed++;
          console.error(`neutrino: ${name}: ${(e as Error).message}`);
        }
      }
      if (failed) process.exit(1);
    },
  );

  return instance;
}

async function portStatuses(api: NetworkApi, recs: InstanceRecord[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  try {
    const q = recs.map((r) => `id=${r.port_id}`).join('&');
    for (const p of (await api.get(`/ports?fields=id&fields=status&${q}`)).ports as Json[]) out.set(p.id, p.status);
    for (const r of recs) if (!out.has(r.port_id)) out.set(r.port_id, 'NO PORT');
  } catch {
    // API down: statuses stay unknown
  }
  return out;
}

function parseProperties(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`--property ${p}: give key=value`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** `neutrino keypair create|list|show|delete`: a project's public keys, served to instances booted with --key-name. */
export function keypairCommands(): Command {
  const kp = new Command('keypair').description('Key pairs of the project (public keys only: Neutrino imports keys, it does not make private ones).');
  withCommon(kp.command('create').description('Import a public key as a key pair.').argument('<name>').requiredOption('--public-key <file>', 'OpenSSH public key file (e.g. ~/.ssh/id_ed25519.pub)'))
    .addHelpText('after', '\nExamples:\n  neutrino keypair create mykey --public-key ~/.ssh/id_ed25519.pub\n  neutrino instance boot vm1 --network net1 --key-name mykey')
    .action(async (name: string, o: CommonOpts & { publicKey: string }) => {
      const { api } = computeContext(o);
      const r = (await api.neutrino('POST', '/keypairs', { keypair: { name, public_key: readFileSync(o.publicKey, 'utf8').trim() } })).keypair as Json;
      console.log(`${r.name}: ${r.fingerprint}`);
    });
  withCommon(kp.command('list').description("List the project's key pairs.")).action(async (o: CommonOpts) => {
    const { api } = computeContext(o);
    const list = (await api.neutrino('GET', '/keypairs')).keypairs as Json[];
    if (!list.length) console.log('no key pairs');
    for (const k of list) console.log(`${k.name}  ${k.fingerprint}`);
  });
  withCommon(kp.command('show').description('Show a key pair.').argument('<name>')).action(async (name: string, o: CommonOpts) => {
    const { api } = computeContext(o);
    const k = (await api.neutrino('GET', `/keypairs/${encodeURIComponent(name)}`)).keypair as Json;
    console.log(`name         ${k.name}\nfingerprint  ${k.fingerprint}\npublic key   ${k.public_key}\ncreated      ${k.created_at}`);
  });
  withCommon(kp.command('delete').description('Delete key pairs (instances booted with them keep their key).').argument('<name...>')).action(async (names: string[], o: CommonOpts) => {
    const { api } = computeContext(o);
    for (const n of names) {
      await api.neutrino('DELETE', `/keypairs/${encodeURIComponent(n)}`);
      console.log(`${n}: deleted`);
    }
  });
  return kp;
}
