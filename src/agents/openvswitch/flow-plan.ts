// The flow tables the Open vSwitch agent wants on br-int, br-tun and each physical bridge,
// computed from what it knows (local VLANs of networks, OpenFlow port numbers, l2population
// entries). Pure: the dataplane compares the result with what the bridges have and sends
// a bridge's table only when it differs, as one atomic bundle.
//
// The layout is Neutron's, trimmed to what is built:
//   br-int   table 0: NORMAL switching; ports are access ports tagged with their network's
//            local VLAN; frames from a physical bridge get their provider VLAN (or none, for
//            flat) translated to the local VLAN; anything else from it is dropped.
//   br-phys  table 0: frames from br-int with a local VLAN of this physnet leave with the
//            provider VLAN (vlan) or untagged (flat); anything else from br-int is dropped.
//   br-tun   table 0: from br-int → 20, from a VXLAN port → 4, else drop.
//            table 4: VNI → local VLAN, out to br-int.
//            table 20: known remote MACs (l2population) → their host's VXLAN port; else → 22;
//                      with [agent] arp_responder, broadcast ARP → 21.
//            table 21: ARP responder: a request for a remote port's IP (l2population) is
//                      answered here, back into br-int, and never crosses a tunnel; else → 22.
//            table 22: flooding: one copy to every host that has the network (head-end replication).
// Actions are spelt as OVS prints them back under OpenFlow 1.3 (push_vlan/set_field, not
// mod_vlan_vid/strip_vlan), so a table that is already right compares equal and is left alone.
import type { Flow } from '../../linux/ovs.js';

export interface LocalNetwork {
  networkId: string;
  /** the local VLAN on br-int */
  lvid: number;
  networkType: 'vxlan' | 'vlan' | 'flat' | 'local';
  physnet: string | null;
  segmentationId: number | null;
}

/** l2population's view of one network: hosts to flood to, and where each remote MAC is */
export interface NetworkFdb {
  flood: Set<string>;
  /** MAC → tunnel endpoint */
  macs: Map<string, string>;
  /** IP → MAC of remote ports, for the ARP responder (absent: none known) */
  arp?: Map<string, string>;
}

export interface FlowPlanInput {
  integrationBridge: string;
  tunnelBridge: string | null;
  /** physnet → physical bridge */
  bridgeMappings: Record<string, string>;
  networks: LocalNetwork[];
  fdb: Map<string, NetworkFdb>;
  /** [agent] arp_responder: br-tun answers ARP for the remote ports l2population names */
  arpResponder?: boolean;
  ofports: {
    /** br-int's patch-tun, br-tun's patch-int */
    patchTun?: number;
    patchInt?: number;
    /** bridge → br-int's int-<bridge> */
    intPhys: Record<string, number>;
    /** bridge → its phy-<bridge> */
    physInt: Record<string, number>;
    /** remote tunnel endpoint → its VXLAN port on br-tun */
    tunnels: Record<string, number>;
    /** br-int ports that must carry nothing (admin down) */
    dead: number[];
  };
  /** the port firewall ([securitygroup] firewall_driver = openvswitch): br-int's switching goes
   *  through its tables (switchAction instead of NORMAL) and its flows join br-int's table */
  firewall?: { switchAction: string; flows: Flow[] };
}

/** Every flow of this agent carries a cookie starting with these 16 bits ("NT"). */
export const COOKIE_BASE = 0x4e54n << 48n;
/** flows that belong to no network (table defaults, dead ports) */
export const STATIC_COOKIE = COOKIE_BASE | 1n;

/** The cookie of a network's flows: stable across restarts, so the agent can tell its flows apart. */
export function networkCookie(networkId: string): bigint {
  let h = 0x811c9dc5;
  for (const c of networkId) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return COOKIE_BASE | (1n << 32n) | BigInt(h);
}

export const TUN_FROM_INT = 20;
export const TUN_FROM_TUNNEL = 4;
export const TUN_FLOOD = 22;
export const TUN_ARP_RESPONDER = 21;

/**
 * The actions of an ARP responder flow (Neutron's): the request becomes the reply of `mac`
 * for `ip`, sent back where it came from. Spelt as OVS prints them back under OpenFlow 1.3.
 */
