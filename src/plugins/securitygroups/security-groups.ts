// Security groups and their rules (the API side; enforcement is the L2 agent's).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { convertFilterValue, listRows } from '../../api/collection.js';
import type { RequestContext } from '../../api/context.js';
import {
  AddressGroupNotFound,
  HTTPBadRequest,
  SecurityGroupCannotRemoveDefault,
  SecurityGroupCannotUpdateDefault,
  SecurityGroupEthertypeConflictWithProtocol,
  SecurityGroupInUse,
  SecurityGroupInvalidIcmpValue,
  SecurityGroupInvalidPortRange,
  SecurityGroupInvalidPortValue,
  SecurityGroupInvalidProtocolForPort,
  SecurityGroupMissingIcmpType,
  SecurityGroupConflict,
  SecurityGroupNotFound,
  SecurityGroupProtocolRequiredWithPorts,
  SecurityGroupMultipleRemoteEntites,
  SecurityGroupRuleExists,
  SecurityGroupRuleInvalidEtherType,
  SecurityGroupRuleInvalidProtocol,
  SecurityGroupRuleNotFound,
  SecurityGroupRuleParameterConflict,
  DuplicateSecurityGroupRuleInPost,
} from '../../api/errors.js';
import type { ApiObject, AuthorizeChange, AuthorizeCreate, Handler, ListQuery } from '../../api/resource.js';
import { isUuid } from '../../api/validators.js';
import { securityGroupDef } from '../../api/resources/security-group.js';
import { securityGroupRuleDef } from '../../api/resources/security-group-rule.js';
import { timestamp } from '../../common/time.js';
import { ICMP_PROTOCOLS, IPV6_ONLY_PROTOCOLS, PORT_PROTOCOLS, PROTOCOL_NUMBERS, protocolNumber } from '../../contract/security-groups.js';
import type { SecurityGroupRuleTable, SecurityGroupTable } from '../../db/schema.js';
import { formatCidr, parseCidr } from '../../common/ip-address.js';
import { bumpRevision, checkRevision, saveChanges } from '../revision.js';
import type { Services } from '../services.js';
import { standardAttributes } from '../standard-attributes.js';
import { removeAllTags, tagsOf } from '../tags/tag-store.js';
import { statement } from '../../db/statement.js';
import { inTransaction, lockedIf, type Trx } from '../../db/transaction.js';
import { bool, countBy, groupBy, rowsForIds, type IdSet } from '../../db/rows.js';
import { ACCESS_SHARED, WILDCARD } from '../rbac/network-access.js';
import { addressGroupsOpenTo } from '../address-groups/address-groups.js';

type RuleSpec = Omit<SecurityGroupRuleTable, 'id' | 'created_at' | 'updated_at' | 'revision_number'>;

function ruleRow(spec: RuleSpec, now: string): SecurityGroupRuleTable {
  return { id: randomUUID(), created_at: now, updated_at: now, revision_number: 0, ...spec };
}

/** Neutron's rules for a new group: all egress; for the default group also ingress from itself. */
function initialRules(sgId: string, projectId: string, isDefault: boolean, now: string): SecurityGroupRuleTable[] {
  const base = { project_id: projectId, security_group_id: sgId, protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, description: '' };
  const rules: SecurityGroupRuleTable[] = [];
  for (const ethertype of ['IPv4', 'IPv6']) {
    rules.push(ruleRow({ ...base, direction: 'egress', ethertype, remote_group_id: null }, now));
    if (isDefault) rules.push(ruleRow({ ...base, direction: 'ingress', ethertype, remote_group_id: sgId }, now));
  }
  return rules;
}

/** Read by every port create (src/db/statement.ts: compiled once). */
const DEFAULT_GROUP_OF = statement((db, projectId: string) => db.kysely.selectFrom('default_security_group').select('security_group_id').where('project_id', '=', projectId));

export class SecurityGroupPlugin implements Handler {
  constructor(private readonly s: Services) {}

