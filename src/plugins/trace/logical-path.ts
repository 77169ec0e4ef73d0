// The logical path of one packet through the model (what the server believes): source port,
// anti-spoofing, egress rules, the network (same-network forwarding, or the router: interface,
// route, SNAT / floating IP / DNAT), the destination network and the destination's ingress
// rules. Each hop says where it happens, what decided it, and which kernel check (asked of the
// agent on that host) would show whether the host agrees.
import { cidrContains, normalizeIp, parseCidr, parseIp } from '../../common/ip-address.js';
import { ROUTER_GATEWAY_PREFIX, ROUTER_INTERFACE_PREFIX, servicePortDevice, tapName } from '../../contract/device-names.js';
import { PROTOCOL_NUMBERS } from '../../contract/security-groups.js';
import type { KernelCheck } from '../../contract/trace.js';
import { addressGroupKey, addressIn, describeRule, matchingRule, type Packet } from './rule-match.js';
import type { NetworkView, PortView, RouterView, SubnetView, TraceData } from './trace-data.js';
import type { TraceRequest } from './trace-request.js';

export type HopStep = 'source_port' | 'anti_spoofing' | 'egress' | 'l2_forward' | 'router_interface' | 'route' | 'dnat' | 'snat' | 'external' | 'ingress' | 'destination_port';

export type Verdict = 'allow' | 'drop' | 'forward' | 'nat' | 'deliver';

export interface KernelVerdict {
  /** true: the kernel holds what the model says; false: it does not (detail says what is off); null: could not tell */
  agrees: boolean | null;
  detail: string;
}

export interface Hop {
  step: HopStep;
  /** the host the hop happens on (binding host, L3 agent host); null when the model has none */
  host: string | null;
  what: string;
  verdict: Verdict;
  decided_by: string;
  /** filled in by the kernel checks; null when the hop has nothing to check or checks were not asked */
  kernel: KernelVerdict | null;
}

/** A hop with the check the agent on its host answers. */
export interface PlannedHop extends Hop {
  check?: { agent: 'l2' | 'l3'; host: string; check: KernelCheck };
}

export interface LogicalPath {
  src_ip: string;
  dst_ip: string;
  protocol: string;
  dport: number | null;
  sport: number | null;
  /** delivered to the destination port; dropped at a hop; forwarded out of what the model can follow */
  verdict: 'delivered' | 'dropped' | 'forwarded';
  hops: PlannedHop[];
}

export class TraceInputError extends Error {
  constructor(
    readonly attribute: string,
    reason: string,
  ) {
    super(reason);
  }
}

const ECHO_REQUEST = 8;
const ICMPV6 = 58;
const ICMPV6_ECHO_REQUEST = 128;

const portLabel = (p: PortView) => (p.name ? `${p.name} (${p.id})` : p.id);
const netLabel = (n: NetworkView | null, id: string) => (n?.name ? `${n.name} (${id})` : id);

function segmentText(n: NetworkView | null): string {
  const s = n?.segments[0];
  if (!s) return 'no segment';
  return `${s.network_type}${s.segmentation_id !== null ? ` ${s.segmentation_id}` : ''}${s.physical_network ? ` on ${s.physical_network}` : ''}`;
}

const vniOf = (n: NetworkView | null): number | null => {
  const s = n?.segments.find((x) => x.network_type === 'vxlan');
  return s?.segmentation_id ?? null;
};

function inSubnet(ip: string, s: SubnetView): boolean {
  const c = parseCidr(s.cidr);
  const a = parseIp(ip);
  return !!c && !!a && c.version === a.version && cidrContains(c, a);
}

function prefixLength(text: string): number {
  return parseCidr(text)?.prefixlen ?? -1;
}

export class PathWalker {
  private readonly hops: PlannedHop[] = [];
  private verdict: LogicalPath['verdict'] = 'forwarded';
  private readonly packet: Packet;

  constructor(
    private readonly data: TraceData,
    private readonly req: TraceRequest,
  ) {
    this.packet = { version: 4, protocol: PROTOCOL_NUMBERS[req.protocol], dport: req.protocol === 'icmp' ? ECHO_REQUEST : req.dport, code: req.protocol === 'icmp' ? 0 : null };
  }

