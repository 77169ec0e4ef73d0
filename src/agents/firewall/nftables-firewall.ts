// [securitygroup] firewall_driver = nftables: the security groups of a Linux bridge host's ports
// in nftables (see ruleset.ts for the layout and docs/security-groups.md for the why).
// Every change is one `nft -f -` transaction computed against the ruleset applied last: only the
// chains, sets and elements that differ are touched. The first apply of a process replaces the
// tables whole, atomically, so an agent restart neither opens nor closes anything; rule numbers
// and conntrack zones are read back from the kernel first so they keep their meaning.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { SecurityGroupInfo } from '../../contract/security-groups.js';
import type { Drift } from '../../contract/trace.js';
import { deleteConntrack, type ConntrackFilter } from '../../linux/conntrack.js';
import { applyNftScript, listNftTable, type NftJsonObject } from '../../linux/nft.js';
import { connectionsToClose, ruleMark } from './conntrack-closing.js';
import { tableDrift } from './drift.js';
import { emptyModel, FirewallState, type FirewallModel } from './model.js';
import { diffTable, replaceTable, type NftTable } from './nft-table.js';
import type { PortFirewall } from './port-firewall.js';
import { readBack } from './read-back.js';
import { renderTables, TABLE } from './ruleset.js';

interface Applied {
  model: FirewallModel;
  bridge: NftTable;
  inet: NftTable;
}

export class NftablesFirewall implements PortFirewall {
  private readonly netns: string | null;
  private readonly log: Logger;
  private readonly state = new FirewallState();
  private applied: Applied | null = null;
  /** direction of rule numbers read back at start (to close their flows if the rules are gone) */
  private recoveredDirections = new Map<string, 'ingress' | 'egress'>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(opts: { netns: string | null; log: Logger }) {
    this.netns = opts.netns;
    this.log = opts.log;
  }

  update(info: SecurityGroupInfo): Promise<void> {
    return this.serial(() => {
      this.state.merge(info);
      return this.apply('update', false);
    });
  }

  remove(portIds: string[]): Promise<void> {
    return this.serial(async () => {
      // nothing known of them: nothing to change (and no first apply that would replace a previous process's tables)
      if (!this.state.forget(portIds).length) return;
      await this.apply('remove', false);
    });
  }

  sync(info: SecurityGroupInfo): Promise<void> {
    return this.serial(() => {
      this.state.replace(info);
      return this.apply('sync', true);
    });
  }

  /** Drift audit: the tables as applied last against the kernel's. A repair replaces both
   *  tables in one transaction (what an incremental change does when the kernel surprised it). */
  audit(repair: boolean): Promise<{ drifts: Drift[]; checked: Record<string, number> }> {
    return this.serial(async () => {
      const counted = { elements: 0, chains: 0 };
      if (!this.applied) return { drifts: [], checked: { nft_elements: 0, nft_chains: 0 } };
      const applied = this.applied;
      const [bridge, inet] = await Promise.all([listNftTable(this.netns, 'bridge', TABLE, { memo: true }), listNftTable(this.netns, 'inet', TABLE, { memo: true })]);
      const drifts = [...this.tableDrift(applied.bridge, bridge, counted), ...this.tableDrift(applied.inet, inet, counted)];
      if (repair && drifts.length) {
        await applyNftScript(this.netns, `${this.replaceLines(applied).join('\n')}\n`);
        for (const d of drifts) d.repaired = true;
      }
      return { drifts, checked: { nft_elements: counted.elements, nft_chains: counted.chains } };
    });
  }

  /** Tables found clean: the same applied table against the same kernel text is clean again
   *  (a periodic audit of a quiet host compares nothing twice). */
  private readonly clean = new WeakMap<NftTable, { kernel: NftJsonObject[]; elements: number; chains: number }>();