export function arpReplyActions(mac: string, ip: string): string {
  return [
    'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]',
    `set_field:${mac}->eth_src`,
    'set_field:2->arp_op',
    'move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[]',
    'move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[]',
    `set_field:${mac}->arp_sha`,
    `set_field:${ip}->arp_spa`,
    'IN_PORT',
  ].join(',');
}

const vlanVid = (vid: number) => `set_field:${4096 + vid}->vlan_vid`;
const pushVlan = (vid: number) => `push_vlan:0x8100,${vlanVid(vid)}`;
const tunId = (vni: number) => `set_field:0x${vni.toString(16)}->tun_id`;

/** The flow table of every bridge the agent owns, by bridge name. */
export function planFlows(p: FlowPlanInput): Map<string, Flow[]> {
  const out = new Map<string, Flow[]>();
  const flow = (cookie: bigint, table: number, priority: number, match: string, actions: string): Flow => ({ cookie, table, priority, match, actions });

  // br-int
  const normal = p.firewall?.switchAction ?? 'NORMAL';
  const brInt: Flow[] = [flow(STATIC_COOKIE, 0, 0, '', normal)];
  for (const port of [...p.ofports.dead].sort((a, b) => a - b)) brInt.push(flow(STATIC_COOKIE, 0, 2, `in_port=${port}`, 'drop'));
  for (const [physnet, bridge] of Object.entries(p.bridgeMappings)) {
    const intPort = p.ofports.intPhys[bridge];
    const phyPort = p.ofports.physInt[bridge];
    const phys: Flow[] = [flow(STATIC_COOKIE, 0, 0, '', 'NORMAL')];
    if (phyPort !== undefined) phys.push(flow(STATIC_COOKIE, 0, 2, `in_port=${phyPort}`, 'drop'));
    if (intPort !== undefined) brInt.push(flow(STATIC_COOKIE, 0, 2, `in_port=${intPort}`, 'drop'));
    for (const n of p.networks) {
      if (n.physnet !== physnet || (n.networkType !== 'vlan' && n.networkType !== 'flat')) continue;
      const c = networkCookie(n.networkId);
      if (n.networkType === 'vlan' && n.segmentationId !== null) {
        if (intPort !== undefined) brInt.push(flow(c, 0, 3, `in_port=${intPort},dl_vlan=${n.segmentationId}`, `${vlanVid(n.lvid)},${normal}`));
        if (phyPort !== undefined) phys.push(flow(c, 0, 4, `in_port=${phyPort},dl_vlan=${n.lvid}`, `${vlanVid(n.segmentationId)},NORMAL`));
      } else if (n.networkType === 'flat') {
        if (intPort !== undefined) brInt.push(flow(c, 0, 3, `in_port=${intPort},vlan_tci=0x0000/0x1fff`, `${pushVlan(n.lvid)},${normal}`));
        if (phyPort !== undefined) phys.push(flow(c, 0, 4, `in_port=${phyPort},dl_vlan=${n.lvid}`, 'pop_vlan,NORMAL'));
      }
    }
    out.set(bridge, phys);
  }
  if (p.firewall) brInt.push(...p.firewall.flows);
  out.set(p.integrationBridge, brInt);

  // br-tun
  if (p.tunnelBridge) {
    const tun: Flow[] = [flow(STATIC_COOKIE, 0, 0, '', 'drop'), flow(STATIC_COOKIE, TUN_FROM_TUNNEL, 0, '', 'drop'), flow(STATIC_COOKIE, TUN_FLOOD, 0, '', 'drop')];
    tun.push(flow(STATIC_COOKIE, TUN_FROM_INT, 0, '', `goto_table:${TUN_FLOOD}`));
    if (p.arpResponder) {
      tun.push(flow(STATIC_COOKIE, TUN_FROM_INT, 1, 'arp,dl_dst=ff:ff:ff:ff:ff:ff', `goto_table:${TUN_ARP_RESPONDER}`));
      tun.push(flow(STATIC_COOKIE, TUN_ARP_RESPONDER, 0, '', `goto_table:${TUN_FLOOD}`));
    }
    if (p.ofports.patchInt !== undefined) tun.push(flow(STATIC_COOKIE, 0, 1, `in_port=${p.ofports.patchInt}`, `goto_table:${TUN_FROM_INT}`));
    const tunnelPorts = Object.entries(p.ofports.tunnels).sort((a, b) => a[1] - b[1]);
    for (const [, port] of tunnelPorts) tun.push(flow(STATIC_COOKIE, 0, 1, `in_port=${port}`, `goto_table:${TUN_FROM_TUNNEL}`));
    for (const n of p.networks) {
      if (n.networkType !== 'vxlan' || n.segmentationId === null) continue;
      const c = networkCookie(n.networkId);
      if (p.ofports.patchInt !== undefined) tun.push(flow(c, TUN_FROM_TUNNEL, 1, `tun_id=0x${n.segmentationId.toString(16)}`, `${pushVlan(n.lvid)},output:${p.ofports.patchInt}`));
      const fdb = p.fdb.get(n.networkId);
      if (!fdb) continue;
      const floodPorts = [...fdb.flood]
        .map((ip) => p.ofports.tunnels[ip])
        .filter((x): x is number => x !== undefined)
        .sort((a, b) => a - b);
      if (floodPorts.length) tun.push(flow(c, TUN_FLOOD, 1, `dl_vlan=${n.lvid}`, `pop_vlan,${tunId(n.segmentationId)},${floodPorts.map((x) => `output:${x}`).join(',')}`));
      for (const [mac, ip] of [...fdb.macs].sort((a, b) => a[0].localeCompare(b[0]))) {
        const port = p.ofports.tunnels[ip];
        if (port === undefined) continue;
        tun.push(flow(c, TUN_FROM_INT, 2, `dl_vlan=${n.lvid},dl_dst=${mac}`, `pop_vlan,${tunId(n.segmentationId)},output:${port}`));
      }
      if (p.arpResponder) {
        for (const [ip, mac] of [...(fdb.arp ?? [])].sort((a, b) => a[0].localeCompare(b[0]))) {
          if (ip.includes(':')) continue;
          tun.push(flow(c, TUN_ARP_RESPONDER, 1, `arp,dl_vlan=${n.lvid},arp_tpa=${ip}`, arpReplyActions(mac, ip)));
        }
      }
    }
    out.set(p.tunnelBridge, tun);
  }
  return out;
}

