// Makes a router real in its qrouter namespace and takes it away again. Every pass compares
// the plan with what the kernel has (devices, addresses, static routes, the NAT table) and
// changes only the difference, so a restarted agent changes nothing that is right: the
// namespace is never deleted and conntrack never flushed, and established flows carry on.
import type { Logger } from 'pino';
import { ROUTER_GATEWAY_PREFIX, serviceNamespace } from '../../contract/device-names.js';
import { sendGratuitousArp } from '../../linux/arp.js';
import { deleteConntrack, type ConntrackFilter } from '../../linux/conntrack.js';
import { listLinks, runBatch } from '../../linux/links.js';
import { EMPTY_SNAPSHOT, snapshotNamespace } from '../../linux/namespace-snapshot.js';
import { deleteNamespace, ensureNamespace, namespaceExists } from '../../linux/netns.js';
import { applyNftScript, listNftTable } from '../../linux/nft.js';
import { setSysctls } from '../../linux/sysctl.js';
import { diffTable, replaceTable, type NftTable } from '../firewall/nft-table.js';
import { tableDrift } from '../firewall/drift.js';
import type { Drift } from '../../contract/trace.js';
import { plugNewServicePorts, plugServicePort, type ServicePort } from '../service-ports/veth-plug.js';
import type { InterfaceDriver } from '../service-ports/interface-driver.js';
import { floatingChanges, floatingOfTable, NAT_TABLE, renderNat } from './nat-table.js';
import { addressChanges, canonicalRoutes, devicesToDelete, isRouterDevice, linkMatches, routeChanges } from './router-diff.js';
import type { RouterPlan } from './router-plan.js';

interface AppliedRouter {
  nat: NftTable;
  floating: Map<string, string>;
  /** what the pass applied (the audit compares the kernel with it) */
  plan: RouterPlan;
}

/** What the audit compared, by kind. */
export type RouterAuditCount = {
  routers: number;
  devices: number;
  addresses: number;
  routes: number;
  nft_elements: number;
  nft_chains: number;
};

export interface ApplyResult {
  /** floating IPs this pass added or moved (gratuitous ARP sent) */
  announced: string[];
  /** floating IPs whose conntrack entries were deleted (released or moved) */
  forgotten: string[];
  /** kernel changes made (0: everything was already right) */
  changes: number;
  /** ms spent reading the namespace, on devices/addresses/routes, on NAT (nft and conntrack) */
  timings: { read: number; links: number; nat: number };
}

const hasHostAddresses = (addresses: Map<string, string[]>): boolean => [...addresses].some(([dev, list]) => dev.startsWith(ROUTER_GATEWAY_PREFIX) && list.some((a) => a.endsWith('/32')));

export class RouterDataplane {
  private readonly applied = new Map<string, AppliedRouter>();
  private readonly background = new Set<Promise<void>>();

  /** o.interfaceDriver: [DEFAULT] interface_driver (none: linuxbridge, the taps stay where they are made) */
  constructor(private readonly o: { hostNamespace: string; log: Logger; interfaceDriver?: InterfaceDriver }) {}

  namespaceOf(routerId: string): string {
    return serviceNamespace('qrouter', routerId, this.o.hostNamespace);
  }

