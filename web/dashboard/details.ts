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

interface TraceAnswer {
  verdict: string;
  src_ip: string;
  dst_ip: string;
  took_ms: number;
  hops: { step: string; host: string | null; what: string; verdict: string; decided_by: string; kernel: { detail: string } | null }[];
}

const TRACE_FORM = `<form data-do="trace" aria-labelledby="trace-title">
  <h3 id="trace-title">Trace a packet from this port</h3>
  <label>To (address, port or instance id) <input name="to" required></label>
  <label>Protocol <select name="protocol"><option>icmp</option><option>tcp</option><option>udp</option></select></label>
  <label>Destination port <input name="dport" type="number" min="1" max="65535"></label>
  <label class="check"><input type="checkbox" name="check_kernel"> Ask the agents to check their kernels</label>
  <button type="submit">Trace</button>
  <div class="trace-result" aria-live="polite"></div>
</form>`;

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
    // a second selection of the object shown (or being fetched) draws nothing again: redrawing
    // would wipe what the user is typing into its forms
    if (!focusDelete && this.shown === key) return;
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
      // the next selection tries again
      if (this.shown === key) this.shown = null;
      return;
    }
    if (this.shown !== key) return;
    const body = k === 'port' ? await this.port(obj) : this.generic(k, obj);
    if (this.shown !== key) return;
    const deletable = k !== 'agent';
    const isInterface = k === 'port' && String(obj.device_owner).startsWith('network:router_interface');
    const del = deletable ? `<button type="button" class="danger" data-do="delete">${isInterface ? 'Remove router interface' : `Delete ${esc(kind)}`}</button>` : '';
    const trace = k === 'port' && !isInterface ? TRACE_FORM : '';
    this.root.innerHTML = `<h2 id="details-title">${esc(kind)} ${esc(label(obj))}</h2>${body}<div class="buttons">${del}</div>${trace}`;
    const button = this.root.querySelector<HTMLButtonElement>('[data-do=delete]');
    button?.addEventListener('click', () => void this.actions.remove(key));
    if (focusDelete) button?.focus();
    this.root.querySelector<HTMLFormElement>('form[data-do=trace]')?.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.trace(obj.id, e.target as HTMLFormElement);
    });
  }

  /** POST /v2.0/trace from this port (docs/trace.md): the verdict and every hop. */
  private async trace(portId: string, form: HTMLFormElement): Promise<void> {
    const f = new FormData(form);
    const out = form.querySelector<HTMLElement>('.trace-result')!;
    const protocol = String(f.get('protocol'));
    const body = {
      trace: {
        from: portId,
        to: String(f.get('to')).trim(),
        protocol,
        ...(protocol === 'icmp' ? {} : { dport: Number(f.get('dport')) }),
        check_kernel: f.get('check_kernel') !== null,
      },
    };
    out.textContent = 'tracing…';
    try {
      const t = (await api<{ trace: TraceAnswer }>('POST', '/v2.0/trace', body)).trace;
      out.innerHTML = `<p><strong>${esc(t.verdict.toUpperCase())}</strong> ${esc(t.src_ip)} → ${esc(t.dst_ip)} (${esc(t.took_ms)} ms)</p><ol>${t.hops
        .map(
          (h) =>
            `<li>${esc(h.host ?? '')} ${esc(h.step)} <strong>${esc(h.verdict)}</strong> ${esc(h.what)}<br><small>${esc(h.decided_by)}${h.kernel ? ` — kernel: ${esc(h.kernel.detail)}` : ''}</small></li>`,
        )
        .join('')}</ol>`;
    } catch (err) {
      out.innerHTML = `<p role="alert">${esc((err as Error).message)}</p>`;
    }
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
