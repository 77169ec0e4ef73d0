// `neutrino audit`: asks the server (POST /v2.0/audit, admin) to have the L2, DHCP and L3 agents
// compare their hosts with what they applied, and prints what differs, per host and per object.
import { Command } from 'commander';
import type { Json } from '../compute/api-client.js';
import { type CommonOpts, computeContext, withCommon } from '../compute/cli.js';

/** The audit as lines for a terminal (pure). */
export function renderAudit(a: Json): string[] {
  const out: string[] = [];
  for (const r of a.audits as Json[]) {
    const checked = Object.entries(r.checked as Record<string, number>)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
    out.push(`${r.host} (${r.agent_type}): ${r.drifts.length ? `${r.drifts.length} drift(s)` : 'no drift'}  [${checked}; ${r.ms} ms]`);
    for (const d of r.drifts as Json[]) out.push(`  ${d.repaired ? 'REPAIRED' : 'DRIFT   '} ${d.kind.padEnd(16)} ${d.object}: ${d.detail}`);
  }
  for (const u of a.unanswered as Json[]) out.push(`${u.host} (${u.agent_type}): NO ANSWER — ${u.error}`);
  for (const n of a.not_audited as string[]) out.push(`not audited: ${n}`);
  return out;
}

export function auditCommand(): Command {
  return withCommon(new Command('audit'))
    .description(
      "Compare each host's kernel with what its agents applied (L2: bridge membership, VXLAN fdb, nft tables, or OVS ports, tunnels and flows; DHCP: dnsmasq processes, host files, DHCP ports; L3: qrouter devices, addresses, routes, NAT) and, with --repair, put it right (admin only).",
    )
    .option('--host <host>', 'only this host')
    .option('--repair', 'repair what differs (each repair is one log line of the agent and counts in its reported state)')
    .option('--json', 'print the API answer as JSON')
    .addHelpText(
      'after',
      `
Exit status: 0 when nothing differs (or everything found was repaired), 2 when drift is left,
1 on an error. Agents also audit and repair by themselves every [agent] audit_interval seconds
(default 60; 0 turns it off). Each repair is one line in the agent's log, and counts in its
reported state (openstack network agent show: configurations.audit).

Examples:
  neutrino audit
  neutrino audit --host compute1
  neutrino audit --host compute1 --repair --json
  neutrino audit --host network            # its Linux bridge, DHCP and L3 agents`,
    )
    .action(async (o: { host?: string; repair?: boolean; json?: boolean } & CommonOpts) => {
      const { api } = computeContext(o);
      const a = (await api.post('/audit', { audit: { ...(o.host ? { host: o.host } : {}), repair: o.repair === true } })).audit as Json;
      console.log(o.json ? JSON.stringify(a, null, 2) : renderAudit(a).join('\n'));
      const left = (a.audits as Json[]).some((r) => (r.drifts as Json[]).some((d) => !d.repaired));
      if (left) process.exitCode = 2;
    });
}
