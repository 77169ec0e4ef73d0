// The drawing: Cytoscape.js with the fCoSE force-directed layout. A snapshot is laid out in
// full; a change adds the new node beside the node it hangs from (no relayout, so the
// picture does not jump on every event); "Re-arrange" lays everything out again.
import cytoscape, { type Core } from 'cytoscape';
import fcose from 'cytoscape-fcose';
import type { Element } from './elements.js';

cytoscape.use(fcose);

const STYLE: cytoscape.StylesheetJson = [
  { selector: 'node', style: { label: 'data(label)', 'font-size': 9, 'text-wrap': 'wrap', 'text-valign': 'bottom', 'text-margin-y': 2, width: 14, height: 14, 'background-color': '#8a96a8' } },
  { selector: 'node.network', style: { shape: 'round-rectangle', width: 46, height: 18, 'background-color': '#3f7fd1', 'font-size': 11, 'font-weight': 'bold' } },
  { selector: 'node.network.external', style: { 'background-color': '#2d9f6b' } },
  { selector: 'node.subnet', style: { shape: 'round-rectangle', width: 26, height: 12, 'background-color': '#8fb6e8' } },
  { selector: 'node.router', style: { shape: 'ellipse', width: 26, height: 26, 'background-color': '#e08a1e', 'font-size': 10 } },
  { selector: 'node.port', style: { shape: 'ellipse', 'background-color': '#9aa5b4' } },
  { selector: 'node.port.st-ACTIVE', style: { 'background-color': '#2e9d4f' } },
  { selector: 'node.port.st-DOWN', style: { 'background-color': '#c9443a' } },
  { selector: 'node.port.st-BUILD', style: { 'background-color': '#e6a700' } },
  { selector: 'node.floatingip', style: { shape: 'diamond', 'background-color': '#8a4fd1' } },
  { selector: 'node.host', style: { shape: 'rectangle', width: 30, height: 20, 'background-color': '#50596a' } },
  { selector: 'node.agent', style: { shape: 'hexagon', 'background-color': '#2e9d4f' } },
  { selector: 'node.agent.st-dead', style: { 'background-color': '#c9443a' } },
  { selector: 'edge', style: { width: 1, 'line-color': '#b8c2d0', 'curve-style': 'straight', label: 'data(label)', 'font-size': 7, color: '#555' } },
  { selector: 'edge.gateway', style: { width: 2, 'line-color': '#2d9f6b', 'line-style': 'dashed' } },
  { selector: 'edge.interface', style: { width: 2, 'line-color': '#e08a1e' } },
  { selector: 'edge.nat', style: { 'line-color': '#8a4fd1', 'line-style': 'dotted' } },
  { selector: ':selected', style: { 'border-width': 3, 'border-color': '#f5a623', 'line-color': '#f5a623' } },
];

export class Graph {
  readonly cy: Core;
  private drawn = new Map<string, string>();

  constructor(container: HTMLElement, onSelect: (key: string) => void) {
    this.cy = cytoscape({ container, style: STYLE, wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 4, hideEdgesOnViewport: true, textureOnViewport: true });
    // the container is sized by CSS grid: follow it
    new ResizeObserver(() => this.cy.resize()).observe(container);
    this.cy.on('tap', 'node', (e) => onSelect(e.target.id()));
    this.cy.on('tap', 'edge', (e) => {
      const id: string = e.target.id();
      // an interface edge stands for its router port
      if (id.startsWith('e:port:')) onSelect(`port:${id.slice(7)}`);
    });
  }

