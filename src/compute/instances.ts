// Booting and deleting instances, in Nova's order: create the port without a host, plug the
// VIF (namespace + veth), then set binding:host_id and wait for the agent to make the port
// ACTIVE. Callable in-process (the wiring benchmark boots hundreds this way).
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { tapName } from '../contract/device-names.js';
import { DEVICE_OWNER_COMPUTE } from '../contract/device-owners.js';
import { ApiError, type Json, type NetworkApi } from './api-client.js';
import { checkInstanceName, type InstanceRecord, type InstanceStore } from './instance-store.js';
import { namespaceExists } from '../linux/netns.js';
import { configureAddresses, plugInstance, removeNetns, unplugOvs, type InstanceAddress } from './instance-netns.js';
import { chooseHost, findOne, type FixedIpSpec } from './resolve.js';
import { Reverter } from './reverter.js';
import { acquireLease, removeResolvConf, resolvConfOf, type DhcpLease } from './dhcp-client.js';
import { acquireLease6 } from './dhcpv6-client.js';
import { networkDataCommands, readNetworkData } from './network-data.js';
import { interfacesCommands, readInterfacesFile, renderInterfaces, writeInterfacesFile } from './interfaces-file.js';
import { CONFIG_DRIVE_IN_INSTANCE, configDriveHostPath, removeConfigDrive, writeConfigDrive } from './config-drive.js';
import { run } from '../linux/exec.js';

export interface BootOptions {
  name: string;
  /** network name or id */
  network: string;
  fixedIps?: FixedIpSpec[];
  /** names or ids; none → the project's default group (Neutron's choice) */
  securityGroups?: string[];
  host?: string;
  /** false → port_security_enabled=false and no security groups */
  portSecurity?: boolean;
  /** how long to wait for ACTIVE (default 30 s) */
  timeoutMs?: number;
  /** how often to look at the port's status (default 10 ms) */
  pollMs?: number;
  onProgress?: (line: string) => void;
  /** what the metadata service serves (recorded on the server when its metadata plugin is loaded) */
  metadata?: InstanceMetadataSpec;
}

export interface InstanceMetadataSpec {
  /** raw user data (sent base64) */
  userData?: Buffer;
  /** a key pair of the project, by name */
  keyName?: string;
  /** public keys given directly: name → OpenSSH public key */
  publicKeys?: Record<string, string>;
  /** instance properties (Nova's server metadata) */
  properties?: Record<string, string>;
  /** lay the metadata out as files too (config drive), for networks where 169.254.169.254 is unreachable */
  configDrive?: boolean;
}

export interface BootResult {
  instance: InstanceRecord;
  /** binding:host_id set → port ACTIVE, milliseconds */
  wiringMs: number;
  /** the lease, when the port's subnet has DHCP (else the address was set statically) */
  lease?: DhcpLease;
  /** boot start → address applied, milliseconds */
  addressMs: number;
}

export class BootTimeout extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function bootInstance(api: NetworkApi, store: InstanceStore, opts: BootOptions): Promise<BootResult> {
  checkInstanceName(opts.name);
  const progress = opts.onProgress ?? (() => undefined);
  if (store.read(opts.name)) throw new Error(`instance ${opts.name} exists already (neutrino instance show ${opts.name}; delete it first with neutrino instance delete ${opts.name})`);
  const portSecurity = opts.portSecurity !== false;
  if (!portSecurity && opts.securityGroups?.length) throw new Error('--no-port-security and --security-group do not go together: a port without port security has no security groups');

