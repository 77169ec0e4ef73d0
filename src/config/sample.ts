// Renders etc/neutrino.conf.sample from the option table.
import { OPTIONS } from './options.js';

export function sampleConfig(): string {
  const out: string[] = ['# neutrino.conf: Neutron section and option names. Every option is shown with its default.', ''];
  for (const [section, opts] of Object.entries(OPTIONS)) {
    out.push(`[${section}]`);
    for (const [name, spec] of Object.entries(opts)) {
      out.push(`# ${spec.help} (${spec.type}${spec.choices ? `: ${spec.choices.join(', ')}` : ''})`);
      const d = spec.default;
      out.push(`#${name} = ${Array.isArray(d) ? d.join(',') : d === null ? '' : String(d)}`);
    }
    out.push('');
  }
  return out.join('\n');
}
