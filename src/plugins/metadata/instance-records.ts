// What the metadata service serves about an instance, kept by the server (Nova keeps it in its
// own database; Neutrino runs the instances, so the compute shim records them here when it
// boots one). Key pairs belong to a project; a key pair named at boot is copied into the
// instance record, as Nova does, so deleting the key pair later changes no instance.
import { createHash } from 'node:crypto';
import type { RequestContext } from '../../api/context.js';
import { HTTPBadRequest, InstanceExists, InstanceNotFound, KeyPairExists, KeypairNotFound } from '../../api/errors.js';
import type { InstanceTable } from '../../db/schema.js';
import { uniqueViolation } from '../../db/connection.js';
import type { Services } from '../services.js';
import type { MetadataSource } from './metadata-source.js';
import { configDriveFiles } from './metadata-tree.js';

export interface InstanceView {
  id: string;
  project_id: string;
  name: string;
  hostname: string;
  host: string;
  availability_zone: string;
  key_name: string | null;
  public_keys: Record<string, string>;
  meta: Record<string, string>;
  /** whether user data was given (the data itself is served only to the instance) */
  has_user_data: boolean;
  created_at: string;
}

export interface KeypairView {
  name: string;
  project_id: string;
  public_key: string;
  fingerprint: string;
  created_at: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.@ -]{0,254}$/;
const HOSTNAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Nova's limit on user data (65535 bytes of base64) */
export const MAX_USER_DATA = 65535;
const KEY_RE = /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/;

const bad = (msg: string) => HTTPBadRequest({ msg });

function str(v: unknown, field: string, re: RegExp, what: string): string {
  if (typeof v !== 'string' || !re.test(v)) throw bad(`${field}: ${JSON.stringify(v)} is not ${what}`);
  return v;
}

function stringMap(v: unknown, field: string, check: (k: string, v: string) => void): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(`${field} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw bad(`${field}.${k} must be a string`);
    check(k, x);
    out[k] = x;
  }
  return out;
}

/** A public key in OpenSSH's one-line format, checked (its base64 must decode to its own type). */
export function checkPublicKey(key: string, field: string): string {
  const k = key.trim();
  if (!KEY_RE.test(k)) throw bad(`${field} is not an OpenSSH public key (ssh-ed25519 AAAA… or ssh-rsa AAAA…)`);
  const [type, b64] = k.split(' ');
  const blob = Buffer.from(b64, 'base64');
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (len !== type.length || blob.subarray(4, 4 + len).toString() !== type) throw bad(`${field}: the key's data does not match its type ${type}`);
  return k;
}