  const network = await findOne(api, 'networks', 'network', opts.network);
  const fixedIps: Json[] = [];
  for (const f of opts.fixedIps ?? []) {
    const entry: Json = {};
    if (f.subnet) entry.subnet_id = (await findOne(api, 'subnets', 'subnet', f.subnet)).id;
    if (f.ip) entry.ip_address = f.ip;
    fixedIps.push(entry);
  }
  const groups: string[] = [];
  for (const g of opts.securityGroups ?? []) groups.push((await findOne(api, 'security-groups', 'security_group', g)).id);
  const where = await chooseHost(api, opts.host, store.settings().host_namespaces);
  progress(`host ${where.host} (${where.hostNamespace ? `namespace ${where.hostNamespace}` : 'the root namespace'}), network ${network.name || network.id} (mtu ${network.mtu})`);
  const netns = store.netnsFor(opts.name);
  if (namespaceExists(netns)) throw new Error(`network namespace ${netns} exists already but no instance record does: remove it (ip netns del ${netns}) or pick another name`);

  const bootStart = performance.now();
  const revert = new Reverter();
  try {
    const instanceId = randomUUID();
    const body: Json = { name: opts.name, network_id: network.id, device_owner: DEVICE_OWNER_COMPUTE, device_id: instanceId, admin_state_up: true };
    if (fixedIps.length) body.fixed_ips = fixedIps;
    if (groups.length) body.security_groups = groups;
    if (!portSecurity) {
      body.port_security_enabled = false;
      body.security_groups = [];
    }
    const port = (await api.post('/ports', { port: body })).port as Json;
    revert.add(`delete port ${port.id}`, () => api.deleteIfExists(`/ports/${port.id}`));
    progress(`port ${port.id} created (${port.mac_address}, ${port.fixed_ips.map((f: Json) => f.ip_address).join(', ')})`);

    const addresses = await instanceAddresses(api, port.fixed_ips as Json[]);
    const rec: InstanceRecord = {
      name: opts.name,
      id: instanceId,
      host: where.host,
      netns,
      host_namespace: where.hostNamespace,
      port_id: port.id,
      tap: tapName(port.id),
      mac: port.mac_address,
      network_id: network.id,
      network_name: network.name ?? '',
      mtu: Number(network.mtu) || 1500,
      fixed_ips: (port.fixed_ips as Json[]).map((f) => ({ subnet_id: f.subnet_id, ip_address: f.ip_address })),
      created_at: new Date().toISOString(),
      ...(addresses.dhcp ? { dhcp: true } : {}),
      ...(where.ovs ? { ovs: where.ovs } : {}),
    };
    // The record comes before the kernel work so `instance delete` can clean up after a crash.
    store.save(rec);
    revert.add(`remove the record of ${opts.name}`, async () => store.remove(opts.name));
    if (await recordMetadata(api, rec, opts.metadata ?? {})) {
      rec.metadata = true;
      store.save(rec);
      revert.add(`delete the instance record ${instanceId} on the server`, async () => void (await api.neutrino('DELETE', `/instances/${instanceId}`).catch(() => undefined)));
      progress(`instance ${instanceId} recorded for the metadata service`);
    }
    if (opts.metadata?.configDrive) {
      if (!rec.metadata) throw new Error('--config-drive needs the metadata plugin on the server (add metadata to [DEFAULT] service_plugins)');
      revert.add(`remove the config drive ${configDriveHostPath(netns)}`, async () => removeConfigDrive(netns));
      const drive = await writeConfigDrive(api, instanceId, netns);
      rec.config_drive = drive.dir;
      store.save(rec);
      progress(`config drive: ${drive.files} files, at ${CONFIG_DRIVE_IN_INSTANCE} inside the instance (${drive.dir} on the host)`);
    }

    revert.add(`delete namespace ${netns}`, async () => {
      if (rec.ovs) await unplugOvs(rec.ovs, rec.tap).catch(() => undefined);
      await removeNetns(netns, { devices: ['eth0'] });
      removeResolvConf(netns);
    });
    // with DHCP, IPv4 comes from the DHCP server; only what DHCP does not serve is set here.
    // Without DHCP but with a config drive, the instance configures itself from its
    // network_data.json (Flat-mode injection, as cloud-init does), not from the port.
    const inject = !addresses.dhcp && rec.config_drive !== undefined;
    // Without DHCP and without a config drive, IPv4 is injected as nova's flat_injected did: an
    // /etc/network/interfaces file written into the instance before it starts, which its boot
    // (here) applies.
    const injectFile = !addresses.dhcp && !inject && addresses.addresses.some((a) => a.version === 4);
    const v6Only = addresses.dhcp || injectFile;
    const statics = inject ? [] : v6Only ? addresses.addresses.filter((a) => a.version === 6) : addresses.addresses;
    const gateways = inject ? [] : v6Only ? addresses.gateways.filter((g) => g.version === 6) : addresses.gateways;
    if (injectFile) {
      const v4 = addresses.addresses.filter((a) => a.version === 4);
      const gw = addresses.gateways.find((g) => g.version === 4)?.ip ?? null;
      const file = writeInterfacesFile(
        netns,
        renderInterfaces(v4.map((a, i) => ({ dev: i === 0 ? 'eth0' : `eth0:${i}`, address: a.ip, prefixlen: a.prefixlen, gateway: i === 0 ? gw : null, dns: i === 0 ? addresses.dns4 : [] }))),
      );
      rec.injected_file = file;
      store.save(rec);
    }
    await plugInstance({
      netns,
      hostNamespace: where.hostNamespace,
      tap: rec.tap,
      mac: rec.mac,
      mtu: rec.mtu,
      addresses: statics,
      gateways,
      ...(rec.ovs ? { ovs: { ...rec.ovs, portId: port.id, instanceId } } : {}),
    });
    progress(`namespace ${netns}: eth0 ${rec.mac} mtu ${rec.mtu}; ${rec.tap} in ${where.hostNamespace || 'the root namespace'}`);
    if (inject && rec.config_drive) {
      const { lines, dns } = networkDataCommands(readNetworkData(rec.config_drive));
      if (lines.length) await run('ip', ['-batch', '-'], { netns, input: `${lines.join('\n')}\n` });
      if (dns.length) {
        mkdirSync(dirname(resolvConfOf(netns)), { recursive: true });
        writeFileSync(resolvConfOf(netns), dns.map((d) => `nameserver ${d}\n`).join(''));
      }
      rec.injected = true;
      progress(`address injected from the config drive's network_data.json: ${lines.join('; ')}${dns.length ? `; dns ${dns.join(' ')}` : ''}`);
    }
    if (injectFile) {
      // the instance's ifup: the file as written, read back (an alias line eth0:N is eth0's)
      const { lines, dns } = interfacesCommands(readInterfacesFile(netns));
      const batch = lines.map((l) => l.replace(/ dev eth0:\d+/, ' dev eth0'));
      if (batch.length) await run('ip', ['-batch', '-'], { netns, input: `${batch.join('\n')}\n` });
      if (dns.length) writeFileSync(resolvConfOf(netns), dns.map((d) => `nameserver ${d}\n`).join(''));
      rec.injected = true;
      progress(`address injected: ${rec.injected_file} applied (${batch.join('; ')}${dns.length ? `; dns ${dns.join(' ')}` : ''})`);
    }

    const t0 = performance.now();
    const bound = (await api.put(`/ports/${port.id}`, { port: { 'binding:host_id': where.host } })).port as Json;
    if (bound['binding:vif_type'] === 'binding_failed') {
      throw new Error(
        `port ${port.id} could not be bound on host ${where.host}: no mechanism driver found a live agent there that serves network ${network.name || network.id} (check the ${where.agentType} on ${where.host} is alive and maps the network's physical network or serves vxlan; the server log names each driver's reason)`,
      );
    }
    const wiringMs = await waitActive(api, port.id, where, opts.timeoutMs ?? 30_000, opts.pollMs ?? 10, t0);
    rec.wiring_ms = Math.round(wiringMs);
    let lease: DhcpLease | undefined;
    if (addresses.dhcp && !(await servedByDhcpAgent(api, network.id))) {
      // DHCP on the subnet but no DHCP agent for the network: nothing would answer udhcpc
      await configureAddresses(
        netns,
        addresses.addresses.filter((a) => a.version === 4),
        addresses.gateways.filter((g) => g.version === 4),
      );
      rec.dhcp = false;
      progress(`no DHCP agent serves network ${network.name || network.id}: address set statically`);
    } else if (addresses.dhcp) {
      // ACTIVE means the DHCP agent has the port too (its provisioning block is released)
      lease = await acquireLease(netns, store.dir).catch((e: Error) => {
        throw new Error(
          `${e.message}: check the DHCP agent serving network ${network.name || network.id} (openstack network agent list --network ${network.id}) and its dnsmasq log (state_path/dhcp/${network.id}/log on that host)`,
        );
      });
      const expected = rec.fixed_ips.map((f) => f.ip_address);
      if (!expected.includes(lease.ip)) throw new Error(`DHCP gave ${lease.ip}, but the port's fixed IPs are ${expected.join(', ')}: another DHCP server on network ${network.name || network.id}?`);
      rec.dhcp_ms = Math.round(lease.ms);
      progress(`DHCP lease ${lease.ip}/${lease.prefixlen} router ${lease.router ?? 'none'} mtu ${lease.mtu ?? 'none'} dns ${lease.dns.join(' ') || 'none'} in ${Math.round(lease.ms)} ms`);
    }
    if (addresses.dhcp6.length) {
      const l6 = await acquireLease6(netns, store.dir);
      const expected = addresses.dhcp6.map((a) => a.ip);
      if (!expected.includes(l6.ip)) throw new Error(`DHCPv6 gave ${l6.ip}, but the port's address is ${expected.join(', ')}: another DHCPv6 server on network ${network.name || network.id}?`);
      progress(`IPv6 ${l6.ip} by DHCPv6 in ${Math.round(l6.ms)} ms`);
      // the lease is a /128: the prefix and the default route come with the advertisement
      const ms = await waitAdvertisedRoute(netns, opts.timeoutMs ?? 30_000);
      progress(`IPv6 default route from the router's advertisement in ${Math.round(ms)} ms`);
    }
    if (addresses.autoconf.length) {
      const ms = await waitAutoconf(netns, addresses.autoconf, opts.timeoutMs ?? 30_000);
      progress(`IPv6 ${addresses.autoconf.map((a) => a.ip).join(', ')} by SLAAC from the router's advertisement in ${Math.round(ms)} ms`);
    }
    store.save(rec);
    revert.disarm();
    return { instance: rec, wiringMs, lease, addressMs: performance.now() - bootStart };
  } catch (e) {
    const failed = await revert.revert();
    const undone = failed.length ? ` Cleanup was incomplete: ${failed.join('; ')}.` : ' Everything this boot made was removed.';
    const err = e instanceof BootTimeout ? new BootTimeout(`${e.message}.${undone}`) : new Error(`${(e as Error).message}.${undone}`);
    throw err;
  }
}