  /**
   * Converges the router's namespace to the plan. `natApplied` runs once the NAT rules are in
   * (the floating IPs' statuses can go out then), alongside the conntrack clean-up.
   */
  async apply(plan: RouterPlan, natApplied?: () => Promise<void>, opts: { replaceNat?: boolean } = {}): Promise<ApplyResult> {
    const ns = this.namespaceOf(plan.id);
    const prev = this.applied.get(plan.id);
    let changes = 0;
    const t0 = performance.now();
    const fresh = await ensureNamespace(ns);
    if (fresh) changes++;
    // one process reads what the kernel has (a namespace made just now has nothing)
    const have = fresh ? EMPTY_SNAPSHOT : await snapshotNamespace(ns, 'static');
    // the floating IPs a previous process left (their mapping, to tell moved from unchanged) are
    // read back from its NAT table; a router whose qg- carries no /32 had none, and a full sync
    // of routers without floating IPs spares that process
    const left = !prev && hasHostAddresses(have.addresses) ? await listNftTable(ns, 'ip', NAT_TABLE) : null;
    if (!have.forwarding.ipv4 || !have.forwarding.ipv6) {
      await setSysctls(ns, { 'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': 1 });
      changes++;
    }

    const t1 = performance.now();
    // devices: gone ones out, missing or wrong ones (re)plugged
    const stale = devicesToDelete(have.links.keys(), plan.ports);
    if (stale.length) {
      await runBatch(
        'ip',
        ns,
        stale.map((d) => `link del ${d}`),
      );
      await this.o.interfaceDriver?.unplugged(stale);
      changes += stale.length;
    }
    const absent: ServicePort[] = [];
    for (const p of plan.ports) {
      const l = have.links.get(p.dev);
      if (linkMatches(l, p)) continue;
      const port = { hostNamespace: this.o.hostNamespace, namespace: ns, portId: p.portId, mac: p.mac, mtu: p.mtu, prefix: p.prefix };
      // a device that exists keeps its addresses; a new one has none, so the snapshot stays right
      if (l) await plugServicePort(port, { inner: l }, this.o.interfaceDriver);
      else absent.push(port);
      changes++;
    }
    await plugNewServicePorts(absent, this.o.interfaceDriver);

    // addresses, then routes (a nexthop needs its subnet on a device first), in one batch; a new
    // floating address waits for its DNAT rule, else the router itself would answer the first
    // packets to it and conntrack would keep those flows un-NATed
    const newFloating = new Set([...plan.nat.floating.keys()].map((ip) => `addr add ${ip}/32 dev ${plan.nat.gatewayDev}`));
    const allAddrLines = addressChanges(have.addresses, plan.ports);
    const addrLines = allAddrLines.filter((l) => !newFloating.has(l));
    const floatingLines = allAddrLines.filter((l) => newFloating.has(l));
    const { del, add } = routeChanges(canonicalRoutes(have.routes), plan.routes);
    const ipLines = [...addrLines, ...del, ...add];
    if (ipLines.length) {
      const failed = await runBatch('ip', ns, ipLines);
      const real = failed.filter((f) =>
        f.line < addrLines.length
          ? !/File exists|Cannot assign requested address/.test(f.error)
          : // a route deletion fails when removing an address already took the route with it
            f.line >= addrLines.length + del.length,
      );
      if (real.length) throw new Error(`addresses and routes of router ${plan.id}: ${real.map((f) => `${f.command}: ${f.error}`).join('; ')}`);
      changes += ipLines.length;
    }

    const t2 = performance.now();
    // NAT: one transaction; the first of this process replaces the table whole
    const nat = renderNat(plan.nat);
    let before: Map<string, string>;
    let lines: string[];
    if (prev) {
      before = prev.floating;
      // the audit found the kernel's table differs from what was applied: a diff would miss it
      lines = opts.replaceNat ? replaceTable(nat) : diffTable(prev.nat, nat);
    } else {
      before = left ? floatingOfTable(left) : new Map();
      lines = replaceTable(nat);
    }
    if (lines.length) {
      try {
        await applyNftScript(ns, `${lines.join('\n')}\n`);
      } catch (err) {
        if (!prev) throw err;
        this.o.log.warn({ event: 'l3.nat_incremental_failed', router_id: plan.id, err: (err as Error).message }, 'incremental nft change failed; replacing the NAT table');
        await applyNftScript(ns, `${replaceTable(nat).join('\n')}\n`);
      }
      if (prev) changes += lines.length;
    }
    if (floatingLines.length) {
      const failed = (await runBatch('ip', ns, floatingLines)).filter((f) => !/File exists/.test(f.error));
      if (failed.length) throw new Error(`floating addresses of router ${plan.id}: ${failed.map((f) => `${f.command}: ${f.error}`).join('; ')}`);
      changes += floatingLines.length;
    }
    const after = new Map(plan.nat.gatewayDev ? plan.nat.floating : []);
    const fc = floatingChanges(before, after);
    // after the rules: a packet between the two would otherwise re-create the old mapping. A new
    // floating IP's flows (tracked un-NATed while it was not ours) go too, so they take the DNAT.
    const forgotten = [...fc.removed, ...fc.moved];
    const told = natApplied?.();
    if (forgotten.length || fc.added.length) {
      const filters: ConntrackFilter[] = [
        ...forgotten.flatMap((ip): ConntrackFilter[] => [
          { family: 'ipv4', dst: ip },
          { family: 'ipv4', replyDst: ip },
        ]),
        ...fc.added.map((ip): ConntrackFilter => ({ family: 'ipv4', dst: ip })),
      ];
      try {
        await deleteConntrack(ns, filters);
      } catch (err) {
        this.o.log.error({ event: 'l3.conntrack_failed', router_id: plan.id, err: (err as Error).message }, 'could not delete the tracked connections of released floating IPs');
      }
      changes += forgotten.length;
    }
    const announced = [...fc.added, ...fc.moved];
    if (announced.length && plan.nat.gatewayDev) {
      const dev = plan.nat.gatewayDev;
      for (const ip of announced) this.inBackground(sendGratuitousArp(ns, dev, ip));
      changes += announced.length;
    }
    await told;
    this.applied.set(plan.id, { nat, floating: after, plan });
    const t3 = performance.now();
    const r1 = (x: number) => Math.round(x * 10) / 10;
    return { announced, forgotten, changes, timings: { read: r1(t1 - t0), links: r1(t2 - t1), nat: r1(t3 - t2) } };
  }

