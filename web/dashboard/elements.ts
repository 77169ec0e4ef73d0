// The graph's nodes and edges, derived from the store alone (the graph module applies the
// difference to what is drawn). Node ids are "<kind>:<id>", so list and graph share keys.
import { firstSubnet, ips, isInfrastructurePort, label, type Store } from './store.js';

export interface Element {
  group: 'nodes' | 'edges';
  data: { id: string; label?: string; source?: string; target?: string; kind: string; state?: string; near?: string };
  classes?: string;
}

export function elementsOf(store: Store): Element[] {
  const out: Element[] = [];
  const node = (id: string, kind: string, text: string, classes = '', state?: string, near?: string) =>
    out.push({ group: 'nodes', data: { id, label: text, kind, state, near }, classes: `${kind} ${classes}`.trim() });
  const edge = (id: string, source: string, target: string, kind: string, text = '') => out.push({ group: 'edges', data: { id, source, target, kind, label: text }, classes: kind });
  const has = (key: string) => {
    const [kind, id] = key.split(/:(.*)/s);
    return store.get(kind as never, id) !== undefined;
  };

  for (const n of store.all('network')) node(`network:${n.id}`, 'network', label(n), n['router:external'] ? 'external' : '');
  for (const s of store.all('subnet')) {
    node(`subnet:${s.id}`, 'subnet', `${label(s)}\n${s.cidr}`, '', undefined, `network:${s.network_id}`);
    if (has(`network:${s.network_id}`)) edge(`e:subnet:${s.id}`, `subnet:${s.id}`, `network:${s.network_id}`, 'in-network');
  }
  for (const r of store.all('router')) {
    node(`router:${r.id}`, 'router', label(r), '', String(r.status));
    const gw = (r.external_gateway_info as { network_id?: string } | null)?.network_id;
    if (gw && has(`network:${gw}`)) edge(`e:gw:${r.id}`, `router:${r.id}`, `network:${gw}`, 'gateway', 'gateway');
  }
  for (const p of store.all('port')) {
    const subnet = firstSubnet(p);
    const attach = subnet && has(`subnet:${subnet}`) ? `subnet:${subnet}` : `network:${p.network_id}`;
    if (isInfrastructurePort(p)) {
      const owner = String(p.device_owner);
      if (owner.startsWith('network:router_interface') && has(`router:${p.device_id}`) && has(attach)) edge(`e:port:${p.id}`, `router:${p.device_id}`, attach, 'interface', ips(p).join(' '));
      continue;
    }
    node(`port:${p.id}`, 'port', `${label(p)}\n${ips(p).join(' ')}`, `st-${p.status}`, String(p.status), attach);
    if (has(attach)) edge(`e:port:${p.id}`, `port:${p.id}`, attach, 'attached');
  }
  for (const f of store.all('floatingip')) {
    const target = f.port_id && has(`port:${f.port_id}`) ? `port:${f.port_id}` : `network:${f.floating_network_id}`;
    node(`floatingip:${f.id}`, 'floatingip', String(f.floating_ip_address), '', String(f.status), target);
    if (has(target)) edge(`e:fip:${f.id}`, `floatingip:${f.id}`, target, f.port_id ? 'nat' : 'pool');
  }
  if (store.all('agent').length) {
    const hosts = new Set<string>();
    for (const a of store.all('agent')) {
      const host = String(a.host);
      if (!hosts.has(host)) {
        hosts.add(host);
        node(`host:${host}`, 'host', host);
      }
      const alive = a.alive ? 'alive' : 'dead';
      node(`agent:${a.id}`, 'agent', `${a.agent_type}\n${alive}`, `st-${alive}`, alive, `host:${host}`);
      edge(`e:agent:${a.id}`, `agent:${a.id}`, `host:${host}`, 'runs-on');
    }
  }
  return out;
}
