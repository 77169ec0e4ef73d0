// The list beside the graph: every object as an ARIA tree (networks with their subnets and
// ports, routers with their interfaces, floating IPs, hosts with their agents), moved through
// with the arrow keys (roving tabindex), Enter for details, Delete to delete.
import type { Obj } from './api.js';
import { ips, isInfrastructurePort, label, type Store } from './store.js';

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const status = (s: unknown) => (s === undefined || s === null ? '' : `<span class="st st-${esc(s)}">${esc(s)}</span>`);

function treeItem(key: string, text: string, extra: string, children: string[], active: boolean, selected: boolean): string {
  const group = children.length ? `<div role="group">${children.join('')}</div>` : '';
  const expanded = children.length ? ' aria-expanded="true"' : '';
  return `<div role="treeitem" tabindex="${active ? 0 : -1}" data-key="${esc(key)}" aria-selected="${selected}"${expanded} aria-label="${esc(text.replace(/<[^>]*>/g, ''))}"><span>${text}${extra}</span>${group}</div>`;
}

export function renderTree(store: Store, active: string, selected: string | null): string {
  const item = (key: string, text: string, extra: string, children: string[] = []) => treeItem(key, text, extra, children, key === active, key === selected);
  const portsByNetwork = new Map<string, Obj[]>();
  for (const p of store.all('port')) if (!isInfrastructurePort(p)) portsByNetwork.set(String(p.network_id), [...(portsByNetwork.get(String(p.network_id)) ?? []), p]);
  const subnetsByNetwork = new Map<string, Obj[]>();
  for (const s of store.all('subnet')) subnetsByNetwork.set(String(s.network_id), [...(subnetsByNetwork.get(String(s.network_id)) ?? []), s]);
  const byName = (a: Obj, b: Obj) => label(a).localeCompare(label(b));

  const networks = store
    .all('network')
    .sort(byName)
    .map((n) =>
      item(`network:${n.id}`, `network ${esc(label(n))}${n['router:external'] ? ' (external)' : ''}`, status(n.status), [
        ...(subnetsByNetwork.get(n.id) ?? []).map((s) => item(`subnet:${s.id}`, `subnet ${esc(label(s))} ${esc(s.cidr)}`, '')),
        ...(portsByNetwork.get(n.id) ?? []).map((p) => item(`port:${p.id}`, `port ${esc(label(p))} ${esc(ips(p).join(', '))}${p.device_owner ? ` (${esc(p.device_owner)})` : ''}`, status(p.status))),
      ]),
    );
  const interfaces = new Map<string, Obj[]>();
  for (const p of store.all('port')) if (String(p.device_owner).startsWith('network:router_interface')) interfaces.set(String(p.device_id), [...(interfaces.get(String(p.device_id)) ?? []), p]);
  const routers = store
    .all('router')
    .sort(byName)
    .map((r) => {
      const gw = (r.external_gateway_info as { network_id?: string } | null)?.network_id;
      const gwText = gw ? ` gateway ${esc(label(store.get('network', gw)) || gw.slice(0, 8))}` : '';
      return item(
        `router:${r.id}`,
        `router ${esc(label(r))}${gwText}`,
        status(r.status),
        (interfaces.get(r.id) ?? []).map((p) => item(`port:${p.id}`, `interface ${esc(ips(p).join(', '))}`, status(p.status))),
      );
    });
  const fips = store
    .all('floatingip')
    .map((f) => item(`floatingip:${f.id}`, `floating IP ${esc(f.floating_ip_address)}${f.fixed_ip_address ? ` → ${esc(f.fixed_ip_address)}` : ''}`, status(f.status)));
  const groups = [
    item('group:networks', `Networks (${networks.length})`, '', networks),
    item('group:routers', `Routers (${routers.length})`, '', routers),
    item('group:floatingips', `Floating IPs (${fips.length})`, '', fips),
  ];
  if (store.all('agent').length) {
    const hosts = new Map<string, Obj[]>();
    for (const a of store.all('agent')) hosts.set(String(a.host), [...(hosts.get(String(a.host)) ?? []), a]);
    const hostItems = [...hosts].sort().map(([h, agents]) =>
      item(
        `host:${h}`,
        `host ${esc(h)}`,
        '',
        agents.map((a) => item(`agent:${a.id}`, `agent ${esc(a.agent_type)}`, status(a.alive ? 'alive' : 'dead'))),
      ),
    );
    groups.push(item('group:agents', `Hosts and agents (${hostItems.length})`, '', hostItems));
  }
  return groups.join('');
}

export class Tree {
  private active = 'group:networks';
  private selected: string | null = null;
  private scheduled = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly store: Store,
    private readonly onSelect: (key: string) => void,
    private readonly onDelete: (key: string) => void,
  ) {
    root.addEventListener('keydown', (e) => this.key(e));
    root.addEventListener('click', (e) => {
      const li = (e.target as HTMLElement).closest<HTMLElement>('[role=treeitem]');
      if (!li) return;
      e.stopPropagation();
      this.focus(li.dataset.key!);
      this.onSelect(li.dataset.key!);
    });
  }

  /** Redraws at the next frame (a burst of events costs one redraw). */
  refresh(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.render());
  }

  render(): void {
    this.scheduled = false;
    const hadFocus = this.root.contains(document.activeElement);
    this.root.innerHTML = renderTree(this.store, this.active, this.selected);
    if (!this.find(this.active)) this.mark(false);
    if (hadFocus) this.find(this.active)?.focus();
  }

  select(key: string): void {
    this.selected = key;
    this.active = key;
    this.mark(false);
    this.find(key)?.scrollIntoView({ block: 'nearest' });
  }

  private mark(refocus: boolean): void {
    if (!this.find(this.active)) {
      const first = this.root.querySelector<HTMLElement>('[role=treeitem]');
      if (!first) return;
      this.active = first.dataset.key!;
    }
    for (const li of this.root.querySelectorAll<HTMLElement>('[tabindex="0"], [aria-selected=true]')) {
      li.tabIndex = -1;
      li.setAttribute('aria-selected', 'false');
    }
    const active = this.find(this.active)!;
    active.tabIndex = 0;
    if (this.selected) this.find(this.selected)?.setAttribute('aria-selected', 'true');
    if (refocus) active.focus();
  }

  private items(): HTMLElement[] {
    return [...this.root.querySelectorAll<HTMLElement>('[role=treeitem]')];
  }

  private find(key: string): HTMLElement | null {
    return this.root.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`);
  }

  private focus(key: string): void {
    this.active = key;
    this.mark(true);
  }

  private key(e: KeyboardEvent): void {
    const items = this.items();
    const i = items.findIndex((li) => li.dataset.key === this.active);
    const go = (j: number) => {
      const li = items[Math.max(0, Math.min(items.length - 1, j))];
      if (li) this.focus(li.dataset.key!);
    };
    switch (e.key) {
      case 'ArrowDown':
        go(i + 1);
        break;
      case 'ArrowUp':
        go(i - 1);
        break;
      case 'Home':
        go(0);
        break;
      case 'End':
        go(items.length - 1);
        break;
      case 'Enter':
      case ' ':
        this.onSelect(this.active);
        break;
      case 'Delete':
        this.onDelete(this.active);
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}