  /** Own groups, and those an access_as_shared entry opens to the caller's project or to all (rbac-security-groups). */
  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('securitygroups as g').selectAll('g');
    if (!ctx.isAdmin) qb = qb.where((eb) => eb.or([eb('g.project_id', '=', ctx.projectId), eb('g.id', 'in', groupsOpenTo(trx, ctx.projectId))]));
    return qb;
  }

  async find(trx: Trx, ctx: RequestContext, id: string, lock = false): Promise<SecurityGroupTable> {
    const row = await lockedIf(this.s.db, this.visible(trx, ctx).where('g.id', '=', id), lock).executeTakeFirst();
    if (!row) throw SecurityGroupNotFound({ id });
    return row as SecurityGroupTable;
  }

  /** The project's default group, created with its rules on first need. */
  async ensureDefault(trx: Trx, projectId: string): Promise<string> {
    const existing = await DEFAULT_GROUP_OF.first(this.s.db, trx, projectId);
    if (existing) return existing.security_group_id;
    const now = timestamp();
    const id = randomUUID();
    await trx
      .insertInto('securitygroups')
      .values({
        id,
        project_id: projectId,
        name: 'default',
        description: 'Default security group',
        created_at: now,
        updated_at: now,
        revision_number: 0,
        stateful: 1,
      })
      .execute();
    // the primary key on project_id makes a racing creator fail and retry, finding ours
    await trx.insertInto('default_security_group').values({ project_id: projectId, security_group_id: id }).execute();
    await trx
      .insertInto('securitygrouprules')
      .values(initialRules(id, projectId, true, now))
      .execute();
    this.s.log.info({ event: 'security_group.create_default', security_group_id: id, project_id: projectId }, 'default security group created');
    return id;
  }

  async ensureDefaultNow(projectId: string): Promise<void> {
    const has = await this.s.db.kysely.selectFrom('default_security_group').select('project_id').where('project_id', '=', projectId).executeTakeFirst();
    if (!has) await inTransaction(this.s.db, (trx) => this.ensureDefault(trx, projectId));
  }

  private async defaultIds(trx: Trx, ids: IdSet): Promise<Set<string>> {
    const rows = await rowsForIds(this.s.db, ids, 'security_group_id', (where) => trx.selectFrom('default_security_group').select('security_group_id').where(where).execute());
    return new Set(rows.map((r) => r.security_group_id));
  }

  renderRule(r: SecurityGroupRuleTable, defaults: Set<string>): ApiObject {
    const prefix = r.remote_ip_prefix ? parseCidr(r.remote_ip_prefix) : null;
    return {
      id: r.id,
      security_group_id: r.security_group_id,
      direction: r.direction,
      ethertype: r.ethertype,
      protocol: r.protocol,
      port_range_min: r.port_range_min,
      port_range_max: r.port_range_max,
      remote_ip_prefix: r.remote_ip_prefix,
      remote_group_id: r.remote_group_id,
      remote_address_group_id: r.remote_address_group_id ?? null,
      normalized_cidr: prefix ? formatCidr(prefix) : null,
      belongs_to_default_sg: defaults.has(r.security_group_id),
      ...standardAttributes(r, undefined),
    };
  }

  private async render(trx: Trx, rows: SecurityGroupTable[], fields: string[] | null, ids: IdSet = rows.map((r) => r.id), ctx?: RequestContext): Promise<ApiObject[]> {
    const want = (f: string) => !fields || fields.includes(f);
    const defaults = await this.defaultIds(trx, ids);
    const rules = want('security_group_rules')
      ? groupBy(
          await rowsForIds(this.s.db, ids, 'security_group_id', (where) => trx.selectFrom('securitygrouprules').selectAll().where(where).orderBy('created_at').orderBy('id').execute()),
          (r) => r.security_group_id,
        )
      : new Map<string, SecurityGroupRuleTable[]>();
    const tags = want('tags') ? await tagsOf(this.s.db, trx, ids) : new Map<string, string[]>();
    // shared: an access_as_shared entry targets the caller's project or all, as Neutron's RBAC objects
    const shared =
      want('shared') && ctx ? new Set((await rowsForIds(this.s.db, ids, 'object_id', (where) => groupsOpenTo(trx, ctx.projectId).where(where).execute())).map((r) => r.object_id)) : new Set<string>();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      stateful: bool(r.stateful),
      shared: shared.has(r.id),
      security_group_rules: (rules.get(r.id) ?? []).map((x) => this.renderRule(x, defaults)),
      ...standardAttributes(r, tags.get(r.id) ?? []),
    }));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    await this.ensureDefaultNow(ctx.projectId);
    const trx = this.s.db.kysely;
    // shared=… (security-groups-shared-filtering): an entry opens the group to the caller's project or all
    const sharedWanted = new Set((q.filters.get('shared') ?? []).map((v) => convertFilterValue({ name: 'shared', post: false, put: false, filter: 'bool' }, v)));
    const { rows, ids } = await listRows<SecurityGroupTable>(securityGroupDef, this.visible(trx, ctx), q, 'g', (qb) =>
      sharedWanted.size === 1 ? qb.where('g.id', sharedWanted.has(1) ? 'in' : 'not in', groupsOpenTo(trx, ctx.projectId)) : qb,
    );
    return this.render(trx, rows, q.fields, ids, ctx);
  }

  async show(ctx: RequestContext, id: string, fields: string[] | null): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    return (await this.render(trx, [await this.find(trx, ctx, id)], fields, undefined, ctx))[0];
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    for (const i of items) authorize(i);
    const rows = await inTransaction(this.s.db, async (trx) => {
      const now = timestamp();
      const rows: SecurityGroupTable[] = [];
      for (const project of new Set(items.map((i) => i.project_id as string))) await this.ensureDefault(trx, project);
      const counts = countBy(items.map((i) => i.project_id as string));
      await this.s.callbacks.publish('security_group', 'before_create', { context: ctx, trx, counts });
      // each new group comes with its two default egress rules
      await this.s.callbacks.publish('security_group_rule', 'before_create', { context: ctx, trx, counts: new Map([...counts].map(([p, n]) => [p, 2 * n])) });
      for (const i of items) {
        const row: SecurityGroupTable = {
          id: randomUUID(),
          project_id: i.project_id as string,
          name: i.name as string,
          description: i.description as string,
          created_at: now,
          updated_at: now,
          revision_number: 0,
          stateful: i.stateful ? 1 : 0,
        };
        rows.push(row);
      }
      await trx.insertInto('securitygroups').values(rows).execute();
      await trx
        .insertInto('securitygrouprules')
        .values(rows.flatMap((r) => initialRules(r.id, r.project_id, false, now)))
        .execute();
      return rows;
    });
    for (const r of rows) this.s.log.info({ event: 'security_group.create', security_group_id: r.id, request_id: ctx.requestId }, 'security group created');
    return this.render(this.s.db.kysely, rows, null, undefined, ctx);
  }

  async update(ctx: RequestContext, id: string, changes: ApiObject, ifMatch: number | null, authorize: AuthorizeChange): Promise<ApiObject> {
    const row = await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize({ id, project_id: row.project_id, name: row.name });
      checkRevision(row.revision_number, ifMatch);
      if ('name' in changes && changes.name !== row.name && (await this.defaultIds(trx, [id])).has(id)) {
        throw SecurityGroupCannotUpdateDefault({});
      }
      const set: Partial<SecurityGroupTable> = {};
      if ('name' in changes) set.name = changes.name as string;
      if ('description' in changes) set.description = changes.description as string;
      if ('stateful' in changes) {
        if (Boolean(changes.stateful) !== bool(row.stateful)) {
          const used = await trx.selectFrom('securitygroupportbindings').select('port_id').where('security_group_id', '=', id).executeTakeFirst();
          if (used) throw SecurityGroupInUse({ id });
        }
        set.stateful = changes.stateful ? 1 : 0;
      }
      return saveChanges(trx, 'securitygroups', row, set);
    });
    this.s.log.info({ event: 'security_group.update', security_group_id: id, request_id: ctx.requestId }, 'security group updated');
    return (await this.render(this.s.db.kysely, [row], null, undefined, ctx))[0];
  }

  async delete(ctx: RequestContext, id: string, ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    await inTransaction(this.s.db, async (trx) => {
      const row = await this.find(trx, ctx, id, true);
      authorize({ id, project_id: row.project_id, name: row.name });
      checkRevision(row.revision_number, ifMatch);
      if ((await this.defaultIds(trx, [id])).has(id) && !ctx.isAdmin) throw SecurityGroupCannotRemoveDefault({});
      const used = await trx.selectFrom('securitygroupportbindings').select('port_id').where('security_group_id', '=', id).executeTakeFirst();
      if (used) throw SecurityGroupInUse({ id });
      await trx.deleteFrom('default_security_group').where('security_group_id', '=', id).execute();
      await trx
        .deleteFrom('securitygrouprules')
        .where((eb) => eb.or([eb('security_group_id', '=', id), eb('remote_group_id', '=', id)]))
        .execute();
      await removeAllTags(this.s.db, trx, [id]);
      await trx.deleteFrom('securitygroups').where('id', '=', id).execute();
    });
    this.s.log.info({ event: 'security_group.delete', security_group_id: id, request_id: ctx.requestId }, 'security group deleted');
  }

  /** Checks that every group exists and the caller may use it; returns them deduplicated. */
  async checkUsable(trx: Trx, ctx: RequestContext, projectId: string, ids: string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) return [];
    const rows = await trx.selectFrom('securitygroups').select(['id', 'project_id', 'stateful']).where('id', 'in', unique).execute();
    const found = new Map(rows.map((r) => [r.id, r.project_id]));
    // another project's group is usable when shared with the port's project (rbac-security-groups)
    const foreign = ctx.isAdmin ? [] : unique.filter((id) => found.has(id) && found.get(id) !== projectId);
    const open = foreign.length ? new Set((await groupsOpenTo(trx, projectId).where('object_id', 'in', foreign).execute()).map((r) => r.object_id)) : new Set<string>();
    for (const id of unique) {
      const owner = found.get(id);
      if (owner === undefined || (!ctx.isAdmin && owner !== projectId && !open.has(id))) {
        throw SecurityGroupNotFound({ id });
      }
    }
    // a port's traffic is tracked or it is not: its groups must agree, as in Neutron
    if (new Set(rows.map((r) => bool(r.stateful))).size > 1) {
      throw SecurityGroupConflict({ reason: 'Cannot apply both stateful and stateless security groups on the same port at the same time' });
    }
    return unique;
  }
}