  /** Routers this process applied. */
  appliedRouters(): string[] {
    return [...this.applied.keys()];
  }

  /**
   * Drift audit of one router (changes nothing): the namespace, its qr-/qg- devices (MAC, MTU,
   * up), their addresses (missing, and global ones nobody applied), the static routes, and the
   * NAT table against what the last pass applied (chains and their rule counts, map elements).
   */
  async inspect(routerId: string, counted: RouterAuditCount): Promise<Drift[]> {
    const a = this.applied.get(routerId);
    if (!a) return [];
    const { plan } = a;
    const ns = this.namespaceOf(routerId);
    counted.routers++;
    const out: Drift[] = [];
    const drift = (kind: string, object: string, detail: string) => out.push({ kind, object, detail, repaired: false });
    if (!namespaceExists(ns)) {
      drift('qrouter_namespace', ns, `the namespace of router ${routerId} is missing`);
      return out;
    }
    // one `ip` batch and one `nft -j`, at once
    const [have, objects] = await Promise.all([snapshotNamespace(ns, 'static'), listNftTable(ns, 'ip', NAT_TABLE)]);
    for (const p of plan.ports) {
      counted.devices++;
      const l = have.links.get(p.dev);
      if (!l) drift('router_port', `${ns} ${p.dev}`, `the device of port ${p.portId} is missing`);
      else if (!linkMatches(l, p)) drift('router_port', `${ns} ${p.dev}`, `${l.up ? '' : 'down; '}mac ${l.address}, mtu ${l.mtu} where ${p.mac}, mtu ${p.mtu} were applied`);
      if (!l) continue;
      counted.addresses += p.addresses.length;
      const got = have.addresses.get(p.dev) ?? [];
      const missing = p.addresses.filter((x) => !got.includes(x));
      const extra = got.filter((x) => !p.addresses.includes(x));
      if (missing.length) drift('router_address', `${ns} ${p.dev}`, `address(es) missing: ${missing.join(', ')}`);
      if (extra.length) drift('router_address', `${ns} ${p.dev}`, `address(es) nobody applied: ${extra.join(', ')}`);
    }
    for (const d of devicesToDelete(have.links.keys(), plan.ports)) drift('router_port', `${ns} ${d}`, 'a router device no port of the router has');
    counted.routes += plan.routes.length;
    const { del, add } = routeChanges(canonicalRoutes(have.routes), plan.routes);
    for (const l of add) drift('router_route', `${ns} ${l.replace(/^route replace | proto static$/g, '')}`, 'the route is missing');
    for (const l of del) drift('router_route', `${ns} ${l.replace(/^route del | proto static$/g, '')}`, 'a static route nobody applied');
    const c = { elements: 0, chains: 0 };
    for (const d of tableDrift(a.nat, objects, c)) out.push({ ...d, object: `${ns} ${d.object}` });
    counted.nft_elements += c.elements;
    counted.nft_chains += c.chains;
    return out;
  }

  /** Removes the router's namespace: its devices first (their taps go with them), then the name. */
  async remove(routerId: string): Promise<boolean> {
    this.applied.delete(routerId);
    const ns = this.namespaceOf(routerId);
    if (!namespaceExists(ns)) return false;
    const devices = [...(await listLinks(ns).catch(() => new Map())).keys()].filter(isRouterDevice);
    await deleteNamespace(ns, devices);
    await this.o.interfaceDriver?.unplugged(devices);
    return true;
  }

  private inBackground(p: Promise<void>): void {
    const q = p.catch(() => undefined).finally(() => this.background.delete(q));
    this.background.add(q);
  }

  async close(): Promise<void> {
    await Promise.all([...this.background]);
  }
}