  private add(h: Omit<PlannedHop, 'kernel'>): PlannedHop {
    const hop = { ...h, kernel: null };
    this.hops.push(hop);
    return hop;
  }

  private drop(h: Omit<PlannedHop, 'kernel' | 'verdict'>): void {
    this.add({ ...h, verdict: 'drop' });
    this.verdict = 'dropped';
  }

  /** A port id, or an instance id (the port's device_id), as the request names it. */
  private async portNamed(attr: string, id: string): Promise<PortView | null> {
    const p = await this.data.port(id);
    if (p) return p;
    const ofDevice = await this.data.portsOfDevice(id);
    if (ofDevice.length) return ofDevice[0];
    if (parseIp(id)) return null;
    throw new TraceInputError(attr, `no port or instance has id ${id}`);
  }

  async walk(): Promise<LogicalPath> {
    const req = this.req;
    const src = await this.portNamed('from', req.from);
    let dstPort = await this.portNamed('to', req.to);
    let dstIp: string;
    if (dstPort) {
      const ip = dstPort.fixed_ips.find((f) => !f.ip_address.includes(':')) ?? dstPort.fixed_ips[0];
      if (!ip) throw new TraceInputError('to', `port ${dstPort.id} has no fixed IP`);
      dstIp = ip.ip_address;
    } else {
      dstIp = normalizeIp(req.to) ?? '';
    }
    this.packet.version = dstIp.includes(':') ? 6 : 4;
    if (this.packet.version === 6 && req.protocol === 'icmp') {
      this.packet.protocol = ICMPV6;
      this.packet.dport = ICMPV6_ECHO_REQUEST;
    }
    if (src) {
      const own = src.fixed_ips.find((f) => f.ip_address.includes(':') === (this.packet.version === 6));
      const srcIp = req.srcIp ?? own?.ip_address;
      if (!srcIp) throw new TraceInputError('from', `port ${src.id} has no IPv${this.packet.version} address; give src_ip`);
      await this.fromPort(src, srcIp, dstIp, dstPort);
      return this.result(srcIp, dstIp);
    }
    // an address outside the cloud: it can only come in by a floating IP
    const outside = req.srcIp ?? req.from;
    if (this.packet.version === 6) {
      // IPv6 is not NATed: the outside reaches a port's global address through its router
      await this.fromOutsideV6(outside, dstIp, dstPort);
      return this.result(outside, dstIp);
    }
    if (dstPort) {
      const fixed = dstPort.fixed_ips.find((f) => !f.ip_address.includes(':'));
      const fip = fixed ? await this.data.floatingIpOf(dstPort.id, fixed.ip_address) : null;
      if (!fip) throw new TraceInputError('to', `port ${dstPort.id} has no floating IP: nothing outside the cloud can reach it`);
      dstIp = fip.floating_ip_address;
      dstPort = null;
    }
    await this.fromOutside(outside, dstIp);
    return this.result(outside, dstIp);
  }

  private result(srcIp: string, dstIp: string): LogicalPath {
    return { src_ip: srcIp, dst_ip: dstIp, protocol: this.req.protocol, dport: this.req.dport, sport: this.req.sport, verdict: this.verdict, hops: this.hops };
  }

