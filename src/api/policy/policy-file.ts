// [oslo_policy] policy_file: a YAML (or JSON, which is YAML too) mapping of rule names to
// check strings that overrides the defaults. Missing file: the defaults, said in the log.
// Unreadable or malformed file, or a rule that does not parse: the server does not start.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import type { Config } from '../../config/config.js';
import { Policy, PolicyError } from './policy.js';

/** The rules of a policy file's text; throws PolicyError saying what is wrong and where. */
export function parsePolicyText(text: string, origin: string): Record<string, string> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new PolicyError(`${origin}: not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PolicyError(`${origin}: must be a mapping of rule names to check strings, e.g. "create_network:shared": "role:admin"`);
  }
  const rules: Record<string, string> = {};
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      throw new PolicyError(`${origin}: rule "${name}" must be a check string such as "role:admin", not ${JSON.stringify(value)}`);
    }
    rules[name] = value;
  }
  return rules;
}

/**
 * The path a policy_file value names: absolute as given, relative to the working directory
 * (oslo.config would also search the config files' directories; Neutrino does not know them).
 */
export function policyFilePath(value: string, cwd = process.cwd()): string {
  return isAbsolute(value) ? value : resolve(cwd, value);
}

/** The policy in force: defaults plus [oslo_policy] policy_file. Throws PolicyError on a bad file. */
export function loadPolicy(config: Config, log: Logger): Policy {
  const value = config.str('oslo_policy', 'policy_file').trim();
  if (value === '') {
    log.info({ event: 'policy.defaults' }, 'policy: default rules ([oslo_policy] policy_file is not set)');
    return new Policy();
  }
  const path = policyFilePath(value);
  if (!existsSync(path)) {
    log.warn({ event: 'policy.file_missing', policy_file: path }, `policy: ${path} does not exist; using the default rules`);
    return new Policy();
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PolicyError(`[oslo_policy] policy_file = ${path}: cannot be read: ${(e as Error).message}`);
  }
  const origin = `[oslo_policy] policy_file = ${path}`;
  let policy: Policy;
  try {
    policy = new Policy(parsePolicyText(text, origin));
  } catch (e) {
    if (e instanceof PolicyError && !e.message.startsWith(origin)) throw new PolicyError(`${origin}: ${e.message}`);
    throw e;
  }
  log.info({ event: 'policy.file', policy_file: path, rules: policy.overridden }, `policy: ${policy.overridden.length} rule(s) from ${path} override the defaults`);
  return policy;
}
