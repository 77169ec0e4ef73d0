// Attribute validators and converters, as neutron-lib's `validate` / `convert_to` pairs.
// Each returns the normalised value or throws AttributeInvalid with a reason; the
// controller names the attribute in the 400 it sends.
import { formatCidr, normalizeIp, parseCidr } from '../common/ip-address.js';

export class AttributeInvalid extends Error {}

export type Validator = (value: unknown) => unknown;

const fail = (reason: string): never => {
  throw new AttributeInvalid(reason);
};

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

export const string =
  (max = 255): Validator =>
  (v) => {
    if (typeof v !== 'string') fail(`${show(v)} is not a valid string`);
    if ((v as string).length > max) fail(`${show(v)} exceeds maximum length of ${max}`);
    return v;
  };

export const nullableString =
  (max = 255): Validator =>
  (v) =>
    v === null ? null : string(max)(v);

export const boolean: Validator = (v) => {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'string') {
    const t = v.toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
  }
  return fail(`${show(v)} cannot be converted to boolean`);
};

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID_RE.test(v);

export const uuid: Validator = (v) => (isUuid(v) ? v : fail(`${show(v)} is not a valid UUID`));
export const nullableUuid: Validator = (v) => (v === null ? null : uuid(v));

export const integer =
  (min: number, max: number): Validator =>
  (v) => {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) n = Number(v);
    else return fail(`${show(v)} is not an integer`);
    if (!Number.isInteger(n)) fail(`${show(v)} is not an integer`);
    if (n < min) fail(`${show(v)} is too small - must be at least '${min}'`);
    if (n > max) fail(`${show(v)} is too large - must be no larger than '${max}'`);
    return n;
  };

export const nullableInteger =
  (min: number, max: number): Validator =>
  (v) =>
    v === null ? null : integer(min, max)(v);

export const oneOf =
  (values: readonly (string | null)[]): Validator =>
  (v) =>
    values.includes(v as string) ? v : fail(`${show(v)} is not in ${JSON.stringify(values)}`);

export const ipAddress: Validator = (v) => {
  if (typeof v !== 'string') return fail(`${show(v)} is not a valid IP address`);
  return normalizeIp(v) ?? fail(`${show(v)} is not a valid IP address`);
};

export const nullableIpAddress: Validator = (v) => (v === null ? null : ipAddress(v));

/** A subnet cidr: host bits must be zero. */
export const subnetCidr: Validator = (v) => {
  const c = typeof v === 'string' ? parseCidr(v) : null;
  if (!c || typeof v !== 'string' || !v.includes('/')) return fail(`${show(v)} is not a valid IP subnet`);
  if (c.hostBitsSet) fail(`'${v}' isn't a recognized IP subnet cidr, '${formatCidr(c)}' is recommended`);
  return formatCidr(c);
};

/** A prefix that may carry host bits (remote_ip_prefix, allowed address pairs); kept as given but canonical. */
export const ipOrCidr: Validator = (v) => {
  const c = typeof v === 'string' ? parseCidr(v) : null;
  if (!c || typeof v !== 'string') return fail(`${show(v)} is not a valid IP address or subnet`);
  return v.includes('/') ? `${normalizeIp(v.split('/')[0])}/${c.prefixlen}` : normalizeIp(v);
};

const MAC_RE = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;

export const macAddress: Validator = (v) => {
  if (typeof v !== 'string' || !MAC_RE.test(v)) return fail(`${show(v)} is not a valid MAC address`);
  const mac = v.toLowerCase().replace(/-/g, ':');
  const first = parseInt(mac.slice(0, 2), 16);
  if (first & 1) fail(`${show(v)} is a multicast MAC address, which a port can not use`);
  if (mac === '00:00:00:00:00:00') fail(`${show(v)} is not a valid MAC address`);
  return mac;
};

export const list =
  (item: Validator, opts: { unique?: boolean; max?: number } = {}): Validator =>
  (v) => {
    if (!Array.isArray(v)) return fail(`${show(v)} is not a list`);
    if (opts.max !== undefined && v.length > opts.max) fail(`list has more than ${opts.max} items`);
    const out = v.map(item);
    if (opts.unique) {
      const seen = new Set<string>();
      for (const x of out) {
        const k = JSON.stringify(x);
        if (seen.has(k)) fail(`Duplicate items in the list: ${show(x)}`);
        seen.add(k);
      }
    }
    return out;
  };

export interface KeySpec {
  required?: boolean;
  validate: Validator;
}

/** A dict with known keys only; unknown keys are refused. */
export const dict =
  (keys: Record<string, KeySpec>): Validator =>
  (v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(`${show(v)} is not a dictionary`);
    const obj = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(obj)) {
      if (!(k in keys)) fail(`Unexpected keys supplied: ${k}`);
    }
    for (const [k, spec] of Object.entries(keys)) {
      if (!(k in obj)) {
        if (spec.required)
          fail(
            `Validation of dictionary's keys failed. Expected keys: ${Object.keys(keys)
              .filter((x) => keys[x].required)
              .join(', ')}. Provided keys: ${Object.keys(obj).join(', ') || '(none)'}`,
          );
        continue;
      }
      try {
        out[k] = spec.validate(obj[k]);
      } catch (e) {
        if (e instanceof AttributeInvalid) fail(`${k}: ${e.message}`);
        throw e;
      }
    }
    return out;
  };