  private async fromPort(src: PortView, srcIp: string, dstIp: string, dstPort: PortView | null): Promise<void> {
    const host = src.host;
    const net = await this.data.network(src.network_id);
    const l2 = (check: KernelCheck) => (host ? { check: { agent: 'l2' as const, host, check } } : {});
    const where = `port ${portLabel(src)} (${tapName(src.id)}) on network ${netLabel(net, src.network_id)}`;
    if (!src.admin_state_up) return this.drop({ step: 'source_port', host, what: where, decided_by: 'the port is administratively down (admin_state_up false)' });
    this.add({
      step: 'source_port',
      host,
      what: where,
      verdict: 'allow',
      decided_by: host ? `bound to host ${host}, status ${src.status}` : `not bound to any host (status ${src.status})`,
      ...l2({ kind: 'port_wired', port_id: src.id, network_id: src.network_id }),
    });

    const sources = [...src.fixed_ips.map((f) => f.ip_address), ...src.allowed_address_pairs.map((p) => p.ip_address)];
    if (!src.port_security_enabled) {
      this.add({ step: 'anti_spoofing', host, what: `source address ${srcIp}`, verdict: 'allow', decided_by: 'port_security_enabled is false: no anti-spoofing' });
    } else {
      const hit = addressIn(srcIp, sources);
      const check = l2({ kind: 'port_filter', port_id: src.id, mac: src.mac_address, sources, groups: src.security_groups, rule_id: null, direction: 'egress', network_id: src.network_id });
      if (!hit) {
        const fixed = src.fixed_ips.map((f) => f.ip_address).join(', ') || 'none';
        const pairs = src.allowed_address_pairs.map((p) => p.ip_address).join(', ') || 'none';
        this.hops.push({
          step: 'anti_spoofing',
          host,
          what: `source address ${srcIp}`,
          verdict: 'drop',
          kernel: null,
          decided_by: `${srcIp} is neither a fixed IP (${fixed}) nor an allowed address pair (${pairs}) of the port`,
          ...check,
        });
        this.verdict = 'dropped';
        return;
      }
      const how = src.fixed_ips.some((f) => f.ip_address === hit) ? `fixed IP ${hit}` : `allowed address pair ${hit}`;
      this.add({ step: 'anti_spoofing', host, what: `source address ${srcIp}`, verdict: 'allow', decided_by: `${how} of the port`, ...check });
    }

    if (!(await this.filter(src, 'egress', dstIp, srcIp))) return;

    // same network: bridged (or tunnelled) straight to the port holding the address
    const subnets = await this.data.subnetsOf(src.network_id);
    if (subnets.some((s) => inSubnet(dstIp, s))) {
      const target = dstPort && dstPort.network_id === src.network_id ? dstPort : await this.data.portWithIp(dstIp, [src.network_id]);
      if (!target) return this.drop({ step: 'l2_forward', host, what: `network ${netLabel(net, src.network_id)} (${segmentText(net)})`, decided_by: `no port on the network holds ${dstIp}` });
      await this.forwardL2(net, src.network_id, host, target, 'l2');
      return this.arrive(target, srcIp);
    }

    // routed: through the router that holds the gateway of the source's subnet
    const srcSubnet = subnets.find((s) => inSubnet(srcIp, s)) ?? subnets.find((s) => s.id === src.fixed_ips[0]?.subnet_id);
    const gatewayIp = srcSubnet?.gateway_ip ?? null;
    const routerId = srcSubnet && gatewayIp ? await this.data.routerInterfaceAt(srcSubnet.id, gatewayIp) : null;
    const router = routerId ? await this.data.router(routerId) : null;
    if (!router || !srcSubnet) {
      return this.drop({
        step: 'router_interface',
        host,
        what: `leaving network ${netLabel(net, src.network_id)} for ${dstIp}`,
        decided_by: srcSubnet
          ? gatewayIp
            ? `the gateway ${gatewayIp} of subnet ${srcSubnet.cidr} is no router's interface`
            : `subnet ${srcSubnet.cidr} has no gateway`
          : `the source address ${srcIp} is on none of the network's subnets`,
      });
    }
    const iface = router.interfaces.find((i) => i.subnet.id === srcSubnet.id)!;
    const routerHost = router.hosts[0] ?? null;
    const qr = servicePortDevice(ROUTER_INTERFACE_PREFIX, iface.port.id);
    await this.forwardL2(net, src.network_id, host, iface.port, 'l2');
    this.add({
      step: 'router_interface',
      host: routerHost,
      what: `router ${router.name || router.id} interface ${qr} ${gatewayIp} on subnet ${srcSubnet.cidr}`,
      verdict: router.admin_state_up ? 'forward' : 'drop',
      decided_by: router.admin_state_up ? `router port ${iface.port.id}${routerHost ? `, router scheduled to ${routerHost}` : ', router on no L3 agent'}` : 'the router is administratively down',
    });
    if (!router.admin_state_up) {
      this.verdict = 'dropped';
      return;
    }
    await this.route(router, routerHost, srcIp, dstIp, { port: src, ip: srcIp });
  }

