// The metadata trees an instance reads from 169.254.169.254 (pure: data in, files out), in
// Nova's formats so cloud-init reads them unchanged:
//   /openstack/<version>/{meta_data.json, network_data.json, user_data, vendor_data.json}
//   /<ec2 version>/meta-data/… and /<ec2 version>/user-data
// A directory answers with its entries one per line (subdirectories end with '/'), as Nova's.
import { formatIp, parseCidr, prefixMask } from '../../common/ip-address.js';

export interface MetadataSubnet {
  id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  ipv6_address_mode: string | null;
  dns_nameservers: string[];
  host_routes: { destination: string; nexthop: string }[];
}

export interface MetadataPortInfo {
  id: string;
  mac_address: string;
  network_id: string;
  mtu: number;
  fixed_ips: { ip_address: string; subnet: MetadataSubnet }[];
  /** floating IPs associated with the port's addresses */
  floating_ips: string[];
}

export interface InstanceMetadata {
  id: string;
  name: string;
  hostname: string;
  project_id: string;
  availability_zone: string;
  key_name: string | null;
  public_keys: Record<string, string>;
  meta: Record<string, string>;
  /** base64, as given at boot; null: none */
  user_data: string | null;
  created_at: string;
  ports: MetadataPortInfo[];
}

export const OPENSTACK_VERSIONS = ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', '2020-10-14', 'latest'];
export const EC2_VERSIONS = ['1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01', '2009-04-04', 'latest'];

export interface MetadataAnswer {
  status: 200 | 404;
  contentType: string;
  body: string | Buffer;
}

const text = (body: string): MetadataAnswer => ({ status: 200, contentType: 'text/plain; charset=utf-8', body });
const json = (value: unknown): MetadataAnswer => ({ status: 200, contentType: 'application/json', body: JSON.stringify(value) });
const NOT_FOUND: MetadataAnswer = { status: 404, contentType: 'text/plain; charset=utf-8', body: 'Not Found\n' };
const listing = (entries: string[]): MetadataAnswer => text(entries.join('\n'));

/** The answer to one GET path (query string removed), for this instance. */
export function renderPath(md: InstanceMetadata, rawPath: string): MetadataAnswer {
  const parts = rawPath.split('/').filter((p) => p !== '');
  if (parts.length === 0) return listing([...EC2_VERSIONS, 'openstack']);
  if (parts[0] === 'openstack') return renderOpenstack(md, parts.slice(1));
  if (!EC2_VERSIONS.includes(parts[0])) return NOT_FOUND;
  return renderEc2(md, parts.slice(1));
}

function renderOpenstack(md: InstanceMetadata, parts: string[]): MetadataAnswer {
  if (parts.length === 0) return listing(OPENSTACK_VERSIONS);
  if (!OPENSTACK_VERSIONS.includes(parts[0])) return NOT_FOUND;
  const files = ['meta_data.json', 'network_data.json', ...(md.user_data !== null ? ['user_data'] : []), 'vendor_data.json'];
  if (parts.length === 1) return listing(files);
  if (parts.length > 2) return NOT_FOUND;
  switch (parts[1]) {
    case 'meta_data.json':
      return json(metaData(md));
    case 'network_data.json':
      return json(networkData(md));
    case 'vendor_data.json':
      return json({});
    case 'user_data':
      return md.user_data === null ? NOT_FOUND : { status: 200, contentType: 'application/octet-stream', body: Buffer.from(md.user_data, 'base64') };
    default:
      return NOT_FOUND;
  }
}

export function metaData(md: InstanceMetadata): Record<string, unknown> {
  return {
    uuid: md.id,
    name: md.name,
    hostname: md.hostname,
    project_id: md.project_id,
    availability_zone: md.availability_zone,
    launch_index: 0,
    public_keys: md.public_keys,
    keys: Object.entries(md.public_keys).map(([name, data]) => ({ name, type: 'ssh', data })),
    meta: md.meta,
    devices: [],
  };
}

function netmask(version: 4 | 6, prefixlen: number): string {
  return formatIp(version, prefixMask(version, prefixlen));
}

/** A CIDR as network + netmask (Nova's route format). */
function routeOf(destination: string, gateway: string): { network: string; netmask: string; gateway: string } | null {
  const c = parseCidr(destination);
  if (!c) return null;
  return { network: formatIp(c.version, c.network), netmask: netmask(c.version, c.prefixlen), gateway };
}