export class SecurityGroupRulePlugin implements Handler {
  constructor(
    private readonly s: Services,
    private readonly groups: SecurityGroupPlugin,
  ) {}

  private visible(trx: Trx, ctx: RequestContext) {
    let qb = trx.selectFrom('securitygrouprules as r').selectAll('r');
    if (!ctx.isAdmin) {
      qb = qb.where((eb) =>
        eb.or([
          eb('r.project_id', '=', ctx.projectId),
          eb('r.security_group_id', 'in', eb.selectFrom('securitygroups').select('id').where('project_id', '=', ctx.projectId)),
          // the rules of a group shared with the caller come with it
          eb('r.security_group_id', 'in', groupsOpenTo(trx, ctx.projectId)),
        ]),
      );
    }
    return qb;
  }

  private async render(trx: Trx, rows: SecurityGroupRuleTable[]): Promise<ApiObject[]> {
    const sgIds = [...new Set(rows.map((r) => r.security_group_id))];
    const defaults = new Set(
      (await rowsForIds(this.s.db, sgIds, 'security_group_id', (where) => trx.selectFrom('default_security_group').select('security_group_id').where(where).execute())).map((r) => r.security_group_id),
    );
    return rows.map((r) => this.groups.renderRule(r, defaults));
  }

  async list(ctx: RequestContext, q: ListQuery): Promise<ApiObject[]> {
    await this.groups.ensureDefaultNow(ctx.projectId);
    const trx = this.s.db.kysely;
    // normalized_cidr=… (security-groups-normalized-cidr) is computed: the rules whose prefix masks to one of the values
    const wanted = q.filters.get('normalized_cidr');
    let matching: string[] | null = null;
    if (wanted) {
      const norm = (p: string) => {
        const c = parseCidr(p);
        return c ? formatCidr(c) : null;
      };
      const values = new Set<string | null>(wanted.map(norm).filter((v) => v !== null));
      const withPrefix = await this.visible(trx, ctx).where('r.remote_ip_prefix', 'is not', null).execute();
      matching = withPrefix.filter((r) => values.has(norm(r.remote_ip_prefix as string))).map((r) => r.id);
    }
    const { rows } = await listRows<SecurityGroupRuleTable>(securityGroupRuleDef, this.visible(trx, ctx), q, 'r', (qb) =>
      matching === null ? qb : matching.length ? qb.where('r.id', 'in', matching) : qb.where(sql<boolean>`1 = 0`),
    );
    return this.render(trx, rows);
  }