  /** The router decides where dstIp goes: a floating IP of its own (DNAT), a connected subnet, an extra route, the gateway. */
  private async route(router: RouterView, routerHost: string | null, srcIp: string, dstIp: string, inside: { port: PortView; ip: string } | null): Promise<void> {
    const l3 = (check: KernelCheck) => (routerHost ? { check: { agent: 'l3' as const, host: routerHost, check } } : {});
    let target = dstIp;
    let seenFrom = srcIp;
    const fip = await this.data.floatingIpAt(dstIp);
    if (fip && fip.router_id === router.id && fip.fixed_ip_address && router.gateway) {
      this.add({
        step: 'dnat',
        host: routerHost,
        what: `router ${router.name || router.id}: destination ${dstIp}`,
        verdict: 'nat',
        decided_by: `floating IP ${fip.floating_ip_address} (${fip.id}) → ${fip.fixed_ip_address}`,
        ...l3({ kind: 'router_nat', router_id: router.id, nat: 'floating', floating_ip: fip.floating_ip_address, fixed_ip: fip.fixed_ip_address }),
      });
      target = fip.fixed_ip_address;
    }

    const connected = router.interfaces.find((i) => inSubnet(target, i.subnet));
    if (connected) {
      const qr = servicePortDevice(ROUTER_INTERFACE_PREFIX, connected.port.id);
      // hairpin: the router answers for the floating IP of a neighbour on the same subnet
      if (target !== dstIp && inside && inSubnet(inside.ip, connected.subnet)) seenFrom = connected.ip;
      this.add({
        step: 'route',
        host: routerHost,
        what: `router ${router.name || router.id}: ${target}`,
        verdict: 'forward',
        decided_by: `connected subnet ${connected.subnet.cidr} on ${qr}`,
        ...l3({ kind: 'router_route', router_id: router.id, destination: target, device: qr, via: null }),
      });
      const net = await this.data.network(connected.subnet.network_id);
      const dst = await this.data.portWithIp(target, [connected.subnet.network_id]);
      if (!dst)
        return this.drop({
          step: 'l2_forward',
          host: routerHost,
          what: `network ${netLabel(net, connected.subnet.network_id)} (${segmentText(net)})`,
          decided_by: `no port on the network holds ${target}`,
        });
      await this.forwardL2(net, connected.subnet.network_id, routerHost, dst, 'l2');
      return this.arrive(dst, seenFrom);
    }

    const extra = router.routes
      .filter((r) => {
        const c = parseCidr(r.destination);
        const a = parseIp(target);
        return c && a && c.version === a.version && cidrContains(c, a);
      })
      .sort((a, b) => prefixLength(b.destination) - prefixLength(a.destination))[0];
    const gw = router.gateways.find((g) => g.subnet.ip_version === this.packet.version && g.subnet.gateway_ip) ?? null;
    const viaGateway = !extra && gw;
    if (extra) {
      const out = router.interfaces.find((i) => inSubnet(extra.nexthop, i.subnet));
      const dev = out ? servicePortDevice(ROUTER_INTERFACE_PREFIX, out.port.id) : gw && inSubnet(extra.nexthop, gw.subnet) ? servicePortDevice(ROUTER_GATEWAY_PREFIX, gw.port.id) : '?';
      this.add({
        step: 'route',
        host: routerHost,
        what: `router ${router.name || router.id}: ${target}`,
        verdict: 'forward',
        decided_by: `extra route ${extra.destination} via ${extra.nexthop} (${dev}); the trace does not follow the next hop`,
        ...l3({ kind: 'router_route', router_id: router.id, destination: target, device: dev, via: extra.nexthop }),
      });
      return;
    }
    if (!viaGateway || !gw) {
      return this.drop({
        step: 'route',
        host: routerHost,
        what: `router ${router.name || router.id}: ${target}`,
        decided_by: `no connected subnet, extra route or gateway of the router covers ${target}`,
      });
    }
    const qg = servicePortDevice(ROUTER_GATEWAY_PREFIX, gw.port.id);
    this.add({
      step: 'route',
      host: routerHost,
      what: `router ${router.name || router.id}: ${target}`,
      verdict: 'forward',
      decided_by: `default route via ${gw.subnet.gateway_ip} (${qg}, external subnet ${gw.subnet.cidr})`,
      ...l3({ kind: 'router_route', router_id: router.id, destination: target, device: qg, via: gw.subnet.gateway_ip }),
    });
    let outSrc = srcIp;
    const own = inside && this.packet.version === 4 ? await this.data.floatingIpOf(inside.port.id, inside.ip) : null;
    if (inside && this.packet.version === 6) {
      this.add({
        step: 'snat',
        host: routerHost,
        what: `router ${router.name || router.id}: source ${srcIp}`,
        verdict: 'forward',
        decided_by: 'IPv6 is routed, not NATed: the source address leaves unchanged',
      });
    } else if (own && own.router_id === router.id) {
      outSrc = own.floating_ip_address;
      this.add({
        step: 'snat',
        host: routerHost,
        what: `router ${router.name || router.id}: source ${srcIp}`,
        verdict: 'nat',
        decided_by: `floating IP ${own.floating_ip_address} (${own.id}) of the source`,
        ...l3({ kind: 'router_nat', router_id: router.id, nat: 'floating', floating_ip: own.floating_ip_address, fixed_ip: inside!.ip }),
      });
    } else if (inside && router.enable_snat) {
      outSrc = gw.ip;
      this.add({
        step: 'snat',
        host: routerHost,
        what: `router ${router.name || router.id}: source ${srcIp}`,
        verdict: 'nat',
        decided_by: `SNAT to the gateway address ${gw.ip} (enable_snat)`,
        ...l3({ kind: 'router_nat', router_id: router.id, nat: 'snat', address: gw.ip }),
      });
    } else if (inside) {
      this.add({
        step: 'snat',
        host: routerHost,
        what: `router ${router.name || router.id}: source ${srcIp}`,
        verdict: 'forward',
        decided_by: 'no SNAT (enable_snat is false): the source address leaves unchanged',
      });
    }
    const ext = await this.data.network(gw.subnet.network_id);
    this.add({
      step: 'external',
      host: routerHost,
      what: `external network ${netLabel(ext, gw.subnet.network_id)} towards ${target}`,
      verdict: 'forward',
      decided_by: `leaves the cloud from ${outSrc} via ${gw.subnet.gateway_ip}; beyond it the trace cannot see`,
    });
    this.verdict = 'forwarded';
  }

