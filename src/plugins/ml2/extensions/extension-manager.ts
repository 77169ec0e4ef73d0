// The extension drivers in force: the configured ones ([ml2] extension_drivers) after the
// ones ML2 always has, as Neutron's ML2 has allowed address pairs and extra DHCP options built in.
import type { ApiObject, Attribute } from '../../../api/resource.js';
import type { PortTable } from '../../../db/schema.js';
import type { Services } from '../../services.js';
import type { Trx } from '../../../db/transaction.js';
import type { IdSet } from '../../../db/rows.js';
import { allowedAddressPairsDriver } from './allowed-address-pairs.js';
import type { PortDraft, PortExtensionDriver, PortExtensionFactory, PortQuery } from './extension-driver.js';
import { extraDhcpOptsDriver } from './extra-dhcp-opts.js';
import { portSecurityDriver } from './port-security.js';
import { tagPortsDuringBulkCreationDriver } from './tag-ports-during-bulk-creation.js';
import { dnsDriver } from './dns.js';
import { qosDriver } from './qos.js';
import type { NetworkTable } from '../../../db/schema.js';
import type { RequestContext } from '../../../api/context.js';

/** [ml2] extension_drivers names → drivers. A new driver is one entry here (or registerExtensionDriver). */
const DRIVERS = new Map<string, PortExtensionFactory>([
  ['port_security', portSecurityDriver],
  ['tag_ports_during_bulk_creation', tagPortsDuringBulkCreationDriver],
  ['dns', dnsDriver],
  ['qos', qosDriver],
]);

type Stage = 'before-groups' | 'after-groups';
type Extender = (row: PortTable, port: ApiObject) => void;

const BUILT_IN: PortExtensionFactory[] = [allowedAddressPairsDriver, extraDhcpOptsDriver];

/** Makes a driver available by name, as a Python entry point would (tests, out-of-tree drivers). */
export function registerExtensionDriver(name: string, factory: PortExtensionFactory): void {
  DRIVERS.set(name, factory);
}

export function knownExtensionDrivers(): string[] {
  return [...DRIVERS.keys()].sort();
}

export class ExtensionManager {
  readonly drivers: PortExtensionDriver[];

  constructor(s: Services, names: string[]) {
    const unknown = names.filter((n) => !DRIVERS.has(n));
    if (unknown.length) {
      throw new Error(`[ml2] extension_drivers: unknown driver(s) ${unknown.join(', ')}; known: ${knownExtensionDrivers().join(', ')}`);
    }
    const configured = [...new Set(names)].map((n) => DRIVERS.get(n)!(s));
    this.drivers = [...configured.filter((d) => d.beforeSecurityGroups), ...BUILT_IN.map((f) => f(s)), ...configured.filter((d) => !d.beforeSecurityGroups)];
    // per stage, the drivers that have something to do there (worked out once, not per port)
    const stage = (before: boolean) => this.drivers.filter((d) => Boolean(d.beforeSecurityGroups) === before);
    this.creating = { 'before-groups': stage(true).filter((d) => d.processCreate), 'after-groups': stage(false).filter((d) => d.processCreate) };
    this.updating = { 'before-groups': stage(true).filter((d) => d.processUpdate), 'after-groups': stage(false).filter((d) => d.processUpdate) };
    this.deleting = this.drivers.filter((d) => d.beforeDelete);
  }

  private readonly creating: Record<Stage, PortExtensionDriver[]>;
  private readonly updating: Record<Stage, PortExtensionDriver[]>;
  private readonly deleting: PortExtensionDriver[];

  get aliases(): string[] {
    return this.drivers.flatMap((d) => d.aliases);
  }

  get attributes(): Attribute[] {
    return this.drivers.flatMap((d) => d.attributes);
  }

  get networkAttributes(): Attribute[] {
    return this.drivers.flatMap((d) => d.networkAttributes ?? []);
  }

  async processCreateNetwork(trx: Trx, ctx: RequestContext, item: ApiObject, row: NetworkTable): Promise<void> {
    for (const d of this.drivers) if (d.processCreateNetwork) await d.processCreateNetwork(trx, ctx, item, row);
  }

  async processUpdateNetwork(trx: Trx, ctx: RequestContext, changes: ApiObject, set: Partial<NetworkTable>): Promise<void> {
    for (const d of this.drivers) if (d.processUpdateNetwork) await d.processUpdateNetwork(trx, ctx, changes, set);
  }

  async processCreate(draft: PortDraft, item: ApiObject, stage: Stage): Promise<void> {
    for (const d of this.creating[stage]) {
      const r = d.processCreate!(draft, item);
      if (r) await r;
    }
  }

  async afterCreate(trx: Trx, made: { row: PortTable; item: ApiObject }[]): Promise<void> {
    for (const d of this.drivers) if (d.afterCreate) await d.afterCreate(trx, made);
  }

  async processUpdate(draft: PortDraft, changes: ApiObject, current: PortTable, stage: Stage): Promise<void> {
    for (const d of this.updating[stage]) {
      const r = d.processUpdate!(draft, changes, current);
      if (r) await r;
    }
  }

  async beforeDelete(trx: Trx, portId: string): Promise<void> {
    for (const d of this.deleting) await d.beforeDelete!(trx, portId);
  }

  /** The per-port steps of every driver for one answer (each driver reads what it needs once). */
  async extenders(trx: Trx, rows: PortTable[], ids: IdSet, fields: string[] | null): Promise<Extender[]> {
    const wanted = fields ? this.drivers.filter((d) => d.attributes.some((a) => fields.includes(a.name))) : this.drivers;
    const made = wanted.map((d) => d.extend(trx, rows, ids));
    // most drivers read nothing more (their columns are on the port row): no promise to wait for
    return made.some((m) => typeof m !== 'function') ? Promise.all(made) : (made as Extender[]);
  }

  filter(qb: PortQuery, rest: Map<string, string[]>, trx: Trx): PortQuery {
    for (const d of this.drivers) {
      for (const [attr, apply] of Object.entries(d.filters ?? {})) {
        const values = rest.get(attr);
        if (values) qb = apply(qb, values, trx);
      }
    }
    return qb;
  }
}
