// A network's `shared` and `router:external` are rbac-policies entries of its owner (as in
// Neutron); the RBAC plugin keeps them so when networks are made, changed and deleted.
import { ExternalNetworkInUse, InvalidSharedSetting } from '../../api/errors.js';
import { DEVICE_OWNER_FLOATINGIP, DEVICE_OWNER_ROUTER_GW } from '../../contract/device-owners.js';
import type { CallbackRegistry } from '../callbacks/registry.js';
import { bool, int } from '../../db/rows.js';
import { ACCESS_EXTERNAL, ACCESS_SHARED, addWildcard, portsDependOn, syncNetworkFlags, WILDCARD } from './network-access.js';

/** Ports that need their network to stay router:external: router gateways and floating IPs. */
const EXTERNAL_NETWORK_OWNERS = [DEVICE_OWNER_ROUTER_GW, DEVICE_OWNER_FLOATINGIP];

export function subscribeNetworkRbac(registry: CallbackRegistry): void {
  const name = 'rbac';
  registry.subscribe(
    'network',
    'precommit_create',
    async ({ trx, networks }) => {
      for (const r of networks) {
        if (bool(r.shared)) await addWildcard(trx, r, ACCESS_SHARED);
        if (bool(r.router_external)) await addWildcard(trx, r, ACCESS_EXTERNAL);
      }
    },
    { name },
  );

  registry.subscribe(
    'network',
    'precommit_update',
    async ({ trx, before: row, changes, set }) => {
      const id = row.id;
      if ('router:external' in changes && (changes['router:external'] as boolean) !== bool(row.router_external)) {
        if (changes['router:external']) await addWildcard(trx, row, ACCESS_EXTERNAL);
        else if (await trx.selectFrom('ports').select('id').where('network_id', '=', id).where('device_owner', 'in', EXTERNAL_NETWORK_OWNERS).executeTakeFirst())
          throw ExternalNetworkInUse({ net_id: id });
        else await trx.deleteFrom('networkrbacs').where('object_id', '=', id).where('action', '=', ACCESS_EXTERNAL).execute();
        set.router_external = int(changes['router:external'] as boolean);
      }
      if ('shared' in changes && (changes.shared as boolean) !== bool(row.shared)) {
        if (changes.shared) {
          await addWildcard(trx, row, ACCESS_SHARED);
        } else {
          // other projects' ports that only the wildcard lets in forbid unsharing
          if (await portsDependOn(trx, row, WILDCARD)) throw InvalidSharedSetting({ network: id });
          await trx.deleteFrom('networkrbacs').where('object_id', '=', id).where('action', '=', ACCESS_SHARED).where('target_tenant', '=', WILDCARD).execute();
        }
        set.shared = int(changes.shared as boolean);
      }
      // the columns follow the entries
      if ('shared' in set || 'router_external' in set) Object.assign(set, await syncNetworkFlags(trx, id));
    },
    { name },
  );

  registry.subscribe(
    'network',
    'precommit_delete',
    async ({ trx, network }) => {
      await trx.deleteFrom('networkrbacs').where('object_id', '=', network.id).execute();
    },
    { name },
  );
}