/**
 * Records the instance on the server for the metadata service. A server without the metadata
 * plugin (404) is fine unless user data, keys or properties were asked for.
 */
async function recordMetadata(api: NetworkApi, rec: InstanceRecord, md: InstanceMetadataSpec): Promise<boolean> {
  const body: Json = { id: rec.id, name: rec.name, host: rec.host };
  if (md.userData) body.user_data = md.userData.toString('base64');
  if (md.keyName) body.key_name = md.keyName;
  if (md.publicKeys && Object.keys(md.publicKeys).length) body.public_keys = md.publicKeys;
  if (md.properties && Object.keys(md.properties).length) body.meta = md.properties;
  try {
    await api.neutrino('POST', '/instances', { instance: body });
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.type !== 'KeypairNotFound') {
      if (Object.keys(body).length > 3) throw new Error('the server has no metadata service (add metadata to [DEFAULT] service_plugins): user data, keys and properties cannot be recorded');
      return false;
    }
    throw e;
  }
}

/** Whether a DHCP agent serves the network (asked after binding, which schedules it); a caller who may not ask (403) is assumed served. */
async function servedByDhcpAgent(api: NetworkApi, networkId: string): Promise<boolean> {
  try {
    return ((await api.get(`/networks/${networkId}/dhcp-agents`)).agents as Json[]).length > 0;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 403 || e.status === 404)) return e.status === 403;
    throw e;
  }
}