  private tableDrift(wanted: NftTable, kernel: NftJsonObject[] | null, counted: { elements: number; chains: number }): Drift[] {
    const known = this.clean.get(wanted);
    if (known && kernel && known.kernel === kernel) {
      counted.elements += known.elements;
      counted.chains += known.chains;
      return [];
    }
    const mine = { elements: 0, chains: 0 };
    const drifts = tableDrift(wanted, kernel, mine);
    counted.elements += mine.elements;
    counted.chains += mine.chains;
    if (!drifts.length && kernel) this.clean.set(wanted, { kernel, ...mine });
    else this.clean.delete(wanted);
    return drifts;
  }

  async close(): Promise<void> {
    // the rules stay: instances keep their protection while the agent is away
    await this.tail.catch(() => undefined);
  }

  /** Runs changes one after another: each is computed against the one before. */
  private serial<T = void>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async apply(reason: string, fullSync: boolean): Promise<void> {
    const started = performance.now();
    if (!this.applied) await this.recover();
    const { model, skipped } = this.state.build();
    for (const s of skipped) this.log.warn({ event: 'firewall.rule_skipped', security_group_id: s.group, rule: s.key, reason: s.reason }, `security group rule ${s.key} not applied: ${s.reason}`);
    const tables = renderTables(model);

    let lines = this.applied ? [...diffTable(this.applied.bridge, tables.bridge), ...diffTable(this.applied.inet, tables.inet)] : this.replaceLines(tables);
    const incremental = this.applied !== null;
    try {
      await applyNftScript(this.netns, `${lines.join('\n')}\n`);
    } catch (err) {
      if (!incremental) throw err;
      // someone changed our tables behind our back: put the whole thing right, atomically
      this.log.warn({ event: 'firewall.incremental_failed', err: (err as Error).message }, 'incremental nft change failed; replacing the tables');
      lines = this.replaceLines(tables);
      await applyNftScript(this.netns, `${lines.join('\n')}\n`);
    }
    const nftMs = performance.now() - started;

    const closing = connectionsToClose(this.applied?.model ?? emptyModel(), model);
    if (fullSync) closing.push(...this.goneWhileAway());
    if (closing.length) {
      try {
        await deleteConntrack(this.netns, closing);
      } catch (err) {
        this.log.error({ event: 'firewall.conntrack_failed', err: (err as Error).message, filters: closing.length }, 'could not delete the tracked connections of removed rules');
      }
    }
    this.state.prune(model);
    this.applied = { model, ...tables };
    this.log.info(
      {
        event: 'firewall.applied',
        reason,
        ports: model.ports.size,
        groups: model.groups.size,
        nft_lines: lines.length,
        incremental,
        conntrack_deletes: closing.length,
        nft_ms: Math.round(nftMs * 10) / 10,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      `firewall: ${model.ports.size} filtered port(s), ${lines.length} nft line(s)`,
    );
  }

  private replaceLines(t: { bridge: NftTable; inet: NftTable }): string[] {
    return [...replaceTable(t.bridge), ...replaceTable(t.inet)];
  }

  /** Reads the rule numbers and zones a previous process left in the kernel. */
  private async recover(): Promise<void> {
    const objects = await listNftTable(this.netns, 'inet', TABLE);
    if (!objects) return;
    const found = readBack(objects);
    this.state.recover(found);
    this.recoveredDirections = found.directions;
    this.log.info({ event: 'firewall.recovered', rules: found.ruleNumbers.size, zones: found.zones.size }, 'read back rule numbers and conntrack zones from the kernel');
  }

  /** Flows of rules that were deleted while no agent ran (known only at a full sync). */
  private goneWhileAway(): ConntrackFilter[] {
    const out: ConntrackFilter[] = [];
    for (const [key, n] of this.state.dropUnseen()) {
      const direction = this.recoveredDirections.get(key) ?? 'ingress';
      for (const family of ['ipv4', 'ipv6'] as const) out.push({ family, mark: ruleMark(direction, n) });
    }
    return out;
  }
}
