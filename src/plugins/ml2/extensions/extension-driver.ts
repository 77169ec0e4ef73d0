// ML2 extension drivers ([ml2] extension_drivers, Neutron's names): each adds attributes to
// ports as one unit — their declaration, validation, storage and how a port shows them — so
// adding a port attribute is one file (and a migration when it stores data of its own).
import type { SelectQueryBuilder } from 'kysely';
import type { RequestContext } from '../../../api/context.js';
import type { ApiObject, Attribute } from '../../../api/resource.js';
import type { NetworkTable, PortTable } from '../../../db/schema.js';
import type { Services } from '../../services.js';
import type { Trx } from '../../../db/transaction.js';
import type { IdSet } from '../../../db/rows.js';

/** A port being made or changed, as the drivers see it inside its transaction. */
export interface PortDraft {
  ctx: RequestContext;
  trx: Trx;
  /** the port's network (read once, when first asked for) */
  network(): Promise<NetworkTable>;
  /** create: the whole new row; update: the row as it will be (current columns and `set`) */
  row: PortTable;
  /** update only: the columns to write; a driver adds the ones it owns */
  set: Partial<PortTable>;
  /** whether anti-spoofing and security groups apply; the port_security driver decides it */
  portSecurity: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PortQuery = SelectQueryBuilder<any, any, any>;

export interface PortExtensionDriver {
  /** the [ml2] extension_drivers name */
  name: string;
  /** the API extension aliases it makes true */
  aliases: string[];
  /** runs before the port's security groups are checked (port_security decides whether they may be set) */
  beforeSecurityGroups?: boolean;
  /** attributes it adds to ports (validated by the API layer from these declarations) */
  attributes: Attribute[];
  /**
   * Checks the request's values of its attributes and fills in the draft (columns of the
   * port row, or its own state), before the port is written. Throws a NeutronError to refuse.
   */
  processCreate?(draft: PortDraft, item: ApiObject): Promise<void> | void;
  /** After the new ports' rows are written, inside the same transaction: the driver's own rows. */
  afterCreate?(trx: Trx, made: { row: PortTable; item: ApiObject }[]): Promise<void>;
  /** As processCreate, for the attributes present in `changes` (and for changes that affect them). */
  processUpdate?(draft: PortDraft, changes: ApiObject, current: PortTable): Promise<void> | void;
  /** The port is about to be deleted (its own rows go, unless a foreign key cascades them). */
  beforeDelete?(trx: Trx, portId: string): Promise<void>;
  /**
   * Adds its attributes to shown ports. Gets all the rows of one answer at once (one query
   * per driver for a whole list, never one per port) and returns the per-port step.
   */
  extend(trx: Trx, rows: PortTable[], ids: IdSet): Promise<(row: PortTable, port: ApiObject) => void> | ((row: PortTable, port: ApiObject) => void);
  /** attributes it adds to networks (Neutron's extension drivers extend networks too); shown from the network row's column */
  networkAttributes?: Attribute[];
  /** a network's values of its networkAttributes, before the row is written (fills `row`) */
  processCreateNetwork?(trx: Trx, ctx: RequestContext, item: ApiObject, row: NetworkTable): Promise<void>;
  /** as processCreateNetwork, for an update (fills `set`) */
  processUpdateNetwork?(trx: Trx, ctx: RequestContext, changes: ApiObject, set: Partial<NetworkTable>): Promise<void>;
  /** filters on its attributes that are not port columns: attribute → narrows the query */
  filters?: Record<string, (qb: PortQuery, values: string[], trx: Trx) => PortQuery>;
}

/** How a driver is made from the server's services; the registry maps names to these. */
export type PortExtensionFactory = (s: Services) => PortExtensionDriver;
