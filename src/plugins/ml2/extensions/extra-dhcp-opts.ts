// extra_dhcp_opt: per-port DHCP options the DHCP agent hands out (stored with the port).
import * as v from '../../../api/validators.js';
import { jsonColumn } from '../../../common/json.js';
import type { PortExtensionDriver } from './extension-driver.js';

interface DhcpOpt {
  opt_name: string;
  opt_value: string | null;
  ip_version?: number;
}

/** Updates merge by (opt_name, ip_version); a null opt_value removes the option. */
function mergeDhcpOpts(current: DhcpOpt[], changes: DhcpOpt[]): DhcpOpt[] {
  const key = (o: DhcpOpt) => `${o.opt_name}|${o.ip_version ?? 4}`;
  const out = new Map(current.map((o) => [key(o), o]));
  for (const c of changes) {
    const o = { opt_name: c.opt_name, opt_value: c.opt_value, ip_version: Number(c.ip_version ?? 4) };
    if (o.opt_value === null) out.delete(key(o));
    else out.set(key(o), o);
  }
  return [...out.values()];
}

export const extraDhcpOptsDriver = (): PortExtensionDriver => ({
  name: 'extra_dhcp_opt',
  aliases: ['extra_dhcp_opt'],
  attributes: [
    {
      name: 'extra_dhcp_opts',
      post: true,
      put: true,
      default: [],
      extension: 'extra_dhcp_opt',
      validate: v.list(
        v.dict({
          opt_name: { required: true, validate: v.string(64) },
          opt_value: { required: true, validate: v.nullableString(255) },
          ip_version: { validate: v.oneOf([4, 6] as unknown as string[]) },
        }),
      ),
    },
  ],
  processCreate(draft, item) {
    draft.row.extra_dhcp_opts = JSON.stringify(mergeDhcpOpts([], (item.extra_dhcp_opts as DhcpOpt[] | undefined) ?? []));
  },
  processUpdate(draft, changes, current) {
    if ('extra_dhcp_opts' in changes) draft.set.extra_dhcp_opts = JSON.stringify(mergeDhcpOpts(jsonColumn<DhcpOpt[]>(current.extra_dhcp_opts, []), changes.extra_dhcp_opts as DhcpOpt[]));
  },
  extend: () => (row, port) => {
    port.extra_dhcp_opts = jsonColumn<DhcpOpt[]>(row.extra_dhcp_opts, []);
  },
});
