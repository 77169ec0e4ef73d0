// An instance's config drive, where the instance sees it. A namespace instance has no block
// device to attach, but every command run in it goes through `ip netns exec`, which bind-mounts
// each entry of /etc/netns/<netns>/ over the same name in /etc — only over a name that exists
// there: an entry without a counterpart is skipped with "Bind … failed: No such file or
// directory". So the drive's files live in /etc/netns/<netns>/openstack-config-drive/ and the
// host keeps an empty /etc/openstack-config-drive as the mount point; inside the instance the
// drive is at /etc/openstack-config-drive (openstack/latest/meta_data.json …). Deleting the
// instance removes /etc/netns/<netns>/ with the drive in it; the empty mount point stays.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NetworkApi } from './api-client.js';

/** Where an instance finds its config drive (the path inside the instance). */
export const CONFIG_DRIVE_IN_INSTANCE = '/etc/openstack-config-drive';

/** The host directory that holds an instance's config drive (bind-mounted at CONFIG_DRIVE_IN_INSTANCE). */
export const configDriveHostPath = (netns: string): string => `/etc/netns/${netns}/${CONFIG_DRIVE_IN_INSTANCE.slice('/etc/'.length)}`;

/** The empty directory `ip netns exec` mounts the drive over; made when missing, never removed (other instances may be using it). */
export function ensureConfigDriveMountPoint(): void {
  mkdirSync(CONFIG_DRIVE_IN_INSTANCE, { recursive: true, mode: 0o755 });
}

/**
 * Writes the instance's config drive (the metadata service's files, from the server) where the
 * instance sees it; returns the host directory and the number of files. Written at boot, before
 * anything runs in the instance.
 */
export async function writeConfigDrive(api: NetworkApi, instanceId: string, netns: string): Promise<{ dir: string; files: number }> {
  const files = (await api.neutrino('GET', `/instances/${instanceId}/config-drive`)).files as Record<string, string>;
  for (const path of Object.keys(files)) {
    if (path.split('/').some((p) => p === '..' || p === '.' || p === '')) throw new Error(`config drive: refusing path ${path}`);
  }
  ensureConfigDriveMountPoint();
  const dir = configDriveHostPath(netns);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const [path, b64] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    writeFileSync(file, Buffer.from(b64, 'base64'), { mode: 0o644 });
  }
  return { dir, files: Object.keys(files).length };
}

export function removeConfigDrive(netns: string): void {
  rmSync(configDriveHostPath(netns), { recursive: true, force: true });
}
