// `neutrino sanity-check`: what each role needs from this host, checked and printed.
import { Command, Option } from 'commander';
import { Config } from '../config/config.js';
import { DEFAULT_TRANSPORT_URL } from '../lab/lab.js';
import { type CheckResult, failures, preflight, ROLES, type Role } from '../linux/preflight.js';

const AGENT_ROLES = ['linuxbridge', 'openvswitch', 'dhcp', 'l3'] as const;
const collect = (v: string, prev: string[]) => [...prev, v];

const ROLE_TITLES: Record<Role, string> = {
  server: 'neutrino server',
  linuxbridge: 'neutrino agent linuxbridge',
  openvswitch: 'neutrino agent openvswitch',
  dhcp: 'neutrino agent dhcp',
  l3: 'neutrino agent l3',
  metadata: 'neutrino agent metadata',
  instance: 'neutrino instance (boot, exec, delete)',
  lab: 'neutrino lab up (server and every agent on this machine)',
  up: 'neutrino up (the all-in-one: server, Linux bridge, DHCP and L3 agents in one process)',
};

function row(r: CheckResult): string {
  const state = r.ok ? 'ok' : r.optional ? 'WARN' : 'MISSING';
  const fix = !r.ok && r.package ? `  → apt-get install ${r.package}` : '';
  return `  ${state.padEnd(8)}${r.kind.padEnd(8)}${r.name.padEnd(20)}${r.detail}${fix}`;
}

export function sanityCheckCommand(): Command {
  return new Command('sanity-check')
    .description("Check that this host has every binary, kernel feature and service a role needs (Neutron's neutron-sanity-check); exit 1 if something is missing.")
    .addOption(new Option('--agent <kind>', 'check one agent kind').choices(AGENT_ROLES))
    .addOption(new Option('--role <role>', 'check one role (an agent kind, server, instance or lab)').choices(ROLES).conflicts('agent'))
    .option('--config-file <path>', 'INI file(s): the transport_url whose RabbitMQ is checked, [securitygroup] firewall_driver', collect, [])
    .addHelpText(
      'after',
      `
Without --agent or --role every role is checked. Each missing binary is printed with the Debian
package that has it. Kernel features are tried in a throwaway network namespace (root).
Every agent runs its own checks when it starts and refuses to start when one fails, and so
does \`neutrino lab up\` before it makes anything.

Examples:
  neutrino sanity-check                              # every role
  neutrino sanity-check --agent dhcp                 # dnsmasq, dhcp_release, ip, namespaces
  neutrino sanity-check --role lab                   # everything lab up needs, RabbitMQ included
  neutrino sanity-check --agent l3 --config-file /etc/neutrino/l3_agent.ini`,
    )
    .action(async (o: { agent?: Role; role?: Role; configFile: string[] }) => {
      const config = o.configFile.length ? Config.load(o.configFile) : undefined;
      const roles: Role[] = o.agent ? [o.agent] : o.role ? [o.role] : [...ROLES];
      let missing = 0;
      for (const role of roles) {
        const results = await preflight(role, { config, transportUrl: role === 'lab' && !config ? DEFAULT_TRANSPORT_URL : undefined });
        const bad = failures(results).length;
        missing += bad;
        console.log(`${ROLE_TITLES[role]}: ${bad ? `${bad} missing` : 'ready'}`);
        for (const r of results) console.log(row(r));
        if (!results.length) console.log('  (nothing to check beyond Node.js: SQLite is built in; give --config-file to check its RabbitMQ and PostgreSQL)');
      }
      if (missing) {
        const pkgs = new Set<string>();
        for (const role of roles) for (const r of failures(await preflight(role, { config, kernel: false, services: false }))) if (r.package) pkgs.add(r.package);
        if (pkgs.size) console.log(`install what is missing: apt-get install ${[...pkgs].join(' ')}`);
        process.exitCode = 1;
      }
    });
}
