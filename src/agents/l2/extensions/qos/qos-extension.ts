// The L2 agent's qos extension (Neutron's QosAgentExtension with the linuxbridge tc driver):
// each wired port's policy — its own qos_policy_id, else its network's — is pulled from the
// server once per batch (get_qos_policies) and applied to its tap (tc-qos.ts); a changed
// policy comes as a fanout carrying its rules and is applied to its ports at once. What a tap
// has is kept, so a batch that changes nothing runs no command.
import type { Logger } from 'pino';
import type { DeviceDetails } from '../../../../contract/l2.js';
import { GET_QOS_POLICIES, QOS_POLICY_UPDATE, QOS_POLICY_UPDATE_TOPIC, type AgentQosPolicy } from '../../../../contract/qos.js';
import { PLUGIN } from '../../../../contract/topics.js';
import { run } from '../../../../linux/exec.js';
import type { Bus } from '../../../../rpc/bus.js';
import type { L2AgentExtension } from '../l2-extension.js';
import { NO_QOS, nftDscp, sameQos, tapQosOf, tcCommands, type TapQos } from './tc-qos.js';

export interface QosExtensionOptions {
  bus: Bus;
  log: Logger;
  /** [agent] host_namespace ('' or null: the machine itself) */
  netns: string | null;
}

/** Whether tc's police action exists here (this kernel has no act_police). */
export async function probePolice(netns: string | null): Promise<boolean> {
  const index = String(40000 + Math.floor(Math.random() * 20000));
  const r = await run('tc', ['actions', 'add', 'action', 'police', 'rate', '1mbit', 'burst', '10k', 'drop', 'index', index], { netns, allowFailure: true });
  if (r.code === 0) await run('tc', ['actions', 'delete', 'action', 'police', 'index', index], { netns, allowFailure: true });
  return r.code === 0;
}

export class QosL2Extension implements L2AgentExtension {
  readonly name = 'qos';
  /** tap → the policy it follows and what it has */
  private readonly taps = new Map<string, { policy: string | null; qos: TapQos }>();
  private chain: Promise<unknown> = Promise.resolve();
  readonly listen;

  private constructor(
    private readonly o: QosExtensionOptions,
    private readonly police: boolean,
  ) {
    this.listen = { [QOS_POLICY_UPDATE_TOPIC]: { [QOS_POLICY_UPDATE]: (a: { policy: AgentQosPolicy }) => this.serial(() => this.policyUpdated(a.policy)) } };
  }

  static async create(o: QosExtensionOptions): Promise<QosL2Extension> {
    const police = await probePolice(o.netns);
    o.log.info({ event: 'qos.tc_probe', police }, police ? 'tc police is available: egress limits police the tap' : 'tc police is missing: egress limits go through an ifb device');
    return new QosL2Extension(o, police);
  }

  configurations(): Record<string, unknown> {
    return { driver: 'tc', egress_via: this.police ? 'police' : 'ifb', supported_rule_types: ['bandwidth_limit', 'dscp_marking'] };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  handlePorts(ports: DeviceDetails[]): Promise<void> {
    return this.serial(async () => {
      const wanted = new Map(ports.map((p) => [p.device, p.qos_policy_id ?? p.network_qos_policy_id ?? null]));
      const ids = [...new Set([...wanted.values()].filter((x): x is string => x !== null))];
      const policies = ids.length ? ((await this.o.bus.call(PLUGIN, GET_QOS_POLICIES, { policy_ids: ids })) as AgentQosPolicy[]) : [];
      const byId = new Map(policies.map((p) => [p.id, p]));
      for (const [tap, policy] of wanted) {
        const p = policy ? byId.get(policy) : undefined;
        await this.applyTo(tap, policy, p ? tapQosOf(p.rules) : NO_QOS);
      }
    });
  }

  private async policyUpdated(policy: AgentQosPolicy): Promise<void> {
    const want = tapQosOf(policy.rules);
    for (const [tap, t] of this.taps) if (t.policy === policy.id) await this.applyTo(tap, policy.id, want);
  }

  private async applyTo(tap: string, policy: string | null, want: TapQos): Promise<void> {
    const had = this.taps.get(tap)?.qos ?? NO_QOS;
    if (!sameQos(had, want)) {
      const netns = this.o.netns;
      const { tc, ip } = tcCommands(tap, had, want, this.police);
      // the ifb device exists before the redirect names it; it goes after the redirect is gone
      const adds = ip.filter((c) => c[1] !== 'del');
      const dels = ip.filter((c) => c[1] === 'del');
      for (const c of adds) await run('ip', c, { netns, allowFailure: c[1] === 'add' });
      for (const c of tc) await run('tc', c, { netns, allowFailure: c[1] === 'del' });
      for (const c of dels) await run('ip', c, { netns, allowFailure: true });
      const nft = nftDscp(tap, had.dscp, want.dscp);
      if (nft) await run('nft', ['-f', '-'], { netns, input: nft });
      this.o.log.info(
        { event: 'qos.applied', device: tap, qos_policy_id: policy, egress_kbps: want.egress?.rate ?? null, ingress_kbps: want.ingress?.rate ?? null, dscp_mark: want.dscp },
        `QoS of ${tap} applied`,
      );
    }
    if (policy === null && sameQos(want, NO_QOS)) this.taps.delete(tap);
    else this.taps.set(tap, { policy, qos: want });
  }

  deletePorts(devices: string[]): Promise<void> {
    return this.serial(async () => {
      for (const d of devices) {
        const t = this.taps.get(d);
        if (!t) continue;
        this.taps.delete(d);
        // the tap and its qdiscs are gone with the device; its ifb and DSCP chain are not
        const { ip } = tcCommands(d, t.qos, NO_QOS, this.police);
        for (const c of ip) await run('ip', c, { netns: this.o.netns, allowFailure: true });
        const nft = nftDscp(d, t.qos.dscp, null);
        if (nft) await run('nft', ['-f', '-'], { netns: this.o.netns, input: nft, allowFailure: true });
      }
    });
  }
}
