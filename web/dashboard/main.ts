// The page: log in (Keystone) or not (noauth), open the event stream, keep the store, the
// graph, the list and the forms in step with it.
import { type ApiError, api, session, unauthorized } from './api.js';
import { Details } from './details.js';
import { elementsOf } from './elements.js';
import { fillSelects, wireForms } from './forms.js';
import { Graph } from './graph.js';
import { COLLECTION, type Kind, PATH, Store } from './store.js';
import { openStream } from './stream.js';
import { Tree } from './tree.js';

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

const store = new Store();
const statusBox = $('#status');
const report = (message: string, ok: boolean) => {
  statusBox.className = ok ? 'ok' : '';
  statusBox.textContent = message;
};

let graph: Graph;
let tree: Tree;
let details: Details;
let stream: AbortController | null = null;
let drawScheduled = false;

function select(key: string): void {
  graph.select(key);
  tree.select(key);
  void details.show(key);
}

async function remove(key: string): Promise<void> {
  const [kind, id] = key.split(/:(.*)/s) as [Kind, string];
  if (!(kind in COLLECTION) || kind === 'agent') return;
  try {
    const port = kind === 'port' ? store.get('port', id) : undefined;
    if (port && String(port.device_owner).startsWith('network:router_interface')) {
      await api('PUT', `/v2.0/routers/${port.device_id}/remove_router_interface`, { port_id: id });
      report('router interface removed', true);
    } else {
      await api('DELETE', `${PATH[kind]}/${id}`);
      report(`${kind} ${id} deleted`, true);
    }
  } catch (err) {
    report((err as Error).message, false);
  }
}

/** The forms' choices are filled when a form is open (1,000 options per change would cost). */
function fillOpenForms(): void {
  for (const d of document.querySelectorAll<HTMLDetailsElement>('#actions details[open]')) fillSelects(d, store);
}

function drawSoon(): void {
  if (drawScheduled) return;
  drawScheduled = true;
  requestAnimationFrame(() => {
    drawScheduled = false;
    graph.apply(elementsOf(store), false);
    tree.render();
    fillOpenForms();
    document.body.dataset.drawnAt = String(performance.now());
  });
}

function connect(): void {
  stream?.abort();
  stream = openStream(session.headers(), {
    snapshot(data) {
      performance.mark('snapshot-received');
      store.replace(data);
      graph.apply(elementsOf(store), true);
      performance.mark('graph-drawn');
      tree.render();
      performance.mark('list-drawn');
      fillOpenForms();
      document.body.dataset.state = 'drawn';
      performance.mark('topology-drawn');
    },
    change(c) {
      store.apply(c.resource as Kind, c.id, c.deleted ? null : (c.object as never));
      if (c.deleted) details.clearIf(`${c.resource}:${c.id}`);
      drawSoon();
    },
    failure(f) {
      if (f.status === 401) return logout('Your session ended: log in again.');
      report(f.message, false);
    },
    ended() {
      // the server restarted or a proxy cut the stream: a new stream brings a new snapshot
      setTimeout(connect, 1000);
    },
  });
}

function logout(message = ''): void {
  stream?.abort();
  stream = null;
  session.token = null;
  $('#app').hidden = true;
  $('#logout').hidden = true;
  $('#login').hidden = false;
  report(message, false);
}

function start(who: string): void {
  $('#login').hidden = true;
  $('#app').hidden = false;
  $('#who').textContent = who;
  graph ??= new Graph($('#graph'), select);
  tree ??= new Tree($('#tree'), store, select, (key) => {
    select(key);
    void details.show(key, true);
  });
  details ??= new Details($('#details'), store, { remove });
  connect();
}

async function main(): Promise<void> {
  wireForms($('#actions'), report);
  for (const d of document.querySelectorAll<HTMLDetailsElement>('#actions details')) d.addEventListener('toggle', () => d.open && fillSelects(d, store));
  $('#relayout').addEventListener('click', () => graph?.layout());
  $('#logout').addEventListener('click', () => logout());
  unauthorized.add(() => {
    if (session.token) logout('Your session ended: log in again.');
  });
  const settings = await api<{ auth_strategy: string }>('GET', '/dashboard/settings');
  if (settings.auth_strategy !== 'keystone') {
    start('noauth (loopback)');
    return;
  }
  $('#logout').hidden = false;
  const login = $<HTMLFormElement>('#login');
  login.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = Object.fromEntries(new FormData(login));
    api<{ token: string; user_name: string; project_name: string }>('POST', '/dashboard/login', body).then(
      (r) => {
        session.token = r.token;
        sessionStorage.setItem('neutrino.who', `${r.user_name} in ${r.project_name}`);
        report('', true);
        $('#logout').hidden = false;
        start(`${r.user_name} in ${r.project_name}`);
      },
      (err: ApiError) => report(err.message, false),
    );
  });
  if (session.token) start(sessionStorage.getItem('neutrino.who') ?? '');
  else logout();
}

// for the browser tests and the benchmark
(window as unknown as { neutrinoDashboard: unknown }).neutrinoDashboard = {
  store,
  get cy() {
    return graph?.cy;
  },
};

main().catch((err: Error) => report(err.message, false));