async function waitActive(api: NetworkApi, portId: string, where: { host: string; agentType: string }, timeoutMs: number, pollMs: number, t0: number): Promise<number> {
  let status = '';
  for (;;) {
    status = (await api.get(`/ports/${portId}?fields=status`)).port.status;
    if (status === 'ACTIVE') return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) {
      throw new BootTimeout(
        `port ${portId} did not become ACTIVE within ${(timeoutMs / 1000).toFixed(0)} s on host ${where.host} (status ${status}): check that the ${where.agentType} of ${where.host} is running and wires devices — its log, \`openstack network agent list --host ${where.host}\`, \`neutrino lab status\` in a lab`,
      );
    }
    await sleep(pollMs);
  }
}

/** Prefix lengths and gateways of the port's subnets, one request however many. */
async function instanceAddresses(
  api: NetworkApi,
  fixedIps: Json[],
): Promise<{ addresses: InstanceAddress[]; gateways: { ip: string; version: 4 | 6 }[]; dhcp: boolean; autoconf: InstanceAddress[]; dhcp6: InstanceAddress[]; dns4: string[] }> {
  const ids = [...new Set(fixedIps.map((f) => f.subnet_id as string))];
  if (ids.length === 0) return { addresses: [], gateways: [], dhcp: false, autoconf: [], dhcp6: [], dns4: [] };
  const subnets = new Map<string, Json>();
  for (const s of (await api.get(`/subnets?${ids.map((id) => `id=${id}`).join('&')}`)).subnets as Json[]) subnets.set(s.id, s);
  const addresses: InstanceAddress[] = [];
  const autoconf: InstanceAddress[] = [];
  const dhcp6: InstanceAddress[] = [];
  const gateways = new Map<4 | 6, string>();
  for (const f of fixedIps) {
    const s = subnets.get(f.subnet_id);
    if (!s) throw new Error(`subnet ${f.subnet_id} of the port is not visible`);
    const version = Number(s.ip_version) === 6 ? 6 : 4;
    const address = { ip: f.ip_address, prefixlen: Number(String(s.cidr).split('/')[1]), version } as InstanceAddress;
    // SLAAC and DHCPv6-stateless: the instance makes the address itself (EUI-64, which IPAM
    // gave the port) from the router's advertisement, and takes its default route from it
    if (version === 6 && SLAAC_MODES.includes(s.ipv6_address_mode)) {
      autoconf.push(address);
      continue;
    }
    // DHCPv6-stateful: the address by DHCPv6, the default route from the advertisement
    if (version === 6 && s.ipv6_address_mode === 'dhcpv6-stateful' && s.enable_dhcp === true) {
      dhcp6.push(address);
      continue;
    }
    addresses.push(address);
    if (s.gateway_ip && !gateways.has(version)) gateways.set(version, s.gateway_ip);
  }
  // DHCP when the port's IPv4 subnets have it (IPv6 stays static: udhcpc speaks DHCPv4 only)
  const v4 = fixedIps.map((f) => subnets.get(f.subnet_id)!).filter((s) => Number(s.ip_version) === 4);
  const dhcp = v4.length > 0 && v4.every((s) => s.enable_dhcp === true);
  const dns4 = [...new Set(v4.flatMap((s) => (Array.isArray(s.dns_nameservers) ? (s.dns_nameservers as string[]) : [])))];
  return { addresses, gateways: [...gateways].map(([version, ip]) => ({ ip, version })), dhcp, autoconf, dhcp6, dns4 };
}