/** Nova's network_data.json: one link per port, one network per fixed IP, the DNS servers as services. */
export function networkData(md: InstanceMetadata): Record<string, unknown> {
  const links: Record<string, unknown>[] = [];
  const networks: Record<string, unknown>[] = [];
  const dns = new Set<string>();
  for (const port of md.ports) {
    const link = `tap${port.id.slice(0, 11)}`;
    links.push({ id: link, vif_id: port.id, type: 'bridge', mtu: port.mtu, ethernet_mac_address: port.mac_address });
    for (const f of port.fixed_ips) {
      const s = f.subnet;
      const c = parseCidr(s.cidr);
      if (!c) continue;
      const routes: Record<string, string>[] = [];
      if (s.gateway_ip) routes.push({ network: s.ip_version === 4 ? '0.0.0.0' : '::', netmask: s.ip_version === 4 ? '0.0.0.0' : '::', gateway: s.gateway_ip });
      for (const r of s.host_routes) {
        const route = routeOf(r.destination, r.nexthop);
        if (route) routes.push(route);
      }
      for (const d of s.dns_nameservers) dns.add(d);
      const type =
        s.ip_version === 4
          ? s.enable_dhcp
            ? 'ipv4_dhcp'
            : 'ipv4'
          : s.ipv6_address_mode === 'slaac'
            ? 'ipv6_slaac'
            : s.enable_dhcp && s.ipv6_address_mode === 'dhcpv6-stateful'
              ? 'ipv6_dhcpv6-stateful'
              : 'ipv6';
      networks.push({
        id: `network${networks.length}`,
        type,
        link,
        ip_address: f.ip_address,
        netmask: netmask(c.version, c.prefixlen),
        routes,
        network_id: port.network_id,
        services: s.dns_nameservers.map((address) => ({ type: 'dns', address })),
      });
    }
  }
  return { links, networks, services: [...dns].map((address) => ({ type: 'dns', address })) };
}

function firstAddress(md: InstanceMetadata, version: 4 | 6): string | undefined {
  for (const p of md.ports) for (const f of p.fixed_ips) if (f.subnet.ip_version === version) return f.ip_address;
  return undefined;
}

function renderEc2(md: InstanceMetadata, parts: string[]): MetadataAnswer {
  if (parts.length === 0) return listing(['meta-data/', ...(md.user_data !== null ? ['user-data'] : [])]);
  if (parts[0] === 'user-data') return parts.length === 1 && md.user_data !== null ? { status: 200, contentType: 'application/octet-stream', body: Buffer.from(md.user_data, 'base64') } : NOT_FOUND;
  if (parts[0] !== 'meta-data') return NOT_FOUND;
  const local = firstAddress(md, 4);
  const floating = md.ports.flatMap((p) => p.floating_ips)[0];
  const keys = Object.entries(md.public_keys);
  const leaves: Record<string, string | undefined> = {
    hostname: md.hostname,
    'instance-id': md.id,
    'local-hostname': md.hostname,
    'local-ipv4': local,
    'public-hostname': floating ? md.hostname : undefined,
    'public-ipv4': floating,
  };
  const rest = parts.slice(1);
  if (rest.length === 0) {
    const names = Object.keys(leaves).filter((k) => leaves[k] !== undefined);
    return listing([...names, 'placement/', ...(keys.length ? ['public-keys/'] : [])].sort());
  }
  if (rest[0] in leaves) {
    const v = leaves[rest[0]];
    return rest.length === 1 && v !== undefined ? text(v) : NOT_FOUND;
  }
  if (rest[0] === 'placement') {
    if (rest.length === 1) return listing(['availability-zone']);
    return rest.length === 2 && rest[1] === 'availability-zone' ? text(md.availability_zone) : NOT_FOUND;
  }
  if (rest[0] === 'public-keys' && keys.length) {
    if (rest.length === 1) return listing(keys.map(([name], i) => `${i}=${name}`));
    const i = Number(rest[1]);
    if (!/^\d+$/.test(rest[1]) || i >= keys.length) return NOT_FOUND;
    if (rest.length === 2) return listing(['openssh-key']);
    return rest.length === 3 && rest[2] === 'openssh-key' ? text(keys[i][1]) : NOT_FOUND;
  }
  return NOT_FOUND;
}

/** The EC2 meta-data tree as one JSON object (directories as objects), walked through renderPath so it says what the service says. */
export function ec2MetaData(md: InstanceMetadata, dir = '/latest/meta-data/'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const listing = renderPath(md, dir);
  if (listing.status !== 200) return out;
  for (const entry of listing.body.toString().split('\n')) {
    if (!entry) continue;
    if (entry.endsWith('/')) out[entry.slice(0, -1)] = ec2MetaData(md, `${dir}${entry}`);
    else if (entry.includes('=')) {
      // public-keys/: "0=name" lists key 0, a directory
      const [index] = entry.split('=');
      out[index] = ec2MetaData(md, `${dir}${index}/`);
    } else out[entry] = renderPath(md, `${dir}${entry}`).body.toString();
  }
  return out;
}

/**
 * The config drive's files (path → content), as Nova lays them out: openstack/<version>/… for
 * every OpenStack version and ec2/latest/{meta-data.json,user-data}. Every file is what the
 * metadata service answers for the same path.
 */
export function configDriveFiles(md: InstanceMetadata): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const put = (path: string, url: string) => {
    const a = renderPath(md, url);
    if (a.status === 200) files.set(path, Buffer.isBuffer(a.body) ? a.body : Buffer.from(a.body));
  };
  for (const v of OPENSTACK_VERSIONS) for (const f of ['meta_data.json', 'network_data.json', 'vendor_data.json', 'user_data']) put(`openstack/${v}/${f}`, `/openstack/${v}/${f}`);
  files.set('ec2/latest/meta-data.json', Buffer.from(JSON.stringify(ec2MetaData(md))));
  put('ec2/latest/user-data', '/latest/user-data');
  return files;
}
