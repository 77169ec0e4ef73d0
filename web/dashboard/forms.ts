// The create forms: each one POSTs (or PUTs, for a router interface) through the API as the
// user; the new object arrives by the event stream like any other change.
import { api } from './api.js';
import { firstSubnet, ips, isInfrastructurePort, label, type Store } from './store.js';

type Report = (message: string, ok: boolean) => void;

export function fillSelects(root: HTMLElement, store: Store): void {
  const options: Record<string, [string, string][]> = {
    network: store.all('network').map((n) => [n.id, label(n)]),
    external: store
      .all('network')
      .filter((n) => n['router:external'])
      .map((n) => [n.id, label(n)]),
    router: store.all('router').map((r) => [r.id, label(r)]),
    subnet: store.all('subnet').map((s) => [s.id, `${label(s)} ${s.cidr}`]),
    port: store
      .all('port')
      .filter((p) => !isInfrastructurePort(p) && firstSubnet(p))
      .map((p) => [p.id, `${label(p)} ${ips(p).join(' ')}`]),
  };
  for (const select of root.querySelectorAll<HTMLSelectElement>('select[data-options]')) {
    const before = select.value;
    const list = options[select.dataset.options!] ?? [];
    select.replaceChildren(...(select.dataset.empty !== undefined ? [new Option(select.dataset.empty, '')] : []), ...list.sort((a, b) => a[1].localeCompare(b[1])).map(([v, t]) => new Option(t, v)));
    if (before && list.some(([v]) => v === before)) select.value = before;
  }
}

export function wireForms(root: HTMLElement, report: Report): void {
  for (const form of root.querySelectorAll<HTMLFormElement>('form[data-action]')) {
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const f = new FormData(form);
      const v = (k: string) => String(f.get(k) ?? '').trim();
      const run = async () => {
        switch (form.dataset.action) {
          case 'network':
            await api('POST', '/v2.0/networks', { network: { name: v('name'), ...(f.get('router:external') ? { 'router:external': true } : {}) } });
            return `network ${v('name')} created`;
          case 'subnet': {
            const cidr = v('cidr');
            await api('POST', '/v2.0/subnets', { subnet: { network_id: v('network_id'), name: v('name'), cidr, ip_version: cidr.includes(':') ? 6 : 4 } });
            return `subnet ${cidr} created`;
          }
          case 'router':
            await api('POST', '/v2.0/routers', { router: { name: v('name'), ...(v('gateway') ? { external_gateway_info: { network_id: v('gateway') } } : {}) } });
            return `router ${v('name')} created`;
          case 'interface':
            await api('PUT', `/v2.0/routers/${v('router_id')}/add_router_interface`, { subnet_id: v('subnet_id') });
            return 'router interface added';
          case 'floatingip': {
            const r = await api<{ floatingip: { floating_ip_address: string } }>('POST', '/v2.0/floatingips', {
              floatingip: { floating_network_id: v('floating_network_id'), ...(v('port_id') ? { port_id: v('port_id') } : {}) },
            });
            return `floating IP ${r.floatingip.floating_ip_address} created`;
          }
        }
        return '';
      };
      run().then(
        (msg) => {
          report(msg, true);
          form.reset();
        },
        (err: Error) => report(err.message, false),
      );
    });
  }
}