const SLAAC_MODES: unknown[] = ['slaac', 'dhcpv6-stateless'];

/** Waits until the router's advertisement has given eth0 an IPv6 default route. */
async function waitAdvertisedRoute(netns: string, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const out = (await run('ip', ['-6', 'route', 'show', 'default'], { netns })).stdout;
    if (/proto ra/.test(out)) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs)
      throw new Error(`no IPv6 router advertisement reached eth0 within ${Math.round(timeoutMs / 1000)} s: is the subnet on a router (ipv6_ra_mode set) whose L3 agent runs radvd?`);
    await sleep(100);
  }
}

/** Waits until eth0 has every address SLAAC should give it (after the router's advertisement). */
async function waitAutoconf(netns: string, want: InstanceAddress[], timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const out = (await run('ip', ['-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global'], { netns })).stdout;
    const have = new Set([...out.matchAll(/inet6 ([0-9a-f:]+)\/\d+/g)].map((m) => m[1]));
    if (want.every((a) => have.has(a.ip))) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) {
      throw new Error(
        `eth0 has no SLAAC address ${want.map((a) => a.ip).join(', ')} after ${Math.round(timeoutMs / 1000)} s (has: ${[...have].join(', ') || 'none'}): is the subnet on a router (ipv6_ra_mode set) whose L3 agent runs radvd?`,
      );
    }
    await sleep(100);
  }
}

