// ML2's mechanism manager: the drivers named in [ml2] mechanism_drivers, in order. Binding
// asks each in turn and the first that can bind wins; postcommit hooks run after commit
// and may only notify (a failing one is logged, never undoes the change).
import type { Logger } from 'pino';
import type { AgentStore } from '../../agents/agent-store.js';
import type { Services } from '../../services.js';
import { LinuxbridgeMechanismDriver } from './linuxbridge.js';
import { L2populationMechanismDriver } from './l2population.js';
import type { BindingOutcome, BindingRequest, MechanismDriver, PortEvent } from './mechanism-driver.js';
import { OpenvswitchMechanismDriver } from './openvswitch.js';

const MECHANISM_DRIVERS: Record<string, (s: Services, agents: AgentStore) => MechanismDriver> = {
  linuxbridge: () => new LinuxbridgeMechanismDriver(),
  openvswitch: () => new OpenvswitchMechanismDriver(),
  l2population: (s, agents) => new L2populationMechanismDriver(s, agents),
};

export class MechanismManager {
  readonly drivers: MechanismDriver[];
  private readonly log: Logger;

  constructor(s: Services, agents: AgentStore) {
    this.log = s.log;
    this.drivers = s.config.list('ml2', 'mechanism_drivers').map((name) => {
      const make = MECHANISM_DRIVERS[name];
      if (!make) throw new Error(`[ml2] mechanism_drivers: unknown mechanism driver '${name}' (known: ${Object.keys(MECHANISM_DRIVERS).join(', ')})`);
      return make(s, agents);
    });
    // l2population acts on every port whoever bound it, as in Neutron; it is on by default
    // because Neutrino's VXLAN is unicast-only
    if (!this.drivers.some((d) => d.name === 'l2population')) this.drivers.push(new L2populationMechanismDriver(s, agents));
  }

  bind(req: BindingRequest): BindingOutcome & { driver: string | null } {
    const reasons: string[] = [];
    for (const d of this.drivers) {
      if (!d.bindPort) continue;
      const out = d.bindPort(req);
      if (out.bound) return { ...out, driver: d.name };
      reasons.push(out.reason);
    }
    return { bound: false, reason: reasons.length ? reasons.join('; ') : 'no mechanism driver that binds ports is loaded ([ml2] mechanism_drivers)', driver: null };
  }

  /** Runs every driver's postcommit hook; failures are logged. */
  async portUpdated(port: PortEvent, original: PortEvent | null): Promise<void> {
    for (const d of this.drivers) {
      try {
        await d.updatePortPostcommit?.(port, original);
      } catch (err) {
        this.log.error({ event: 'ml2.postcommit_failed', driver: d.name, port_id: port.portId, err: (err as Error).message }, `${d.name} update_port_postcommit failed`);
      }
    }
  }

  async refreshHost(host: string, networkIds: string[]): Promise<void> {
    for (const d of this.drivers) {
      try {
        await d.refreshHost?.(host, networkIds);
      } catch (err) {
        this.log.error({ event: 'ml2.refresh_failed', driver: d.name, host, err: (err as Error).message }, `${d.name} could not refresh host ${host}`);
      }
    }
  }

  async portDeleted(port: PortEvent): Promise<void> {
    for (const d of this.drivers) {
      try {
        await d.deletePortPostcommit?.(port);
      } catch (err) {
        this.log.error({ event: 'ml2.postcommit_failed', driver: d.name, port_id: port.portId, err: (err as Error).message }, `${d.name} delete_port_postcommit failed`);
      }
    }
  }
}
