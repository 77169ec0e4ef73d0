// [securitygroup] firewall_driver = openvswitch: the security groups of an Open vSwitch host's
// ports as OpenFlow flows on br-int with conntrack (ct()), which the userspace datapath has too.
// It keeps the merged picture the server sent (the same model the nftables firewall uses) and
// renders flows from it; the Open vSwitch dataplane puts them into br-int's table with its own
// flows, one atomic `ovs-ofctl --bundle replace-flows`, so flows already right are not touched.
// A restarted agent keeps the previous process's firewall flows until the server's first answer,
// and then (same model, same flows) changes nothing.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { SecurityGroupInfo } from '../../../contract/security-groups.js';
import type { KernelAnswer, PortFilterCheck } from '../../../contract/trace.js';
import type { Flow } from '../../../linux/ovs.js';
import { parseCidr } from '../../../common/ip-address.js';
import { emptyModel, FirewallState, inside, type FirewallModel } from '../model.js';
import type { PortFirewall } from '../port-firewall.js';
import { planFirewallFlows, type WiredFirewallPort } from './flows.js';
import { FW_EGRESS_BASE, FW_EGRESS_RULES, FW_INGRESS_RULES, isFirewallCookie, portCookie } from './tables.js';

export class OvsFirewall implements PortFirewall {
  private readonly log: Logger;
  private readonly state = new FirewallState();
  private model: FirewallModel = emptyModel();
  /** bumped by every change the server sent: part of the dataplane's plan key */
  private version = 0;
  /** flows a previous process left, kept until this one has heard from the server */
  private carried: Flow[] | null = null;
  private replan: (reason: string) => Promise<void> = async () => undefined;
  private memo: { key: string; flows: Flow[] } | null = null;
  private reported = new Set<string>();

  constructor(opts: { log: Logger }) {
    this.log = opts.log;
  }

  /** The dataplane: how a change reaches br-int (it plans every bridge again, serialized). */
  attach(replan: (reason: string) => Promise<void>): void {
    this.replan = replan;
  }

  /** br-int's flows at start: the firewall's are kept as they are until the first update or sync. */
  adopt(brInt: Flow[]): void {
    const mine = brInt.filter((f) => isFirewallCookie(f.cookie));
    if (!mine.length) return;
    this.carried = mine.map(({ cookie, table, priority, match, actions }) => ({ cookie, table, priority, match, actions }));
    this.log.info({ event: 'firewall.ovs_adopted', flows: mine.length }, `kept ${mine.length} firewall flow(s) of the previous process until the server's first answer`);
  }

  async update(info: SecurityGroupInfo): Promise<void> {
    this.state.merge(info);
    await this.changed('update');
  }

  async remove(portIds: string[]): Promise<void> {
    if (!this.forget(portIds)) return;
    await this.replan('firewall remove');
  }

  async sync(info: SecurityGroupInfo): Promise<void> {
    this.state.replace(info);
    await this.changed('sync');
  }

  /** Forgets ports without planning br-int again (for the dataplane, which plans next); whether any was known. */
  forget(portIds: string[]): boolean {
    if (!this.state.forget(portIds).length) return false;
    this.rebuild('remove');
    return true;
  }

  /** Forgets every port but these (the dataplane's resync: they are all there is); whether any went. */
  retain(portIds: Set<string>): boolean {
    return this.forget(this.state.knownPorts().filter((id) => !portIds.has(id)));
  }

  async close(): Promise<void> {
    // the flows stay: instances keep their protection while the agent is away
  }

  /** What the plan of br-int depends on, besides the ports: changes when the model does. */
  key(): string {
    return this.carried ? 'carried' : String(this.version);
  }

  /** The firewall's flows for the ports wired now (table 0's per-port flows included). */
  flows(wired: WiredFirewallPort[]): Flow[] {
    if (this.carried) return this.carried;
    const key = `${this.version}|${wired.map((w) => `${w.portId}:${w.ofport}:${w.lvid}`).join(',')}`;
    if (this.memo?.key === key) return this.memo.flows;
    const { flows, skipped } = planFirewallFlows(this.model, wired);
    for (const s of skipped) {
      if (this.reported.has(s.key)) continue;
      this.reported.add(s.key);
      this.log.warn({ event: 'firewall.rule_skipped', security_group_id: s.group, rule: s.key, reason: s.reason }, `security group rule ${s.key} not applied: ${s.reason}`);
    }
    this.memo = { key, flows };
    return flows;
  }

  private async changed(reason: string): Promise<void> {
    const started = performance.now();
    this.rebuild(reason);
    await this.replan(`firewall ${reason}`);
    this.log.info(
      { event: 'firewall.applied', driver: 'openvswitch', reason, ports: this.model.ports.size, groups: this.model.groups.size, ms: Math.round((performance.now() - started) * 10) / 10 },
      `firewall: ${this.model.ports.size} filtered port(s)`,
    );
  }

  private rebuild(reason: string): void {
    const { model, skipped } = this.state.build();
    for (const s of skipped) this.log.warn({ event: 'firewall.rule_skipped', security_group_id: s.group, rule: s.key, reason: s.reason }, `security group rule ${s.key} not applied: ${s.reason}`);
    // the OVS firewall keeps no numbers in the datapath: give them back at once
    this.state.prune(model);
    this.model = model;
    this.carried = null;
    this.version++;
    this.log.debug({ event: 'firewall.model_built', reason, version: this.version }, 'firewall model built');
  }

  /** `neutrino trace`: what br-int holds for one port (its flows read back from the bridge). */
  checkPort(c: PortFilterCheck, ofport: number | undefined, brInt: Flow[]): KernelAnswer {
    if (ofport === undefined) return { agrees: false, detail: `port ${c.port_id} has no OpenFlow port on the integration bridge` };
    const cookie = portCookie(c.port_id);
    const mine = brInt.filter((f) => f.cookie === cookie);
    const entry = mine.find((f) => f.table === 0 && f.match === `in_port=${ofport}`);
    if (!entry) return { agrees: false, detail: `no firewall flow for in_port=${ofport} in table 0: the port is not filtered` };
    if (!entry.actions.endsWith(`goto_table:${FW_EGRESS_BASE}`)) return { agrees: false, detail: `in_port=${ofport} is let through unfiltered (${entry.actions})` };
    const spoof = mine.filter((f) => f.table === FW_EGRESS_BASE && f.match.includes(`dl_src=${c.mac.toLowerCase()}`));
    // a source is covered by an address flow (priority 80) of the port's MAC whose prefix holds it, or one without a prefix
    const holds = (f: Flow, source: string): boolean => {
      const m = /(?:nw|ipv6)_src=([^,]+)/.exec(f.match);
      if (!m) return true;
      const [p, s] = [parseCidr(m[1]), parseCidr(source)];
      return !!p && !!s && inside(p, s);
    };
    const missing = c.sources.filter((s) => !spoof.some((f) => f.priority === 80 && holds(f, s)));
    if (missing.length) return { agrees: false, detail: `no anti-spoofing flow lets ${c.mac} send from ${missing.join(', ')}` };
    const rules = mine.filter((f) => f.table === (c.direction === 'ingress' ? FW_INGRESS_RULES : FW_EGRESS_RULES) && f.priority === 50).length;
    return { agrees: true, detail: `in_port=${ofport} goes through the OVS firewall (table ${FW_EGRESS_BASE}); ${spoof.length} anti-spoofing and ${rules} ${c.direction} rule flow(s)` };
  }
}