  /** From outside: through the external network to the floating IP's router. */
  private async fromOutside(outside: string, dstIp: string): Promise<void> {
    const fip = dstIp ? await this.data.floatingIpAt(dstIp) : null;
    if (!fip?.fixed_ip_address || !fip.router_id) {
      return this.drop({
        step: 'external',
        host: null,
        what: `from ${outside} (outside the cloud) to ${dstIp || this.req.to}`,
        decided_by: `${dstIp || this.req.to} is no floating IP associated with a port: nothing takes it in`,
      });
    }
    const router = await this.data.router(fip.router_id);
    if (!router?.gateway) return this.drop({ step: 'external', host: null, what: `from ${outside} to ${dstIp}`, decided_by: `the router of floating IP ${dstIp} has no gateway` });
    const routerHost = router.hosts[0] ?? null;
    const ext = await this.data.network(fip.floating_network_id);
    this.add({
      step: 'external',
      host: routerHost,
      what: `from ${outside} over external network ${netLabel(ext, fip.floating_network_id)} to ${dstIp}`,
      verdict: 'forward',
      decided_by: `floating IP ${dstIp} lives on router ${router.name || router.id}'s gateway ${servicePortDevice(ROUTER_GATEWAY_PREFIX, router.gateway.port.id)}`,
    });
    await this.route(router, routerHost, outside, dstIp, null);
  }