  async show(ctx: RequestContext, id: string): Promise<ApiObject> {
    const trx = this.s.db.kysely;
    const row = await this.visible(trx, ctx).where('r.id', '=', id).executeTakeFirst();
    if (!row) throw SecurityGroupRuleNotFound({ id });
    return (await this.render(trx, [row as SecurityGroupRuleTable]))[0];
  }

  async create(ctx: RequestContext, items: ApiObject[], authorize: AuthorizeCreate): Promise<ApiObject[]> {
    const rows = await inTransaction(this.s.db, async (trx) => {
      const now = timestamp();
      const rows: SecurityGroupRuleTable[] = [];
      for (const item of items) {
        const sgId = item.security_group_id as string;
        const sg = await trx.selectFrom('securitygroups').select(['id', 'project_id']).where('id', '=', sgId).executeTakeFirst();
        if (!sg) throw SecurityGroupNotFound({ id: sgId });
        // any group is looked up, so that another project's gets 403 from the sg_owner rule, as in Neutron
        authorize(item, { 'security_group:project_id': sg.project_id, 'security_group:tenant_id': sg.project_id });
        const spec = normalizeRule(item, sg.project_id);
        // Neutron does not validate remote_group_id: whatever names no group it may see is 404
        if (spec.remote_group_id) {
          if (!isUuid(spec.remote_group_id)) throw SecurityGroupNotFound({ id: spec.remote_group_id });
          await this.groups.find(trx, ctx, spec.remote_group_id);
        }
        // an address group the rule's project owns or has shared with it (admins: any)
        if (spec.remote_address_group_id) {
          const ag = spec.remote_address_group_id;
          let q = trx
            .selectFrom('address_groups')
            .select('id')
            .where('id', '=', isUuid(ag) ? ag : '');
          if (!ctx.isAdmin) q = q.where((eb) => eb.or([eb('project_id', '=', spec.project_id), eb('id', 'in', addressGroupsOpenTo(trx, spec.project_id))]));
          if (!(await q.executeTakeFirst())) throw AddressGroupNotFound({ address_group_id: ag });
        }
        const twin = rows.find((r) => r.security_group_id === sg.id && sameRule(r, spec));
        if (twin) throw DuplicateSecurityGroupRuleInPost({});
        const existing = await trx.selectFrom('securitygrouprules').selectAll().where('security_group_id', '=', sg.id).execute();
        const dup = existing.find((r) => sameRule(r, spec));
        if (dup) throw SecurityGroupRuleExists({ id: dup.id });
        rows.push(ruleRow(spec, now));
      }
      await this.s.callbacks.publish('security_group_rule', 'before_create', { context: ctx, trx, counts: countBy(rows.map((r) => r.project_id)) });
      await trx.insertInto('securitygrouprules').values(rows).execute();
      for (const sgId of new Set(rows.map((r) => r.security_group_id))) await bumpRevision(trx, 'securitygroups', sgId);
      return rows;
    });
    for (const r of rows)
      this.s.log.info({ event: 'security_group_rule.create', security_group_rule_id: r.id, security_group_id: r.security_group_id, request_id: ctx.requestId }, 'security group rule created');
    await this.s.callbacks.publish('security_group', 'after_rules_update', { groupIds: [...new Set(rows.map((r) => r.security_group_id))] });
    return this.render(this.s.db.kysely, rows);
  }

