/** Neutron's timestamp format: second precision, UTC, trailing Z. */
export function timestamp(d = new Date()): string {
  return d.toISOString().slice(0, 19) + 'Z';
}