/** OpenSSH's SHA256 fingerprint of a public key. */
export function fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.split(' ')[1], 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A name made into a host name (Nova's sanitising: lower case, letters, digits and '-'). */
export function hostnameOf(name: string): string {
  const h = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return h || 'instance';
}

const parseJson = (s: string): Record<string, string> => JSON.parse(s) as Record<string, string>;

export function instanceView(r: InstanceTable): InstanceView {
  return {
    id: r.id,
    project_id: r.project_id,
    name: r.name,
    hostname: r.hostname,
    host: r.host,
    availability_zone: r.availability_zone,
    key_name: r.key_name,
    public_keys: parseJson(r.public_keys),
    meta: parseJson(r.meta),
    has_user_data: r.user_data !== null,
    created_at: r.created_at,
  };
}

export class InstanceRecords {
  /** source: the metadata service's, told when a record goes so it stops answering from its cache */
  constructor(
    private readonly s: Services,
    private readonly source?: MetadataSource,
  ) {}

  private visible(ctx: RequestContext, projectId: string): boolean {
    return ctx.isAdmin || ctx.projectId === projectId;
  }

  async create(ctx: RequestContext, body: Record<string, unknown>): Promise<InstanceView> {
    const id = str(body.id, 'instance.id', UUID_RE, 'a lower-case uuid');
    const name = str(body.name, 'instance.name', NAME_RE, 'a name (1-255 letters, digits, _ . @ - or spaces)');
    const hostname = body.hostname === undefined ? hostnameOf(name) : str(body.hostname, 'instance.hostname', HOSTNAME_RE, 'a host name');
    const host = body.host === undefined ? '' : str(body.host, 'instance.host', /^[A-Za-z0-9_.-]{0,255}$/, 'a host name');
    const az = body.availability_zone === undefined ? 'nova' : str(body.availability_zone, 'instance.availability_zone', /^[A-Za-z0-9_.-]{1,255}$/, 'an availability zone');
    const project = body.project_id === undefined ? ctx.projectId : str(body.project_id, 'instance.project_id', /^[A-Za-z0-9_-]{1,255}$/, 'a project id');
    if (project !== ctx.projectId && !ctx.isAdmin) throw bad('instance.project_id: only an admin may record an instance of another project');
    const meta = stringMap(body.meta, 'instance.meta', (k, v) => {
      if (k.length === 0 || k.length > 255 || v.length > 255) throw bad('instance.meta: keys are 1-255 characters, values at most 255');
    });
    const keys = stringMap(body.public_keys, 'instance.public_keys', (k, v) => {
      if (!NAME_RE.test(k)) throw bad(`instance.public_keys: ${JSON.stringify(k)} is not a key name`);
      checkPublicKey(v, `instance.public_keys.${k}`);
    });
    let userData: string | null = null;
    if (body.user_data !== undefined && body.user_data !== null) {
      if (typeof body.user_data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body.user_data) || body.user_data.length % 4 !== 0) throw bad('instance.user_data must be base64');
      if (body.user_data.length > MAX_USER_DATA) throw bad(`instance.user_data is longer than ${MAX_USER_DATA} characters of base64`);
      userData = body.user_data;
    }
    let keyName: string | null = null;
    if (body.key_name !== undefined && body.key_name !== null) {
      keyName = str(body.key_name, 'instance.key_name', NAME_RE, 'a key pair name');
      const kp = await this.s.db.kysely.selectFrom('keypairs').selectAll().where('project_id', '=', project).where('name', '=', keyName).executeTakeFirst();
      if (!kp) throw KeypairNotFound({ name: keyName });
      keys[keyName] = kp.public_key;
    }
    const row: InstanceTable = {
      id,
      project_id: project,
      name,
      hostname,
      host,
      availability_zone: az,
      key_name: keyName,
      public_keys: JSON.stringify(keys),
      meta: JSON.stringify(meta),
      user_data: userData,
      created_at: new Date().toISOString(),
    };
    try {
      await this.s.db.kysely.insertInto('instances').values(row).execute();
    } catch (e) {
      if (uniqueViolation(e) !== null) throw InstanceExists({ id });
      throw e;
    }
    this.s.log.info(
      { event: 'instance.recorded', instance_id: id, project_id: project, key_name: keyName, user_data_bytes: userData ? Buffer.from(userData, 'base64').length : 0 },
      `instance ${name} recorded`,
    );
    return instanceView(row);
  }

  async show(ctx: RequestContext, id: string): Promise<InstanceView> {
    const r = await this.s.db.kysely.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r || !this.visible(ctx, r.project_id)) throw InstanceNotFound({ id });
    return instanceView(r);
  }

  async list(ctx: RequestContext): Promise<InstanceView[]> {
    let q = this.s.db.kysely.selectFrom('instances').selectAll().orderBy('created_at').orderBy('id');
    if (!ctx.isAdmin) q = q.where('project_id', '=', ctx.projectId);
    return (await q.execute()).map(instanceView);
  }

  /** The config drive of an instance (its owner's or an admin's): path → base64 content. */
  async configDrive(ctx: RequestContext, id: string, source: MetadataSource): Promise<Record<string, string>> {
    await this.show(ctx, id);
    // read now, not from the service's cache: the drive is written once, at boot
    const md = await source.readInstance(id);
    if (!md) throw InstanceNotFound({ id });
    return Object.fromEntries([...configDriveFiles(md)].map(([path, content]) => [path, content.toString('base64')]));
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    await this.show(ctx, id);
    await this.s.db.kysely.deleteFrom('instances').where('id', '=', id).execute();
    this.source?.forget(id);
  }

  async createKeypair(ctx: RequestContext, body: Record<string, unknown>): Promise<KeypairView> {
    const name = str(body.name, 'keypair.name', NAME_RE, 'a key pair name');
    if (body.public_key === undefined) throw bad('keypair.public_key is required: Neutrino imports key pairs and does not generate private keys');
    if (typeof body.public_key !== 'string') throw bad('keypair.public_key must be a string');
    const key = checkPublicKey(body.public_key, 'keypair.public_key');
    const row = { project_id: ctx.projectId, name, public_key: key, fingerprint: fingerprint(key), created_at: new Date().toISOString() };
    try {
      await this.s.db.kysely.insertInto('keypairs').values(row).execute();
    } catch (e) {
      if (uniqueViolation(e) !== null) throw KeyPairExists({ name });
      throw e;
    }
    return row;
  }

  async listKeypairs(ctx: RequestContext): Promise<KeypairView[]> {
    return this.s.db.kysely.selectFrom('keypairs').selectAll().where('project_id', '=', ctx.projectId).orderBy('name').execute();
  }

  async showKeypair(ctx: RequestContext, name: string): Promise<KeypairView> {
    const r = await this.s.db.kysely.selectFrom('keypairs').selectAll().where('project_id', '=', ctx.projectId).where('name', '=', name).executeTakeFirst();
    if (!r) throw KeypairNotFound({ name });
    return r;
  }

  async deleteKeypair(ctx: RequestContext, name: string): Promise<void> {
    const r = await this.s.db.kysely.deleteFrom('keypairs').where('project_id', '=', ctx.projectId).where('name', '=', name).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw KeypairNotFound({ name });
  }
}