  async delete(ctx: RequestContext, id: string, _ifMatch: number | null, authorize: AuthorizeChange): Promise<void> {
    const group = await inTransaction(this.s.db, async (trx) => {
      const row = await this.visible(trx, ctx).where('r.id', '=', id).executeTakeFirst();
      if (!row) throw SecurityGroupRuleNotFound({ id });
      const sg = await trx.selectFrom('securitygroups').select('project_id').where('id', '=', row.security_group_id).executeTakeFirst();
      authorize({ id, project_id: row.project_id, security_group_id: row.security_group_id, 'security_group:project_id': sg?.project_id, 'security_group:tenant_id': sg?.project_id });
      await trx.deleteFrom('securitygrouprules').where('id', '=', id).execute();
      await bumpRevision(trx, 'securitygroups', row.security_group_id);
      return row.security_group_id;
    });
    this.s.log.info({ event: 'security_group_rule.delete', security_group_rule_id: id, request_id: ctx.requestId }, 'security group rule deleted');
    await this.s.callbacks.publish('security_group', 'after_rules_update', { groupIds: [group] });
  }
}

const portValue = (name: string, v: unknown, min: number, max: number, icmp: boolean): number | null => {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    if (icmp) throw SecurityGroupInvalidIcmpValue({ field: name === 'port_range_min' ? 'type' : 'code', attr: name, value: v });
    if (typeof v !== 'number' && typeof v !== 'string') throw HTTPBadRequest({ msg: `Invalid input for ${name}. Reason: ${JSON.stringify(v)} is not an integer.` });
    throw SecurityGroupInvalidPortValue({ port: v });
  }
  return n;
};

