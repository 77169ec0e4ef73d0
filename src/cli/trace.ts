// `neutrino trace`: asks the server (POST /v2.0/trace, admin) where a packet goes and prints each
// hop with its verdict, what decided it, and whether the host's kernel agrees.
import { Command } from 'commander';
import type { Json } from '../compute/api-client.js';
import { type CommonOpts, computeContext, withCommon } from '../compute/cli.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IP = /^[0-9.]+$|:/;

function kernelText(k: Json | null): string {
  if (!k) return 'not checked';
  if (k.agrees === true) return `agrees — ${k.detail}`;
  if (k.agrees === false) return `DISAGREES — ${k.detail}`;
  return `unknown — ${k.detail}`;
}

/** The trace as lines for a terminal (pure). */
export function renderTrace(t: Json): string[] {
  const what = t.protocol === 'icmp' ? 'icmp echo request' : `${t.protocol} ${t.sport ? `${t.sport} → ` : ''}${t.dport}`;
  const out = [`trace ${t.src_ip} → ${t.dst_ip} (${what}): ${String(t.verdict).toUpperCase()}  [${t.took_ms} ms${t.kernel_checked ? ', kernels asked' : ', model only'}]`];
  (t.hops as Json[]).forEach((h, i) => {
    out.push(`${String(i + 1).padStart(2)}. ${(h.host ?? '-').padEnd(10)} ${h.step.padEnd(16)} ${h.verdict.toUpperCase().padEnd(7)} ${h.what}`);
    out.push(`    decided by: ${h.decided_by}`);
    if (t.kernel_checked) out.push(`    kernel: ${kernelText(h.kernel)}`);
  });
  if (t.kernel_disagrees_at !== null && t.kernel_disagrees_at !== undefined)
    out.push(`the kernel of ${t.hops[t.kernel_disagrees_at].host} disagrees with the model at hop ${t.kernel_disagrees_at + 1}`);
  return out;
}

export function traceCommand(): Command {
  return withCommon(new Command('trace'))
    .description('Trace a packet through the logical model (security groups, anti-spoofing, networks, router, NAT) and ask each host whether its kernel agrees (admin only).')
    .requiredOption('--from <port|instance|ip>', 'source: a port id, an instance id or name, or an address outside the cloud (reaching in by a floating IP, or routed to a port’s IPv6 address)')
    .requiredOption('--to <ip|port|instance>', 'destination: an address, a port id, or an instance id or name')
    .option('--proto <icmp|tcp|udp>', 'protocol', 'icmp')
    .option('--dport <n>', 'tcp/udp destination port')
    .option('--sport <n>', 'tcp/udp source port')
    .option('--src-ip <ip>', 'the source address the packet claims (default: the source port’s own), to test anti-spoofing')
    .option('--model-only', 'do not ask the agents about their kernels')
    .option('--json', 'print the API answer as JSON')
    .addHelpText(
      'after',
      `
Each hop prints where it happens (host), what it is, its verdict (ALLOW, DROP, FORWARD, NAT,
DELIVER), the rule or entry that decided, and what the host's kernel holds for it ("agrees",
"DISAGREES — why", or "unknown" when no live agent could answer; Open vSwitch hosts answer with
ovs-appctl ofproto/trace, Linux bridge hosts name the conntrack zone of a port's network). Exit status: 0 when the trace
ran (whatever its verdict), 1 on an error.

Examples:
  neutrino trace --from vm1 --to vm2
  neutrino trace --from vm1 --to 10.0.0.7 --proto tcp --dport 22
  neutrino trace --from vm1 --to vm2 --src-ip 10.0.0.99          # a forged source
  neutrino trace --from 203.0.113.9 --to 198.51.100.20 --proto tcp --dport 80   # in by a floating IP
  neutrino trace --from vm1 --to 2001:db8:2::7 --proto tcp --dport 443   # IPv6 (ICMPv6 with --proto icmp)
  neutrino trace --from 4f6c… --to 8.8.8.8 --model-only --json`,
    )
    .action(
      async (
        o: {
          from: string;
          to: string;
          proto: string;
          dport?: string;
          sport?: string;
          srcIp?: string;
          modelOnly?: boolean;
          json?: boolean;
        } & CommonOpts,
      ) => {
        const { api, store } = computeContext(o);
        // an instance name of this lab's records stands for its port
        const ref = (x: string) => {
          if (UUID.test(x) || IP.test(x)) return x;
          const rec = store.read(x);
          if (!rec) throw new Error(`${x} is neither a port/instance id, an address, nor an instance in ${store.dir} (neutrino instance list)`);
          return rec.port_id;
        };
        const body: Json = { from: ref(o.from), to: ref(o.to), protocol: o.proto, check_kernel: !o.modelOnly };
        if (o.dport !== undefined) body.dport = Number(o.dport);
        if (o.sport !== undefined) body.sport = Number(o.sport);
        if (o.srcIp) body.src_ip = o.srcIp;
        const t = (await api.post('/trace', { trace: body })).trace as Json;
        console.log(o.json ? JSON.stringify(t, null, 2) : renderTrace(t).join('\n'));
      },
    );
}