export const anyDict: Validator = (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : fail(`${show(v)} is not a dictionary`));

export const TAG_MAX = 255;
export const MAX_TAGS = 50;
export const tag: Validator = (v) => {
  if (typeof v !== 'string' || v.length === 0) return fail(`${show(v)} is not a valid tag: it must be a non-empty string`);
  if (v.length > TAG_MAX) fail(`${show(v)} exceeds maximum length of ${TAG_MAX}`);
  return v;
};

export const projectId: Validator = string(255);

/** Any JSON object (binding:profile); null means empty. */
export const freeDict: Validator = (v) => {
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) return fail(`${show(v)} is not a dictionary`);
  return v;
};

/**
 * availability_zone_hints (neutron-lib's check): a list of unique strings whose JSON form fits
 * Neutron's 255-character column; whether each names a zone is the plugin's check.
 */
export const availabilityZoneHints: Validator = (v) => {
  if (!Array.isArray(v)) fail(`${show(v)} is not a list`);
  const seen = new Set<string>();
  for (const h of v as unknown[]) {
    if (typeof h !== 'string') fail(`${show(h)} is not a valid string`);
    if (seen.has(h as string)) fail(`Duplicate items in the list: '${h}'`);
    seen.add(h as string);
  }
  if ((v as string[]).length && JSON.stringify(v).length > 255) fail('Too many availability_zone_hints specified');
  return v;
};

/** Device-owner prefixes a subnet may serve (subnet-service-types), as neutron-lib means them. */
const SERVICE_TYPE_PREFIXES = ['network:', 'neutron:', 'compute:'];

/** service_types of a subnet: a list of device owners (network:…, neutron:…, compute:…). */
export const subnetServiceTypes: Validator = (v) => {
  if (!Array.isArray(v)) fail('Subnet service types must be a list');
  for (const t of v as unknown[]) {
    if (typeof t !== 'string') fail(`Subnet service type ${show(t)} is not a string`);
    if (!SERVICE_TYPE_PREFIXES.some((p) => (t as string).startsWith(p))) fail(`Subnet service type ${t} does not correspond to a valid device owner`);
    if ((t as string).length > 255) fail(`Subnet service type ${show(t)} exceeds maximum length of 255`);
  }
  return [...new Set(v as string[])];
};

/** An address group's address: a prefix with its '/' (host bits allowed), stored as its network, as Neutron. */
export const addressGroupAddress: Validator = (v) => {
  const c = typeof v === 'string' ? parseCidr(v) : null;
  if (!c || typeof v !== 'string' || !v.includes('/')) return fail(`${show(v)} is not a valid IP subnet`);
  return formatCidr(c);
};

/** The FQDN length limit of dns_name and dns_domain (Neutron's FQDN_FIELD_SIZE). */
export const FQDN_MAX = 255;
const DNS_LABEL = /^[a-z0-9-]{1,63}$/;

/** Why `name` is no PQDN or FQDN (RFC 1123 labels, a trailing dot allowed), or null. */
export function dnsFormatProblem(name: string): string | null {
  if (!name) return null;
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed.length > FQDN_MAX) return `'${trimmed}' exceeds the ${FQDN_MAX} character FQDN limit`;
  const labels = trimmed.split('.');
  for (const label of labels) {
    if (!label) return 'Encountered an empty component';
    if (label.startsWith('-') || label.endsWith('-')) return `Name '${label}' must not start or end with a hyphen`;
    if (!DNS_LABEL.test(label)) return `Name '${label}' must be 1-63 characters long, each of which can only be alphanumeric or a hyphen`;
  }
  if (labels.length > 1 && /^[0-9]+$/.test(labels[labels.length - 1])) return `TLD '${labels[labels.length - 1]}' must not be all numeric`;
  return null;
}

/** A port's dns_name: '' or a PQDN/FQDN (whether it fits [DEFAULT] dns_domain is the dns driver's check). */
export const dnsName: Validator = (v) => {
  const name = string(FQDN_MAX)(v) as string;
  const problem = dnsFormatProblem(name);
  if (problem) fail(`'${name}' not a valid PQDN or FQDN. Reason: ${problem}`);
  return name;
};

/** A network's dns_domain: '' or a FQDN ending in '.'. */
export const dnsDomain: Validator = (v) => {
  const domain = string(FQDN_MAX)(v) as string;
  if (!domain) return domain;
  if (!domain.endsWith('.')) fail(`'${domain}' is not a FQDN`);
  const problem = dnsFormatProblem(domain);
  if (problem) fail(`'${domain}' not a valid PQDN or FQDN. Reason: ${problem}`);
  if (domain.length > FQDN_MAX - 2) fail(`'${domain}' contains ${domain.length} characters. Adding a sub-domain will cause it to exceed the maximum length of a FQDN of '${FQDN_MAX}'`);
  return domain;
};
