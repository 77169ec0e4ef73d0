// The oslo.policy check language: parsing a rule's text into a tree, and evaluating the tree
// against a target (the resource) and the caller's credentials.
//
//   @  !  ""                          always / never / always
//   role:member                        the caller has the role (case-insensitive)
//   rule:admin_only                    another rule of the table
//   project_id:%(project_id)s          a credential equals a target value (or a literal)
//   is_admin:True                      a credential equals a literal
//   field:networks:shared=True         a target attribute equals a value (~regex allowed)
//   not X,  X and Y,  X or Y,  ( )     not binds tightest, then and, then or

export type Check =
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'not'; check: Check }
  | { kind: 'and'; checks: Check[] }
  | { kind: 'or'; checks: Check[] }
  | { kind: 'rule'; name: string }
  | { kind: 'role'; match: string }
  | { kind: 'field'; resource: string; field: string; value: unknown; regex: RegExp | null }
  | { kind: 'generic'; key: string; match: string };

/** Who is asking, as oslo.policy's credentials dict. */
export interface Credentials {
  roles: string[];
  project_id: string;
  tenant_id: string;
  user_id: string | null;
  is_admin: boolean;
  domain_id?: string | null;
  system_scope?: string | null;
  [key: string]: unknown;
}

export type Target = Record<string, unknown>;

export class PolicySyntaxError extends Error {}

function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const word of text.trim().split(/\s+/)) {
    if (word === '') continue;
    // as oslo: parentheses stick to words ("(role:a" "role:b)"); peel them off
    let w = word;
    while (w.startsWith('(')) {
      out.push('(');
      w = w.slice(1);
    }
    const closing: string[] = [];
    while (w.endsWith(')')) {
      closing.push(')');
      w = w.slice(0, -1);
    }
    if (w !== '') out.push(w);
    out.push(...closing);
  }
  return out;
}

/** A literal on the right of field:… =, converted as Neutron converts booleans and numbers. */
function literal(v: string): unknown {
  const unquoted = /^(['"]).*\1$/.test(v) ? v.slice(1, -1) : null;
  if (unquoted !== null) return unquoted;
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  if (/^-?\d+$/.test(v)) return Number(v);
  return v;
}

function atom(token: string): Check {
  if (token === '@') return { kind: 'true' };
  if (token === '!') return { kind: 'false' };
  const colon = token.indexOf(':');
  if (colon <= 0 || colon === token.length - 1) {
    throw new PolicySyntaxError(`"${token}" is not a check (expected kind:value, @ or !)`);
  }
  const kind = token.slice(0, colon);
  const match = token.slice(colon + 1);
  if (kind === 'rule') return { kind: 'rule', name: match };
  if (kind === 'role') return { kind: 'role', match };
  if (kind === 'field') {
    const m = /^([^:=]+):([^=]+)=(.+)$/.exec(match);
    if (!m) throw new PolicySyntaxError(`"${token}" is not a field check (expected field:resource:attribute=value)`);
    const [, resource, field, value] = m;
    let regex: RegExp | null = null;
    if (value.startsWith('~')) {
      try {
        regex = new RegExp(value.slice(1));
      } catch (e) {
        throw new PolicySyntaxError(`"${token}": bad regular expression (${(e as Error).message})`);
      }
    }
    return { kind: 'field', resource, field, value: regex ? value : literal(value), regex };
  }
  return { kind: 'generic', key: kind, match };
}

/** Parses one rule's text; throws PolicySyntaxError saying what is wrong. */
export function parseCheck(text: string): Check {
  const tokens = tokenize(text);
  if (tokens.length === 0) return { kind: 'true' };
  let pos = 0;
  const peek = () => tokens[pos];
  const take = () => tokens[pos++];

  const parseOr = (): Check => {
    const checks = [parseAnd()];
    while (peek() === 'or') {
      take();
      checks.push(parseAnd());
    }
    return checks.length === 1 ? checks[0] : { kind: 'or', checks };
  };
  const parseAnd = (): Check => {
    const checks = [parseNot()];
    while (peek() === 'and') {
      take();
      checks.push(parseNot());
    }
    return checks.length === 1 ? checks[0] : { kind: 'and', checks };
  };
  const parseNot = (): Check => {
    if (peek() === 'not') {
      take();
      return { kind: 'not', check: parseNot() };
    }
    const t = take();
    if (t === undefined) throw new PolicySyntaxError('the rule ends where a check was expected');
    if (t === '(') {
      const inner = parseOr();
      if (take() !== ')') throw new PolicySyntaxError('a "(" is not closed');
      return inner;
    }
    if (t === ')' || t === 'and' || t === 'or') throw new PolicySyntaxError(`"${t}" where a check was expected`);
    return atom(t);
  };

  const tree = parseOr();
  if (pos < tokens.length) throw new PolicySyntaxError(`unexpected "${tokens[pos]}"`);
  return tree;
}

/** Rule names a check refers to with rule:… */
export function referencedRules(c: Check): string[] {
  switch (c.kind) {
    case 'rule':
      return [c.name];
    case 'not':
      return referencedRules(c.check);
    case 'and':
    case 'or':
      return c.checks.flatMap(referencedRules);
    default:
      return [];
  }
}

/** "%(network:project_id)s" → the target's value, as text; undefined when the target lacks it. */
function substitute(match: string, target: Target): string | undefined {
  let missing = false;
  const out = match.replace(/%\(([^)]+)\)s/g, (_m, key: string) => {
    const v = target[key];
    if (v === undefined || v === null) {
      missing = true;
      return '';
    }
    return pyText(v);
  });
  return missing ? undefined : out;
}

/** How Python's str() writes a value, so that is_admin:True matches a boolean true. */
function pyText(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

/** A field check looks at the target, or at the parent network's facts a plugin put beside it. */
function fieldValue(c: Extract<Check, { kind: 'field' }>, target: Target): unknown {
  if (c.field in target) return target[c.field];
  if (c.resource === 'networks') return target[`network:${c.field}`];
  return undefined;
}

export function evaluate(c: Check, target: Target, creds: Credentials, rule: (name: string) => Check | undefined): boolean {
  switch (c.kind) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'not':
      return !evaluate(c.check, target, creds, rule);
    case 'and':
      return c.checks.every((x) => evaluate(x, target, creds, rule));
    case 'or':
      return c.checks.some((x) => evaluate(x, target, creds, rule));
    case 'rule': {
      const named = rule(c.name);
      return named !== undefined && evaluate(named, target, creds, rule);
    }
    case 'role': {
      const wanted = substitute(c.match, target);
      return wanted !== undefined && creds.roles.includes(wanted.toLowerCase());
    }
    case 'field': {
      const v = fieldValue(c, target);
      if (v === undefined || v === null) return false;
      if (c.regex) return c.regex.test(String(v));
      if (typeof c.value === 'boolean' && (v === 0 || v === 1)) return Boolean(v) === c.value;
      return v === c.value || (typeof v !== 'boolean' && String(v) === String(c.value));
    }
    case 'generic': {
      const wanted = substitute(c.match, target);
      if (wanted === undefined) return false;
      // as oslo: a literal on the left ('True':%(shared)s) compares with the target's value
      const left = /^(['"]).*\1$/.test(c.key) ? c.key.slice(1, -1) : /^(True|False)$/.test(c.key) ? c.key : null;
      if (left !== null) return left === wanted;
      const have = creds[c.key];
      if (have === undefined || have === null) return false;
      return pyText(have) === wanted;
    }
  }
}
