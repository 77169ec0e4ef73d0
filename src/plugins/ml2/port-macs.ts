// Port MAC addresses: generated from [DEFAULT] base_mac, unique per network.
import { randomBytes } from 'node:crypto';
import { MacAddressInUse } from '../../api/errors.js';
import type { Config } from '../../config/config.js';
import type { Trx } from '../../db/transaction.js';

export class MacAddresses {
  private readonly base: string[];
  readonly retries: number;

  constructor(config: Config) {
    this.base = config.str('DEFAULT', 'base_mac').toLowerCase().split(':');
    if (this.base.length !== 6 || this.base.some((b) => !/^[0-9a-f]{2}$/.test(b))) {
      throw new Error(`[DEFAULT] base_mac = ${config.str('DEFAULT', 'base_mac')}: not a MAC address like fa:16:3e:00:00:00`);
    }
    this.retries = config.int('DEFAULT', 'mac_generation_retries');
  }

  /** base_mac with its 00 bytes (of the last three) randomised. */
  generate(): string {
    const rnd = randomBytes(6);
    return this.base.map((b, i) => (i >= 3 && b === '00' ? rnd[i].toString(16).padStart(2, '0') : b)).join(':');
  }

  async checkFree(trx: Trx, networkId: string, mac: string, portId?: string): Promise<void> {
    let q = trx.selectFrom('ports').select('id').where('network_id', '=', networkId).where('mac_address', '=', mac);
    if (portId) q = q.where('id', '!=', portId);
    if (await q.executeTakeFirst()) throw MacAddressInUse({ net: networkId, mac });
  }
}
