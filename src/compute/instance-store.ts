// Instance records: one JSON file per instance under [DEFAULT] state_path/instances/, so
// `instance list/show/exec/delete` work from any later process (Nova keeps this in its DB).
// settings.json there says how instance namespaces are named and, for a lab, which network
// namespace stands for each host (written by `neutrino lab up`).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface InstanceRecord {
  name: string;
  /** the instance uuid: the port's device_id */
  id: string;
  host: string;
  /** the instance's network namespace */
  netns: string;
  /** the namespace that stands for the host ('' = the real host): where the tap lives */
  host_namespace: string;
  port_id: string;
  tap: string;
  mac: string;
  network_id: string;
  network_name: string;
  mtu: number;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  created_at: string;
  /** milliseconds from binding:host_id set to port ACTIVE at boot */
  wiring_ms?: number;
  /** the address comes from DHCP (udhcpc), not from static configuration */
  dhcp?: boolean;
  /** milliseconds udhcpc took for the last lease */
  dhcp_ms?: number;
  /** recorded on the server for the metadata service (deleted there with the instance) */
  metadata?: boolean;
  /** the config drive's directory on the host (instance boot --config-drive); the instance sees it at /etc/openstack-config-drive */
  config_drive?: string;
  /** addresses set from the config drive's network_data.json (no DHCP) */
  injected?: boolean;
  /** Flat-mode injection: the /etc/network/interfaces file written into the instance (under /etc/netns/<ns>/) */
  injected_file?: string;
  /** on an Open vSwitch host: the tap is a port of this bridge in that OVSDB (os-vif's ovs plug) */
  ovs?: { bridge: string; ovsdb_connection: string };
}

export interface InstanceSettings {
  /** instance netns = prefix + name (default vm-) */
  netns_prefix?: string;
  /** host name → its network namespace, used when the agent does not report host_namespace */
  host_namespaces?: Record<string, string>;
}

export const DEFAULT_NETNS_PREFIX = 'vm-';

// Names become namespace names and file names: keep them to a safe alphabet.
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/;

export function checkInstanceName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new Error(`instance name ${JSON.stringify(name)} is not valid: use 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
}

export class InstanceStore {
  readonly dir: string;

  constructor(statePath: string) {
    this.dir = join(statePath, 'instances');
  }

  settings(): InstanceSettings {
    try {
      return JSON.parse(readFileSync(join(this.dir, 'settings.json'), 'utf8')) as InstanceSettings;
    } catch {
      return {};
    }
  }

  writeSettings(s: InstanceSettings): void {
    this.writeJson('settings.json', s);
  }

  netnsFor(name: string): string {
    return `${this.settings().netns_prefix ?? DEFAULT_NETNS_PREFIX}${name}`;
  }

  read(name: string): InstanceRecord | undefined {
    checkInstanceName(name);
    try {
      return JSON.parse(readFileSync(join(this.dir, `${name}.json`), 'utf8')) as InstanceRecord;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read the record of instance ${name} in ${this.dir}: ${(e as Error).message}`);
    }
  }

  list(): InstanceRecord[] {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((f) => f.endsWith('.json') && f !== 'settings.json');
    } catch {
      return [];
    }
    const out: InstanceRecord[] = [];
    for (const f of files.sort()) {
      try {
        out.push(JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as InstanceRecord);
      } catch {
        // a half-written record from a crash: skip it, delete still finds it by name
      }
    }
    return out;
  }

  save(rec: InstanceRecord): void {
    this.writeJson(`${rec.name}.json`, rec);
  }

  remove(name: string): void {
    rmSync(join(this.dir, `${name}.json`), { force: true });
  }

  // write-then-rename so a reader never sees half a record
  private writeJson(file: string, value: unknown): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${file}.${process.pid}.tmp`);
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
    renameSync(tmp, join(this.dir, file));
  }
}