  /** From outside to an IPv6 address of a port: over the external network to the router with an
   *  interface on the port's subnet, then routed (a connected subnet) to the port. */
  private async fromOutsideV6(outside: string, dstIp: string, dstPort: PortView | null): Promise<void> {
    const port = dstPort ?? (dstIp ? await this.data.portWithIp(dstIp) : null);
    const fixed = port?.fixed_ips.find((f) => f.ip_address === dstIp) ?? port?.fixed_ips.find((f) => f.ip_address.includes(':'));
    if (!port || !fixed) {
      return this.drop({ step: 'external', host: null, what: `from ${outside} (outside the cloud) to ${dstIp || this.req.to}`, decided_by: `no port holds ${dstIp || this.req.to}` });
    }
    dstIp = fixed.ip_address;
    const subnet = await this.data.subnet(fixed.subnet_id);
    const routerId = subnet?.gateway_ip ? await this.data.routerInterfaceAt(subnet.id, subnet.gateway_ip) : null;
    const router = routerId ? await this.data.router(routerId) : null;
    const gw = router?.gateways.find((g) => g.subnet.ip_version === 6) ?? null;
    if (!router || !gw) {
      return this.drop({
        step: 'external',
        host: null,
        what: `from ${outside} (outside the cloud) to ${dstIp}`,
        decided_by: router ? `router ${router.name || router.id} has no IPv6 address on an external network` : `subnet ${subnet?.cidr ?? fixed.subnet_id} is behind no router`,
      });
    }
    const routerHost = router.hosts[0] ?? null;
    const ext = await this.data.network(gw.subnet.network_id);
    this.add({
      step: 'external',
      host: routerHost,
      what: `from ${outside} over external network ${netLabel(ext, gw.subnet.network_id)} to ${dstIp}`,
      verdict: 'forward',
      decided_by: `routed (IPv6 is not NATed) to router ${router.name || router.id}'s gateway ${servicePortDevice(ROUTER_GATEWAY_PREFIX, gw.port.id)} ${gw.ip}`,
    });
    await this.route(router, routerHost, outside, dstIp, null);
  }

  /** Across one network from a host to the port that holds the address. */
  private async forwardL2(net: NetworkView | null, networkId: string, fromHost: string | null, target: PortView, agent: 'l2'): Promise<void> {
    const toHost = target.host;
    const seg = segmentText(net);
    const vni = vniOf(net);
    if (fromHost && toHost && fromHost !== toHost) {
      const remote = await this.data.tunnelIp(toHost);
      const check = vni !== null && remote ? { check: { agent, host: fromHost, check: { kind: 'fdb_towards' as const, network_id: networkId, vni, mac: target.mac_address, remote_ip: remote } } } : {};
      this.add({
        step: 'l2_forward',
        host: fromHost,
        what: `network ${netLabel(net, networkId)} (${seg}): ${fromHost} → ${toHost}`,
        verdict: 'forward',
        decided_by:
          vni !== null
            ? `l2population: ${target.mac_address} of port ${target.id} is behind ${toHost}${remote ? ` (tunnel endpoint ${remote})` : ' (no tunnel endpoint known)'}`
            : `${seg}: ${target.mac_address} is on ${toHost}`,
        ...check,
      });
      return;
    }
    this.add({
      step: 'l2_forward',
      host: fromHost ?? toHost,
      what: `network ${netLabel(net, networkId)} (${seg})${fromHost ? ` on ${fromHost}` : ''}`,
      verdict: 'forward',
      decided_by: toHost ? `${target.mac_address} of port ${target.id} is on the same host's bridge` : `port ${target.id} is not bound to any host`,
    });
  }

