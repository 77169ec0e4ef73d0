// `[agent] extensions`: one list for every agent of a host, as one neutrino.conf may serve
// several agents (Neutron keeps a list per agent's own .ini). Each agent loads the names
// that are its kind's and leaves the others to their agent; a name that no agent kind knows
// stops the agent at start, so an extension is never listed and silently not run.
import { ConfigError, type Config } from '../config/config.js';
import { L3_EXTENSIONS } from './l3/extensions/registry.js';

type ExtensionKind = 'l3' | 'l2';

/** every built extension name → the agent kind that runs it */
function builtExtensions(): Map<string, ExtensionKind> {
  const out = new Map<string, ExtensionKind>();
  for (const name of Object.keys(L3_EXTENSIONS)) out.set(name, 'l3');
  // the L2 agents' qos extension (src/agents/l2/extensions/qos/)
  out.set('qos', 'l2');
  return out;
}

/** The `[agent] extensions` names this agent kind runs; refuses names no agent runs. */
export function agentExtensionNames(config: Config, kind: ExtensionKind): string[] {
  const names = config.list('agent', 'extensions');
  const built = builtExtensions();
  const unknown = names.filter((n) => !built.has(n));
  if (unknown.length) {
    const list = [...built.keys()].sort().join(', ') || 'none';
    throw new ConfigError(
      `[agent] extensions = ${names.join(',')}: ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not built (built agent extensions: ${list}); remove ${unknown.length > 1 ? 'them' : 'it'}`,
    );
  }
  return names.filter((n) => built.get(n) === kind);
}
