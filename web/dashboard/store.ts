// The caller's objects by kind and id, as the event stream last showed them.
import type { Obj } from './api.js';

export const KINDS = ['network', 'subnet', 'port', 'router', 'floatingip', 'agent'] as const;
export type Kind = (typeof KINDS)[number];
export const COLLECTION: Record<Kind, string> = { network: 'networks', subnet: 'subnets', port: 'ports', router: 'routers', floatingip: 'floatingips', agent: 'agents' };
/** the API's path for one object of the kind */
export const PATH: Record<Kind, string> = {
  network: '/v2.0/networks',
  subnet: '/v2.0/subnets',
  port: '/v2.0/ports',
  router: '/v2.0/routers',
  floatingip: '/v2.0/floatingips',
  agent: '/v2.0/agents',
};

export class Store {
  readonly byKind = new Map<Kind, Map<string, Obj>>(KINDS.map((k) => [k, new Map()]));

  replace(snapshot: Record<string, unknown[]>): void {
    for (const k of KINDS) {
      const m = this.byKind.get(k)!;
      m.clear();
      for (const o of (snapshot[COLLECTION[k]] ?? []) as Obj[]) m.set(o.id, o);
    }
  }

  apply(kind: Kind, id: string, object: Obj | null): void {
    const m = this.byKind.get(kind);
    if (!m) return;
    if (object) m.set(id, object);
    else m.delete(id);
  }

  get(kind: Kind, id: string): Obj | undefined {
    return this.byKind.get(kind)!.get(id);
  }

  all(kind: Kind): Obj[] {
    return [...this.byKind.get(kind)!.values()];
  }
}

export const label = (o: Obj | undefined): string => {
  if (!o) return '';
  const name = (o.name as string) || '';
  return name || o.id.slice(0, 8);
};

/** A port drawn as a link rather than a node: router interfaces, gateways, floating IP ports. */
export const isInfrastructurePort = (p: Obj): boolean => {
  const owner = String(p.device_owner ?? '');
  return owner.startsWith('network:router_interface') || owner === 'network:router_gateway' || owner === 'network:floatingip' || owner === 'network:router_ha_interface';
};

export const ips = (p: Obj): string[] => ((p.fixed_ips as { ip_address: string }[]) ?? []).map((f) => f.ip_address);
export const firstSubnet = (p: Obj): string | undefined => ((p.fixed_ips as { subnet_id: string }[]) ?? [])[0]?.subnet_id;
