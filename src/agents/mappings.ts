/** "physnet1:eth1,physnet2:eth2" entries → {physnet1: 'eth1', …}, refusing malformed ones. */
export function mappings(entries: string[], option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const [key, value, ...rest] = e.split(':').map((x) => x.trim());
    if (!key || !value || rest.length) throw new Error(`${option}: '${e}' is not physnet:name`);
    if (key in out) throw new Error(`${option}: physical network ${key} is mapped twice`);
    out[key] = value;
  }
  return out;
}