  /** The destination port's ingress rules, then the port itself. */
  private async arrive(dst: PortView, seenFrom: string): Promise<void> {
    const host = dst.host;
    if (!(await this.filter(dst, 'ingress', seenFrom, seenFrom))) return;
    const where = `port ${portLabel(dst)} (${tapName(dst.id)})${host ? ` on ${host}` : ''}`;
    if (!dst.admin_state_up) return this.drop({ step: 'destination_port', host, what: where, decided_by: 'the port is administratively down (admin_state_up false)' });
    const isService = dst.device_owner.startsWith('network:');
    this.add({
      step: 'destination_port',
      host,
      what: where,
      verdict: 'deliver',
      decided_by: isService ? `a ${dst.device_owner} port` : `bound to ${host ?? 'no host'}, status ${dst.status}`,
      ...(host && !isService ? { check: { agent: 'l2' as const, host, check: { kind: 'port_wired' as const, port_id: dst.id, network_id: dst.network_id } } } : {}),
    });
    this.verdict = 'delivered';
  }

  /** A port's rules in one direction; remote is the other end (destination for egress, source for ingress). */
  private async filter(port: PortView, direction: 'ingress' | 'egress', remote: string, _srcIp: string): Promise<boolean> {
    const host = port.host;
    const proto = this.req.protocol === 'icmp' ? `${this.packet.version === 6 ? 'icmpv6' : 'icmp'} (echo request)` : `${this.req.protocol}/${this.req.dport}`;
    const what = `${direction} security groups of port ${portLabel(port)}`;
    if (!port.port_security_enabled || port.device_owner.startsWith('network:')) {
      this.add({
        step: direction,
        host,
        what,
        verdict: 'allow',
        decided_by: port.port_security_enabled ? `a ${port.device_owner} port is not filtered` : 'port_security_enabled is false: no security groups',
      });
      return true;
    }
    const side = direction === 'egress' ? `to ${remote}` : `from ${remote}`;
    const fixedEgress = direction === 'egress' && this.packet.protocol === ICMPV6;
    const check = (rule: string | null) =>
      host
        ? {
            check: {
              agent: 'l2' as const,
              host,
              check: { kind: 'port_filter' as const, port_id: port.id, mac: port.mac_address, sources: [], groups: port.security_groups, rule_id: rule, direction, network_id: port.network_id },
            },
          }
        : {};
    if (fixedEgress) {
      // Neutron's fixed rule: a filtered port may always send ICMPv6 (neighbour discovery needs it)
      this.add({ step: direction, host, what, verdict: 'allow', decided_by: 'the fixed rule of every filtered port: ICMPv6 may always leave (chain fixed-e)', ...check(null) });
      return true;
    }
    if (!port.security_groups.length) {
      this.drop({ step: direction, host, what, decided_by: `the port has no security groups: nothing allows ${proto} ${side}`, ...check(null) });
      return false;
    }
    const rules = (await this.data.rules(port.security_groups)).filter((r) => r.direction === direction);
    await this.data.loadGroupNames(port.security_groups);
    const memberCache = new Map<string, string[]>();
    const members = new Map<string, string[]>();
    for (const r of rules) if (r.remote_group_id && !memberCache.has(r.remote_group_id)) memberCache.set(r.remote_group_id, await this.data.members(r.remote_group_id));
    await this.data.loadGroupNames([...memberCache.keys()]);
    for (const r of rules) {
      const key = r.remote_address_group_id ? addressGroupKey(r.remote_address_group_id) : null;
      if (key && !memberCache.has(key)) memberCache.set(key, await this.data.addressGroupPrefixes(r.remote_address_group_id as string));
    }
    for (const [g, m] of memberCache) members.set(g, m);
    const rule = matchingRule(rules, this.packet, remote, (g, ip) => addressIn(ip, members.get(g) ?? []) !== null);
    const label = (id: string) => this.data.groupLabel(id);
    if (!rule) {
      const groups = port.security_groups.map(label).join(', ');
      this.drop({ step: direction, host, what, decided_by: `no rule of group${port.security_groups.length > 1 ? 's' : ''} ${groups} allows ${direction} ${proto} ${side}`, ...check(null) });
      return false;
    }
    this.add({ step: direction, host, what, verdict: 'allow', decided_by: `group ${label(rule.security_group_id)} rule ${rule.id}: ${describeRule(rule, label)}`, ...check(rule.id) });
    return true;
  }
}