/** Validates a rule as Neutron does and returns the row to store. */
export function normalizeRule(item: ApiObject, projectId: string): RuleSpec {
  const direction = item.direction;
  if (direction !== 'ingress' && direction !== 'egress') {
    throw HTTPBadRequest({ msg: `Invalid input for direction. Reason: ${JSON.stringify(direction)} is not in ['ingress', 'egress'].` });
  }
  const ethRaw = typeof item.ethertype === 'string' ? item.ethertype.toLowerCase() : item.ethertype;
  const ethertype = ethRaw === 'ipv4' ? 'IPv4' : ethRaw === 'ipv6' ? 'IPv6' : null;
  if (!ethertype) throw SecurityGroupRuleInvalidEtherType({ ethertype: item.ethertype });

  let proto = protocolNumber(item.protocol);
  if (proto === undefined) {
    throw SecurityGroupRuleInvalidProtocol({
      protocol: String(item.protocol),
      values: `(None, 'any', ${Object.keys(PROTOCOL_NUMBERS)
        .map((k) => `'${k}'`)
        .join(', ')})`,
    });
  }
  let protocol = item.protocol === null || proto === null ? null : String(item.protocol).trim().toLowerCase();
  // the legacy IPv6 ICMP spellings are stored as Neutron stores them
  if (ethertype === 'IPv6' && (protocol === 'icmp' || protocol === 'icmpv6' || protocol === '1')) {
    protocol = protocol === '1' ? '58' : 'ipv6-icmp';
    proto = 58;
  }
  if (proto !== null && IPV6_ONLY_PROTOCOLS.has(proto) && ethertype === 'IPv4') {
    throw SecurityGroupEthertypeConflictWithProtocol({ ethertype, protocol: protocol! });
  }

  const icmp = proto !== null && ICMP_PROTOCOLS.has(proto);
  let min = portValue('port_range_min', item.port_range_min, icmp ? 0 : 1, icmp ? 255 : 65535, icmp);
  let max = portValue('port_range_max', item.port_range_max, icmp ? 0 : 1, icmp ? 255 : 65535, icmp);
  if (min !== null || max !== null) {
    if (proto === null) throw SecurityGroupProtocolRequiredWithPorts({});
    if (icmp) {
      if (min === null) throw SecurityGroupMissingIcmpType({ value: max });
    } else if (!PORT_PROTOCOLS.has(proto)) {
      throw SecurityGroupInvalidProtocolForPort({ protocol: proto });
    } else {
      if (min === null || max === null || min > max) throw SecurityGroupInvalidPortRange({});
      // the whole range is no range
      if (min === 1 && max === 65535) min = max = null;
    }
  }

  const prefix = item.remote_ip_prefix as string | null;
  const group = item.remote_group_id as string | null;
  const addressGroup = (item.remote_address_group_id as string | null | undefined) ?? null;
  if ([prefix, group, addressGroup].filter(Boolean).length > 1) throw SecurityGroupMultipleRemoteEntites({});
  if (prefix) {
    const c = parseCidr(prefix)!;
    if ((c.version === 4 ? 'IPv4' : 'IPv6') !== ethertype) throw SecurityGroupRuleParameterConflict({ ethertype, cidr: prefix });
  }
  return {
    project_id: projectId,
    security_group_id: item.security_group_id as string,
    direction,
    ethertype,
    protocol,
    port_range_min: min,
    port_range_max: max,
    remote_ip_prefix: prefix ?? null,
    remote_group_id: group || null,
    remote_address_group_id: addressGroup || null,
    description: (item.description as string) ?? '',
  };
}

function sameRule(a: RuleSpec, b: RuleSpec): boolean {
  const cidr = (p: string | null) => {
    if (!p) return null;
    const c = parseCidr(p)!;
    return c.prefixlen === 0 ? null : formatCidr(c);
  };
  return (
    a.direction === b.direction &&
    a.ethertype === b.ethertype &&
    protocolNumber(a.protocol) === protocolNumber(b.protocol) &&
    a.port_range_min === b.port_range_min &&
    a.port_range_max === b.port_range_max &&
    cidr(a.remote_ip_prefix) === cidr(b.remote_ip_prefix) &&
    a.remote_group_id === b.remote_group_id &&
    (a.remote_address_group_id ?? null) === (b.remote_address_group_id ?? null)
  );
}

/** The ids of groups an access_as_shared entry opens to `project` or to all (a subquery). */
export function groupsOpenTo(trx: Trx, project: string) {
  return trx.selectFrom('securitygrouprbacs').select('object_id').where('target_tenant', 'in', [project, WILDCARD]).where('action', '=', ACCESS_SHARED);
}