/** The lowest local VLAN not in use (1…4094), or null when all are taken. */
export function freeLocalVlan(used: Iterable<number>): number | null {
  const taken = new Set(used);
  for (let v = 1; v < 4095; v++) if (!taken.has(v)) return v;
  return null;
}

/**
 * What l2population had told the agent before it restarted, read back from br-tun's flood
 * (22) and unicast (20) tables: a restarted agent plans the same tables and changes nothing.
 */
export function recoverFdb(tunFlows: Flow[], networkOfLvid: Map<number, string>, remoteOfPort: Map<number, string>): Map<string, NetworkFdb> {
  const out = new Map<string, NetworkFdb>();
  const entry = (net: string) => {
    let e = out.get(net);
    if (!e) out.set(net, (e = { flood: new Set(), macs: new Map() }));
    return e;
  };
  for (const f of tunFlows) {
    if ((f.cookie >> 48n) << 48n !== COOKIE_BASE) continue;
    const vlan = /(?:^|,)dl_vlan=(\d+)/.exec(f.match);
    if (!vlan) continue;
    const net = networkOfLvid.get(Number(vlan[1]));
    if (!net) continue;
    const outputs = [...f.actions.matchAll(/output:(\d+)/g)].map((m) => remoteOfPort.get(Number(m[1]))).filter((x): x is string => x !== undefined);
    if (f.table === TUN_ARP_RESPONDER) {
      const ip = /(?:^|,)arp_tpa=([0-9.]+)/.exec(f.match)?.[1];
      const mac = /set_field:([0-9a-f:]{17})->eth_src/.exec(f.actions)?.[1];
      if (ip && mac) (entry(net).arp ??= new Map()).set(ip, mac);
    } else if (f.table === TUN_FLOOD) for (const ip of outputs) entry(net).flood.add(ip);
    else if (f.table === TUN_FROM_INT) {
      const mac = /(?:^|,)dl_dst=([0-9a-f:]{17})/.exec(f.match);
      if (mac && outputs[0]) entry(net).macs.set(mac[1], outputs[0]);
    }
  }
  return out;
}
