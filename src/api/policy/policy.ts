// The policy table at run time: the defaults with a policy file's overrides, every rule parsed
// once at start (a rule that does not parse, names a missing rule or loops fails the start),
// and the checks the API asks of it.
import type { RequestContext } from '../context.js';
import { PolicyNotAuthorized } from '../errors.js';
import { evaluate, parseCheck, referencedRules, type Check, type Credentials, type Target } from './check.js';
import { DEFAULT_RULES } from './defaults.js';

export class PolicyError extends Error {}

/** Keystone's default implied roles: admin implies member, member implies reader. */
const IMPLIED: Record<string, string[]> = { admin: ['member'], member: ['reader'] };

export function withImpliedRoles(roles: string[]): string[] {
  const out = new Set(roles.map((r) => r.toLowerCase()));
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of [...out]) {
      for (const i of IMPLIED[r] ?? []) {
        if (!out.has(i)) {
          out.add(i);
          grew = true;
        }
      }
    }
  }
  return [...out];
}

export class Policy {
  private readonly rules = new Map<string, Check>();
  private readonly texts = new Map<string, string>();
  private readonly credCache = new WeakMap<RequestContext, Credentials>();
  /** which rules a policy file changed or added, for the start-up log */
  readonly overridden: string[];

  /** `overrides`: rule name → check text, as in a policy file. Throws PolicyError naming the rule. */
  constructor(overrides: Record<string, string> = {}) {
    for (const d of DEFAULT_RULES) this.texts.set(d.name, d.check);
    this.overridden = Object.keys(overrides);
    for (const [name, text] of Object.entries(overrides)) this.texts.set(name, text);
    for (const [name, text] of this.texts) {
      try {
        this.rules.set(name, parseCheck(text));
      } catch (e) {
        throw new PolicyError(`policy rule "${name}": ${JSON.stringify(text)} does not parse: ${(e as Error).message}`);
      }
    }
    for (const [name, check] of this.rules) {
      for (const ref of referencedRules(check)) {
        if (!this.rules.has(ref)) throw new PolicyError(`policy rule "${name}" refers to rule:${ref}, which no default or policy file defines`);
      }
    }
    this.findLoops();
  }

  private findLoops(): void {
    const done = new Set<string>();
    const visit = (name: string, path: string[]): void => {
      if (path.includes(name)) throw new PolicyError(`policy rules refer to each other in a loop: ${[...path, name].join(' → ')}`);
      if (done.has(name)) return;
      for (const ref of referencedRules(this.rules.get(name)!)) visit(ref, [...path, name]);
      done.add(name);
    };
    for (const name of this.rules.keys()) visit(name, []);
  }

  has(name: string): boolean {
    return this.rules.has(name);
  }

  /** The rule's text as in force (default or override). */
  text(name: string): string | undefined {
    return this.texts.get(name);
  }

  names(): string[] {
    return [...this.rules.keys()];
  }

  /** oslo.policy's credentials for a request context, computed once per request. */
  credentials(ctx: RequestContext): Credentials {
    let c = this.credCache.get(ctx);
    if (!c) {
      c = {
        roles: withImpliedRoles(ctx.roles),
        project_id: ctx.projectId,
        tenant_id: ctx.projectId,
        user_id: ctx.userId,
        is_admin: ctx.isAdmin,
        domain_id: ctx.domainId ?? null,
        system_scope: ctx.systemScope ?? null,
      };
      this.credCache.set(ctx, c);
    }
    return c;
  }

  /**
   * Whether the rule allows it. An action the table does not name falls back to the
   * "default" rule, as oslo.policy does.
   */
  check(name: string, target: Target, creds: Credentials): boolean {
    const rule = this.rules.get(name) ?? this.rules.get('default')!;
    return evaluate(rule, target, creds, (n) => this.rules.get(n));
  }

  allows(ctx: RequestContext, name: string, target: Target = {}): boolean {
    return this.check(name, target, this.credentials(ctx));
  }

  /** Throws PolicyNotAuthorized naming the rule unless it allows the action. */
  enforce(ctx: RequestContext, name: string, target: Target = {}): void {
    if (!this.allows(ctx, name, target)) throw PolicyNotAuthorized({ action: name });
  }

  /** context_is_admin for roles alone: what makes a request context admin. */
  isAdminRoles(roles: string[], projectId: string): boolean {
    const creds: Credentials = { roles: withImpliedRoles(roles), project_id: projectId, tenant_id: projectId, user_id: null, is_admin: false };
    return this.check('context_is_admin', {}, creds);
  }
}