  /** Draws exactly `elements`: adds, removes and relabels; `layout` lays everything out again. */
  apply(elements: Element[], layout: boolean): void {
    const wanted = new Map(elements.map((e) => [e.data.id, e]));
    const added: Element[] = [];
    this.cy.batch(() => {
      for (const id of [...this.drawn.keys()]) {
        if (wanted.has(id)) continue;
        this.cy.getElementById(id).remove();
        this.drawn.delete(id);
      }
      // nodes before edges: an edge needs both ends
      const ordered = [...elements.filter((e) => e.group === 'nodes'), ...elements.filter((e) => e.group === 'edges')];
      for (const e of ordered) {
        const sig = JSON.stringify(e);
        const before = this.drawn.get(e.data.id);
        if (before === sig) continue;
        if (before === undefined) {
          added.push(e);
        } else {
          const el = this.cy.getElementById(e.data.id);
          const old = JSON.parse(before) as Element;
          if (e.group === 'edges' && (old.data.source !== e.data.source || old.data.target !== e.data.target)) {
            el.remove();
            added.push(e);
          } else {
            el.data(e.data);
            el.classes(e.classes ?? '');
          }
        }
        this.drawn.set(e.data.id, sig);
      }
      if (!layout) {
        for (const e of added) {
          if (e.group !== 'nodes') continue;
          const near = e.data.near ? this.cy.getElementById(e.data.near) : null;
          const at = near?.length ? near.position() : { x: (this.cy.width() / 2 - this.cy.pan().x) / this.cy.zoom(), y: (this.cy.height() / 2 - this.cy.pan().y) / this.cy.zoom() };
          const angle = Math.random() * 2 * Math.PI;
          (e as cytoscape.ElementDefinition).position = { x: at.x + 50 * Math.cos(angle), y: at.y + 50 * Math.sin(angle) };
        }
      }
      this.cy.add(added as cytoscape.ElementDefinition[]);
    });
    if (layout) this.layout();
  }

  /**
   * fCoSE on each connected part (a network with its subnets and ports, routers joining
   * several): run on the whole of a large, mostly disconnected graph, its quick mode piles the
   * parts on each other and its full mode takes seconds. The parts are set side by side in
   * rows, largest first, each laid out by fCoSE within its own square.
   */
  layout(): void {
    const all = this.cy.elements();
    if (all.nodes().length === 0) return;
    const parts = all.components().sort((a, b) => b.nodes().length - a.nodes().length);
    const side = (c: cytoscape.CollectionReturnValue) => 70 * Math.sqrt(c.nodes().length) + 60;
    const rowWidth = Math.max(side(parts[0]), Math.sqrt(parts.reduce((sum, c) => sum + side(c) ** 2, 0)) * 1.2);
    let x = 0;
    let y = 0;
    let rowHeight = 0;
    // one redraw for all the parts
    this.cy.startBatch();
    for (const part of parts) {
      const s = side(part);
      if (x > 0 && x + s > rowWidth) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      // fCoSE keeps a part's centre where the part was: put it in the middle of its square
      part.nodes().positions({ x: x + s / 2, y: y + s / 2 });
      if (part.nodes().length > 1) {
        part
          .layout({
            name: 'fcose',
            quality: 'default',
            randomize: true,
            animate: false,
            fit: false,
            packComponents: false,
            nodeRepulsion: () => 6000,
            idealEdgeLength: () => 40,
            uniformNodeDimensions: true,
            // a part is small: it settles long before fCoSE's default 2,500 iterations
            numIter: 500,
          } as cytoscape.LayoutOptions)
          .run();
      }
      x += s;
      rowHeight = Math.max(rowHeight, s);
    }
    this.cy.endBatch();
    this.cy.fit(undefined, 20);
    // a few objects would otherwise be drawn huge
    if (this.cy.zoom() > 1.5) {
      this.cy.zoom(1.5);
      this.cy.center();
    }
  }

  select(key: string): void {
    this.cy.$(':selected').unselect();
    const el = this.cy.getElementById(key);
    if (!el.length) return;
    el.select();
    if (!el.visible() || !this.inView(el.renderedPosition())) this.cy.animate({ center: { eles: el }, duration: 200 });
  }

  private inView(p: { x: number; y: number }): boolean {
    return p.x >= 0 && p.y >= 0 && p.x <= this.cy.width() && p.y <= this.cy.height();
  }
}
