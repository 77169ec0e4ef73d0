// The details pane: what the API says of the selected object (for a port: fixed IPs, MAC,
// security groups with their rules, binding host, status) and the actions on it.
import { api, type Obj } from './api.js';
import { COLLECTION, type Kind, label, PATH, type Store } from './store.js';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const row = (k: string, v: unknown) => `<dt>${esc(k)}</dt><dd>${v === '' || v === null || v === undefined ? '—' : v}</dd>`;

interface Rule {
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}

export function ruleText(r: Rule): string {
  const ports = r.port_range_min === null ? '' : r.port_range_min === r.port_range_max ? ` port ${r.port_range_min}` : ` ports ${r.port_range_min}-${r.port_range_max}`;
  const remote = r.remote_ip_prefix ? ` ${r.direction === 'ingress' ? 'from' : 'to'} ${r.remote_ip_prefix}` : r.remote_group_id ? ` group ${r.remote_group_id.slice(0, 8)}` : '';
  return `${r.direction} ${r.ethertype} ${r.protocol ?? 'any'}${ports}${remote}`;
}

export interface Actions {
  remove(key: string): Promise<void>;
}

export class Details {
  private shown: string | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly store: Store,
    private readonly actions: Actions,
  ) {}

  get key(): string | null {
    return this.shown;
  }

  /** Shows the object; `focusDelete` puts the focus on its delete button (the Delete key's confirmation). */
  async show(key: string, focusDelete = false): Promise<void> {
    this.shown = key;
    const [kind, id] = key.split(/:(.*)/s) as [string, string];
    if (!(kind in COLLECTION)) {
      this.root.innerHTML = `<h2 id="details-title">${esc(key.replace(':', ' '))}</h2>`;
      return;
    }
    const k = kind as Kind;
    let obj: Obj;
    try {
      obj = (await api<Record<string, Obj>>('GET', `${PATH[k]}/${id}`))[k];
    } catch (err) {
      this.root.innerHTML = `<h2 id="details-title">${esc(kind)} ${esc(id)}</h2><p role="alert">${esc((err as Error).message)}</p>`;
      return;
    }
    if (this.shown !== key) return;
    const body = k === 'port' ? await this.port(obj) : this.generic(k, obj);
    if (this.shown !== key) return;
    const deletable = k !== 'agent';
    const isInterface = k === 'port' && String(obj.device_owner).startsWith('network:router_interface');
    const del = deletable ? `<button type="button" class="danger" data-do="delete">${isInterface ? 'Remove router interface' : `Delete ${esc(kind)}`}</button>` : '';
    this.root.innerHTML = `<h2 id="details-title">${esc(kind)} ${esc(label(obj))}</h2>${body}<div class="buttons">${del}</div>`;
    const button = this.root.querySelector<HTMLButtonElement>('[data-do=delete]');
    button?.addEventListener('click', () => void this.actions.remove(key));
    if (focusDelete) button?.focus();
  }

  clearIf(key: string): void {
    if (this.shown !== key) return;
    this.shown = null;
    this.root.innerHTML = `<h2 id="details-title">Details</h2><p>${esc(key.replace(':', ' '))} was deleted.</p>`;
  }

  private generic(kind: Kind, o: Obj): string {
    const fields: [string, unknown][] = [
      ['ID', o.id],
      ['Name', o.name],
      ['Project', o.project_id],
      ['Status', o.status],
    ];
    if (kind === 'network') fields.push(['External', o['router:external'] ? 'yes' : 'no'], ['Shared', o.shared ? 'yes' : 'no'], ['Subnets', (o.subnets as string[]).length], ['MTU', o.mtu]);
    if (kind === 'subnet')
      fields.push(
        ['Network', o.network_id],
        ['CIDR', o.cidr],
        ['Gateway', o.gateway_ip],
        ['DHCP', o.enable_dhcp ? 'on' : 'off'],
        ['Pools', (o.allocation_pools as { start: string; end: string }[]).map((p) => `${p.start}–${p.end}`).join(', ')],
      );
    if (kind === 'router') {
      const gw = o.external_gateway_info as { network_id: string; external_fixed_ips?: { ip_address: string }[] } | null;
      fields.push(['Gateway network', gw?.network_id], ['Gateway address', gw?.external_fixed_ips?.map((f) => f.ip_address).join(', ')]);
    }
    if (kind === 'floatingip') fields.push(['Address', o.floating_ip_address], ['Network', o.floating_network_id], ['Port', o.port_id], ['Fixed address', o.fixed_ip_address], ['Router', o.router_id]);
    if (kind === 'agent') fields.push(['Type', o.agent_type], ['Host', o.host], ['Alive', o.alive ? 'yes' : 'no'], ['Heartbeat', o.heartbeat_timestamp]);
    return `<dl>${fields.map(([k, v]) => row(k, esc(v))).join('')}</dl>`;
  }

  private async port(o: Obj): Promise<string> {
    const fixed = (o.fixed_ips as { subnet_id: string; ip_address: string }[])
      .map((f) => `${esc(f.ip_address)} <small>(${esc(label(this.store.get('subnet', f.subnet_id)) || f.subnet_id)})</small>`)
      .join('<br>');
    const groups = await Promise.all(
      ((o.security_groups as string[]) ?? []).map(async (g) => {
        try {
          const sg = (await api<{ security_group: Obj & { security_group_rules: Rule[] } }>('GET', `/v2.0/security-groups/${g}`)).security_group;
          return `<li>${esc(label(sg))}<ul>${sg.security_group_rules.map((r) => `<li>${esc(ruleText(r))}</li>`).join('')}</ul></li>`;
        } catch (err) {
          return `<li>${esc(g)}: ${esc((err as Error).message)}</li>`;
        }
      }),
    );
    return `<dl>${[
      row('ID', esc(o.id)),
      row('Name', esc(o.name)),
      row('Status', esc(o.status)),
      row('Network', esc(label(this.store.get('network', String(o.network_id))) || o.network_id)),
      row('Fixed IPs', fixed),
      row('MAC address', esc(o.mac_address)),
      row('Binding host', esc(o['binding:host_id'])),
      row('VIF type', esc(o['binding:vif_type'])),
      row('Device owner', esc(o.device_owner)),
      row('Device', esc(o.device_id)),
    ].join('')}</dl><h3>Security groups</h3><ul class="sgs">${groups.join('') || '<li>none</li>'}</ul>`;
  }
}
