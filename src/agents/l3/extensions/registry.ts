// L3 agent extensions by the names `[agent] extensions` gives them (Neutron's entry point
// names). A new extension is one entry here; a name no agent knows stops the agent at start
// (src/agents/agent-extensions.ts).
import { FwaasL3Extension } from './fwaas/fwaas-extension.js';
import type { L3AgentExtension, L3ExtensionDeps, L3ExtensionFactory } from './l3-extension.js';
import { portForwardingExtension } from './port-forwarding/port-forwarding-extension.js';
import { MeteringExtension } from './metering/metering-extension.js';

export const L3_EXTENSIONS: Record<string, L3ExtensionFactory> = {
  // firewall groups on router interfaces (the firewall_v2 service plugin; docs/fwaas.md)
  fwaas_v2: (deps) => new FwaasL3Extension(deps),
  port_forwarding: portForwardingExtension,
  // metering labels counted in the qrouter namespace, reported every report_interval (docs/metering.md)
  metering: (deps) => new MeteringExtension(deps, deps.config.int('agent', 'report_interval')),
};

/** Builds the named extensions, in the order given. */
export async function buildL3Extensions(names: string[], deps: L3ExtensionDeps): Promise<L3AgentExtension[]> {
  const out: L3AgentExtension[] = [];
  for (const name of names) {
    const factory = L3_EXTENSIONS[name];
    if (!factory) throw new Error(`no L3 agent extension named ${name}`);
    out.push(await factory(deps));
  }
  return out;
}
