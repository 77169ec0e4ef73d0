// What each (resource, event) carries. Adding a resource or an event is one entry here.
// Our before_create runs at the start of the creating transaction (payload.trx), so that a
// count (quotas) agrees with the insert that follows; Neutron's runs before it.
import type { RequestContext } from '../../api/context.js';
import type { ApiObject } from '../../api/resource.js';
import type { FloatingIpTable, IpAllocationTable, NetworkTable, PortTable, SubnetTable } from '../../db/schema.js';
import type { Trx, UnitOfWork } from '../../db/transaction.js';

/** Inside a transaction: writes commit or roll back with the change; uow runs code after it. */
export interface InTransaction {
  trx: Trx;
  uow: UnitOfWork;
}

/** A create about to write: how many of the resource each project adds. */
export interface BeforeCreate {
  context: RequestContext;
  trx: Trx;
  counts: Map<string, number>;
  /** a project's own limit when the publisher already read it (null: none set) */
  knownLimits?: Map<string, number | null>;
}

/** After commit: which objects of the resource changed. */
export interface AfterChange {
  context: RequestContext | null;
  ids: string[];
}

export interface CallbackEvents {
  network: {
    before_create: BeforeCreate;
    precommit_create: InTransaction & { context: RequestContext; networks: NetworkTable[] };
    after_create: { context: RequestContext; networks: NetworkTable[] };
    /** `set`: the column changes so far; a subscriber may add its own (it owns those columns) */
    precommit_update: InTransaction & { context: RequestContext; before: NetworkTable; changes: ApiObject; set: Partial<NetworkTable> };
    after_update: { context: RequestContext; network: NetworkTable };
    /** before the in-use check (Neutron's BEFORE_DELETE): a subscriber may remove what would keep the network */
    before_delete: InTransaction & { context: RequestContext; network: NetworkTable };
    precommit_delete: InTransaction & { context: RequestContext; network: NetworkTable };
    after_delete: { context: RequestContext; networkId: string };
  };
  subnet: {
    before_create: BeforeCreate;
    after_create: { context: RequestContext; subnets: { row: SubnetTable; shown: ApiObject }[] };
    after_update: { context: RequestContext; before: SubnetTable; after: SubnetTable; shown: ApiObject };
    after_delete: { context: RequestContext; subnetId: string; networkId: string };
  };
  port: {
    before_create: BeforeCreate & { internal: boolean };
    /** fixed IPs about to replace the port's (only when fixed_ips changes) */
    precommit_update: InTransaction & { context: RequestContext; port: PortTable; fixedIps: IpAllocationTable[] | null; previousIps: IpAllocationTable[] | null };
    precommit_delete: InTransaction & { context: RequestContext; port: PortTable };
    /** `internal`: made inside another plugin's transaction, which announces them itself */
    after_create: { context: RequestContext; ports: ApiObject[]; internal: boolean };
    after_update: { context: RequestContext | null; ports: ApiObject[] };
    /** an agent reported the port's device up or down and its status changed (ACTIVE, DOWN) */
    after_status_change: { portId: string; status: string };
    after_delete: { context: RequestContext | null; portId: string; networkId: string; fixedIps: { subnet_id: string; ip_address: string }[]; securityGroups: string[] };
  };
  security_group: {
    before_create: BeforeCreate;
    /** rules of these groups changed (the agents re-read them) */
    after_rules_update: { groupIds: string[] };
    /** ports joined or left these groups */
    after_members_update: { groupIds: string[] };
  };
  security_group_rule: {
    before_create: BeforeCreate;
  };
  rbac_policy: {
    before_create: BeforeCreate;
  };
  router: {
    before_create: BeforeCreate;
    after_create: AfterChange;
    /** also interfaces added or removed, routes and gateway changed */
    after_update: AfterChange;
    after_delete: AfterChange;
  };
  floatingip: {
    before_create: BeforeCreate;
    after_create: AfterChange;
    /** also associated or disassociated */
    after_update: AfterChange;
    after_delete: AfterChange;
    /** about to be associated with a port (create or update with port_id): a subscriber may veto */
    precommit_update: InTransaction & { context: RequestContext; floatingip: FloatingIpTable; portId: string };
  };
  subnetpool: {
    before_create: BeforeCreate;
  };
  address_scope: {
    before_create: BeforeCreate;
  };
}