/** Runs DHCP again in the instance (a fresh DISCOVER): picks up a changed fixed IP, routes, DNS. */
export async function renewInstance(api: NetworkApi, store: InstanceStore, name: string): Promise<{ instance: InstanceRecord; lease: DhcpLease }> {
  const rec = store.read(name);
  if (!rec) throw new Error(`no instance named ${name} in ${store.dir} (neutrino instance list)`);
  if (!namespaceExists(rec.netns)) throw new Error(`namespace ${rec.netns} of ${name} is missing: delete the instance and boot it again`);
  const lease = await acquireLease(rec.netns, store.dir);
  const port = (await api.get(`/ports/${rec.port_id}`)).port as Json;
  rec.fixed_ips = (port.fixed_ips as Json[]).map((f) => ({ subnet_id: f.subnet_id, ip_address: f.ip_address }));
  rec.dhcp = true;
  rec.dhcp_ms = Math.round(lease.ms);
  store.save(rec);
  return { instance: rec, lease };
}

export interface DeleteOptions {
  /** do not fail when the API cannot be reached (lab down: the server goes away anyway) */
  portBestEffort?: boolean;
}

/** Deletes an instance: processes, namespace and devices, port, record. Half-gone is fine. */
export async function deleteInstance(api: NetworkApi, store: InstanceStore, name: string, opts: DeleteOptions = {}): Promise<{ portDeleted: boolean; warning?: string }> {
  const rec = store.read(name);
  if (!rec) throw new Error(`no instance named ${name} in ${store.dir} (neutrino instance list shows them; give the same --config-file as at boot)`);
  if (rec.ovs) await unplugOvs(rec.ovs, rec.tap).catch(() => undefined);
  await removeNetns(rec.netns, { devices: ['eth0'] });
  removeResolvConf(rec.netns);
  if (rec.config_drive) rmSync(rec.config_drive, { recursive: true, force: true });
  // best effort: a record left behind matches no port, so it is never served
  if (rec.metadata) await api.neutrino('DELETE', `/instances/${rec.id}`).catch(() => undefined);
  let portDeleted = false;
  let warning: string | undefined;
  try {
    portDeleted = await api.deleteIfExists(`/ports/${rec.port_id}`);
  } catch (e) {
    if (!opts.portBestEffort || !(e instanceof ApiError))
      throw new Error(`namespace ${rec.netns} removed, but port ${rec.port_id} could not be deleted: ${(e as Error).message}; run the delete again when the API answers`);
    warning = `port ${rec.port_id} not deleted: ${(e as Error).message}`;
  }
  store.remove(name);
  return { portDeleted, warning };
}
