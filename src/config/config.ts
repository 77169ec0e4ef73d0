// oslo.config-style loading: INI files read in order (later ones win), typed by OPTIONS,
// with $option interpolation from the same section or [DEFAULT].
import { readFileSync } from 'node:fs';
import ini from 'ini';
import { OPTIONS, type OptionSpec } from './options.js';

export type Value = string | number | boolean | string[] | null;

export class ConfigError extends Error {}

export class Config {
  private readonly raw = new Map<string, Map<string, string>>();

  static load(files: string[] = [], overrides: Record<string, Record<string, string>> = {}): Config {
    const cfg = new Config();
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
      }
      cfg.merge(ini.parse(text) as Record<string, unknown>, file);
    }
    cfg.merge(overrides, 'command line');
    return cfg;
  }

  private merge(parsed: Record<string, unknown>, origin: string): void {
    for (const [section, body] of Object.entries(parsed)) {
      if (body === null || typeof body !== 'object') {
        // keys before any [section] header belong to DEFAULT
        this.setRaw('DEFAULT', section, String(body));
        continue;
      }
      for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
        if (value !== null && typeof value === 'object') {
          throw new ConfigError(`${origin}: [${section}] ${key}: nested sections are not supported`);
        }
        this.setRaw(section, key, String(value));
      }
    }
  }

  setRaw(section: string, key: string, value: string): void {
    let s = this.raw.get(section);
    if (!s) this.raw.set(section, (s = new Map()));
    s.set(key, value);
  }

  has(section: string, key: string): boolean {
    return this.raw.get(section)?.has(key) ?? false;
  }

  private interpolate(section: string, text: string, depth = 0): string {
    if (depth > 10) throw new ConfigError(`[${section}] interpolation loop in "${text}"`);
    return text.replace(/\$(\{)?([A-Za-z_][A-Za-z0-9_]*)(\})?/g, (_m, _b, name: string) => {
      const raw = this.raw.get(section)?.get(name) ?? this.raw.get('DEFAULT')?.get(name);
      const fallback = OPTIONS[section]?.[name]?.default ?? OPTIONS.DEFAULT[name]?.default;
      const v = raw ?? (fallback === undefined || fallback === null ? '' : String(fallback));
      return this.interpolate(section, v, depth + 1);
    });
  }

  get(section: string, key: string): Value {
    const spec = OPTIONS[section]?.[key];
    if (!spec) throw new ConfigError(`unknown option [${section}] ${key}`);
    const raw = this.raw.get(section)?.get(key);
    if (raw === undefined) {
      return typeof spec.default === 'string' ? this.interpolate(section, spec.default) : spec.default;
    }
    return convert(section, key, spec, this.interpolate(section, raw));
  }

  str(section: string, key: string): string {
    const v = this.get(section, key);
    return v === null ? '' : String(v);
  }
  int(section: string, key: string): number {
    return Number(this.get(section, key));
  }
  bool(section: string, key: string): boolean {
    return this.get(section, key) === true;
  }
  list(section: string, key: string): string[] {
    const v = this.get(section, key);
    return Array.isArray(v) ? v : [];
  }

  /** Throws on the first option whose value does not fit its type, or asks for what is not built. */
  validate(): void {
    for (const [section, opts] of this.raw) {
      for (const key of opts.keys()) {
        const spec = OPTIONS[section]?.[key];
        if (!spec) continue;
        const value = this.get(section, key);
        if (spec.notBuilt && JSON.stringify(value) !== JSON.stringify(spec.default)) {
          throw new ConfigError(`[${section}] ${key} = ${opts.get(key)}: ${spec.notBuilt}`);
        }
      }
    }
  }
}

function convert(section: string, key: string, spec: OptionSpec, text: string): Value {
  const where = `[${section}] ${key} = ${text}`;
  switch (spec.type) {
    case 'string':
      if (spec.choices && !spec.choices.includes(text)) {
        throw new ConfigError(`${where}: must be one of ${spec.choices.join(', ')}`);
      }
      return text;
    case 'int':
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n))) {
        throw new ConfigError(`${where}: not ${spec.type === 'int' ? 'an integer' : 'a number'}`);
      }
      if (spec.min !== undefined && n < spec.min) throw new ConfigError(`${where}: must be >= ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) throw new ConfigError(`${where}: must be <= ${spec.max}`);
      return n;
    }
    case 'bool': {
      const t = text.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(t)) return true;
      if (['false', '0', 'no', 'off'].includes(t)) return false;
      throw new ConfigError(`${where}: not a boolean (true/false)`);
    }
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
  }
}
