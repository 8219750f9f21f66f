/**
 * Fault rules as text: parseRule reads one, describeRule writes its canonical form (parseRule(describeRule(r))
 * equals r), parsePlan reads a run's rules. The grammar (docs/faults.md):
 *
 *   RULE      = WHERE ACTION
 *   WHERE     = TARGET [ARGUMENT] CONDITION*
 *   TARGET    = a verb of the command table (RETR, LIST, DELE, AUTH, ...) | "greeting" | "any"
 *   ARGUMENT  = one token that is neither an action nor a condition: the command's first argument ("RETR 2")
 *   CONDITION = "#" N | "every=" N | "p=" DECIMAL | "session=" N | "phase=" AUTHORIZATION|TRANSACTION|UPDATE
 *   ACTION    = "err" ["[" CODE "]"] TEXT... | "delay" MS | "trickle" N["/s"] | "cut" N ["rst"] | "stall"
 *             | "drop-terminator" | "size-lie" (+|-)N | "duplicate-line" N | "bare-lf" | "unstuff"
 *             | "garbage" N | "greeting-err" | "close-before-response" | "tls-fail"
 *
 * Tokens are separated by spaces (or tabs); verbs, keywords and phases are case-insensitive; N is a whole number,
 * 1 or more. Whether an action can apply to a verb comes from the command table (spec.multiline), never from a
 * list written here, so a verb added to the table is handled.
 */

import { FAULT_ACTIONS } from '../analysis/reactions.js';
import { type CommandSpec, lookupCommand, PHASES, type Phase } from '../protocol/commands.js';
import {
  MAX_DELAY_MS,
  MAX_GARBAGE_OCTETS,
  MAX_P_DECIMALS,
  MAX_RULE_TEXT,
  MAX_RULES,
  MAX_SEED,
} from './limits.js';
import {
  type Action,
  type ActionKind,
  type FaultPlan,
  FaultRuleError,
  type Rule,
  type Where,
} from './types.js';

/** The text of an `err` that gives none. */
export const DEFAULT_ERR_TEXT = 'injected by pop3scope';

/**
 * Every action keyword, in the order docs/faults.md lists them: the list the engine reads rule texts with
 * (analysis/reactions.ts, a layer below), so there is one.
 */
export const ACTION_KINDS: readonly ActionKind[] = FAULT_ACTIONS;
/** The build fails when ActionKind gains an action the list does not name. */
type Unlisted = Exclude<ActionKind, (typeof FAULT_ACTIONS)[number]>;
const everyActionListed: [Unlisted] extends [never] ? true : never = true;
void everyActionListed;
const ACTIONS = new Set<string>(ACTION_KINDS);

/** Actions that change a multi-line body, so they need a verb whose +OK can carry one. */
const BODY_ACTIONS = new Set<ActionKind>(['drop-terminator', 'duplicate-line', 'bare-lf', 'unstuff']);

/** A response code as RFC 2449 §8 writes them: levels of letters, digits and "-", joined by "/". */
const CODE = /^[A-Za-z0-9-]+(\/[A-Za-z0-9-]+)*$/;
const WHOLE = /^[0-9]+$/;
const CONDITION = /^(#|[A-Za-z]+=)/;

/**
 * Argument lists to ask a verb's `multiline` about when the rule names no argument: the table's rule is a
 * function, so the only way to know whether a +OK to the verb can ever be multi-line is to ask it.
 */
const PROBE_ARGS: readonly (readonly string[])[] = [[], ['1'], ['1', '0'], ['XLST'], ['XLST', '1']];

/** True when a +OK to this command (with this first argument, if given) can carry a multi-line body. */
export function canBeMultiline(spec: CommandSpec, arg?: string): boolean {
  const probes = arg === undefined ? PROBE_ARGS : [[arg], [arg, '0'], [arg, '0', '0']];
  return probes.some((args) => spec.multiline(args));
}

/** Why this action cannot apply to this target, or null when it can. Shared with the injector's matching. */
export function inapplicable(action: ActionKind, verb: string, arg?: string): string | null {
  if (action === 'greeting-err') return verb === 'greeting' ? null : 'greeting-err applies only to greeting';
  if (action === 'tls-fail') return verb === 'STLS' ? null : 'tls-fail applies only to STLS';
  if (verb === 'any') return null;
  if (action === 'size-lie' && verb !== 'LIST' && verb !== 'STAT') {
    return 'size-lie applies only to LIST, STAT or any';
  }
  if (BODY_ACTIONS.has(action)) {
    const spec = lookupCommand(verb);
    const what = arg === undefined ? verb : `${verb} ${arg}`;
    if (!spec || !canBeMultiline(spec, arg)) {
      return `${action} needs a multi-line answer, and the answer to ${what} is never multi-line`;
    }
  }
  return null;
}

function fail(text: string, problem: string): never {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  throw new FaultRuleError(`bad fault rule ${JSON.stringify(shown)}: ${problem}`);
}

/** A whole number from `min` to `max`, or why not. */
function whole(token: string | undefined, what: string, min: number, max: number): number | string {
  if (token === undefined) return `${what} is missing`;
  if (token.startsWith('-') && WHOLE.test(token.slice(1)))
    return `${what} must not be negative (got ${token})`;
  if (!WHOLE.test(token)) return `${what} must be a whole number (got ${JSON.stringify(token)})`;
  const n = Number(token);
  if (n < min) return `${what} must be ${min} or more (got ${token})`;
  if (n > max) return `${what} must be at most ${max} (got ${token})`;
  return n;
}

function probability(token: string): number | string {
  const m = /^(0|1)?(?:\.([0-9]+))?$/.exec(token);
  if (!m || (m[1] === undefined && m[2] === undefined)) {
    return `p must be a decimal from 0 to 1 (got ${JSON.stringify(token)})`;
  }
  if ((m[2]?.length ?? 0) > MAX_P_DECIMALS) return `p has more than ${MAX_P_DECIMALS} digits after the point`;
  const p = Number(token);
  return p > 1 ? `p must be a decimal from 0 to 1 (got ${token})` : p;
}

const CONDITION_FIELDS: Readonly<Record<string, 'nth' | 'every' | 'p' | 'session' | 'phase'>> = {
  '#': 'nth',
  every: 'every',
  p: 'p',
  session: 'session',
  phase: 'phase',
};

type Conditions = { -readonly [K in Exclude<keyof Where, 'verb' | 'arg'>]?: Where[K] };

function parseCondition(token: string, into: Conditions): string | null {
  const key = token.startsWith('#') ? '#' : token.slice(0, token.indexOf('=')).toLowerCase();
  const value = token.startsWith('#') ? token.slice(1) : token.slice(token.indexOf('=') + 1);
  const field = CONDITION_FIELDS[key];
  if (!field)
    return `unknown condition ${JSON.stringify(token)} (expected #N, every=N, p=, session=N or phase=)`;
  if (into[field] !== undefined) return `condition ${key === '#' ? '#N' : `${key}=`} given twice`;
  let parsed: number | string | Phase;
  if (field === 'p') parsed = probability(value);
  else if (field === 'phase') {
    const phase = PHASES.find((p) => p === value.toUpperCase());
    if (!phase) return `phase must be ${PHASES.join(', ')} (got ${JSON.stringify(value)})`;
    into.phase = phase;
    return null;
  } else parsed = whole(value, key === '#' ? '#N' : `${key}=`, 1, Number.MAX_SAFE_INTEGER);
  if (typeof parsed === 'string') return parsed;
  into[field] = parsed;
  return null;
}

function parseErr(tokens: readonly string[]): Action | string {
  let code: string | undefined;
  let rest = tokens;
  if (rest[0]?.startsWith('[')) {
    const inner = rest[0].endsWith(']') ? rest[0].slice(1, -1) : null;
    if (inner === null || !CODE.test(inner)) {
      return `bad response code ${JSON.stringify(rest[0])} (expected e.g. [IN-USE] or [SYS/TEMP])`;
    }
    code = inner.toUpperCase();
    rest = rest.slice(1);
  }
  // The -ERR line is shorter than the rule ("any err " is longer than "-ERR " + CRLF), so MAX_RULE_TEXT
  // keeps it within RFC 2449's 512 octets.
  const text = rest.length ? rest.join(' ') : DEFAULT_ERR_TEXT;
  return code ? { kind: 'err', code, text } : { kind: 'err', text };
}

/** Reads the action's arguments; returns the action and how many tokens it took, or why not. */
function parseAction(kind: ActionKind, args: readonly string[]): { action: Action; used: number } | string {
  const one = (make: (n: number) => Action, what: string, min = 1, max = Number.MAX_SAFE_INTEGER) => {
    const n = whole(args[0], `${kind}'s ${what}`, min, max);
    return typeof n === 'string' ? n : { action: make(n), used: 1 };
  };
  switch (kind) {
    case 'err': {
      const action = parseErr(args);
      return typeof action === 'string' ? action : { action, used: args.length };
    }
    case 'delay':
      return one((ms) => ({ kind, ms }), 'milliseconds', 1, MAX_DELAY_MS);
    case 'trickle': {
      const rate = args[0]?.toLowerCase().endsWith('/s') ? args[0].slice(0, -2) : args[0];
      const n = whole(rate, 'trickle rate (octets per second, e.g. 100/s)', 1, Number.MAX_SAFE_INTEGER);
      return typeof n === 'string' ? n : { action: { kind, bytesPerSecond: n }, used: 1 };
    }
    case 'cut': {
      const n = whole(args[0], "cut's octet count", 1, Number.MAX_SAFE_INTEGER);
      if (typeof n === 'string') return n;
      const rst = args[1]?.toLowerCase() === 'rst';
      return { action: { kind, after: n, rst }, used: rst ? 2 : 1 };
    }
    case 'size-lie': {
      const token = args[0];
      if (token === undefined) return "size-lie's delta is missing";
      const m = /^([+-]?)([0-9]+)$/.exec(token);
      if (!m)
        return `size-lie's delta must be a whole number such as +10 or -3 (got ${JSON.stringify(token)})`;
      const delta = Number(token);
      if (delta === 0) return "size-lie's delta must not be 0";
      if (!Number.isSafeInteger(delta)) return `size-lie's delta is too large (got ${token})`;
      return { action: { kind, delta }, used: 1 };
    }
    case 'duplicate-line':
      return one((line) => ({ kind, line }), 'line number');
    case 'garbage':
      return one((octets) => ({ kind, octets }), 'octet count', 1, MAX_GARBAGE_OCTETS);
    case 'stall':
    case 'drop-terminator':
    case 'bare-lf':
    case 'unstuff':
    case 'greeting-err':
    case 'close-before-response':
    case 'tls-fail':
      return { action: { kind }, used: 0 };
  }
}

/** Reads one rule; throws FaultRuleError (one line naming the problem and the rule) when it is not one. */
export function parseRule(text: string): Rule {
  if (text.length > MAX_RULE_TEXT) fail(text, `longer than ${MAX_RULE_TEXT} characters`);
  const control = /[^\t\x20-\x7e]/.exec(text);
  if (control) {
    fail(
      text,
      `character ${JSON.stringify(control[0])} at position ${control.index + 1} (printable ASCII only)`,
    );
  }
  const tokens = text.split(/[ \t]+/).filter((t) => t !== '');
  const first = tokens[0];
  if (first === undefined) fail(text, 'empty rule (expected e.g. "RETR #1 cut 400")');
  const lower = first.toLowerCase();
  if (ACTIONS.has(lower)) fail(text, `starts with the action ${lower}: name a verb, greeting or any first`);
  const spec = lookupCommand(first);
  if (!spec && lower !== 'greeting' && lower !== 'any') {
    fail(text, `unknown verb ${JSON.stringify(first)} (expected a POP3 verb, greeting or any)`);
  }
  const verb = spec ? spec.verb : lower;
  let at = 1;
  let arg: string | undefined;
  const next = tokens[at];
  if (next !== undefined && !ACTIONS.has(next.toLowerCase()) && !CONDITION.test(next)) {
    if (!spec) fail(text, `${verb} takes no argument (got ${JSON.stringify(next)})`);
    if (spec.secret === 'rest') fail(text, `${verb} takes no argument in a rule (it would be the password)`);
    if (spec.required.length + spec.optional.length === 0) {
      fail(text, `${verb} takes no argument (got ${JSON.stringify(next)})`);
    }
    arg = next;
    at++;
  }
  const conditions: Conditions = {};
  while (tokens[at] !== undefined && CONDITION.test(tokens[at]!) && !ACTIONS.has(tokens[at]!.toLowerCase())) {
    const problem = parseCondition(tokens[at]!, conditions);
    if (problem) fail(text, problem);
    at++;
  }
  if (verb === 'greeting' && conditions.phase) fail(text, 'the greeting comes before any phase: drop phase=');
  const keyword = tokens[at]?.toLowerCase();
  if (keyword === undefined) {
    const taken = arg === undefined ? '' : `${JSON.stringify(arg)} was read as ${verb}'s argument and `;
    fail(text, `${taken}the action is missing (expected one of ${ACTION_KINDS.join(', ')})`);
  }
  if (!ACTIONS.has(keyword)) {
    fail(text, `unknown action ${JSON.stringify(tokens[at])} (expected one of ${ACTION_KINDS.join(', ')})`);
  }
  const kind = keyword as ActionKind;
  const problem = inapplicable(kind, verb, arg);
  if (problem) fail(text, problem);
  const parsed = parseAction(kind, tokens.slice(at + 1));
  if (typeof parsed === 'string') fail(text, parsed);
  const trailing = tokens[at + 1 + parsed.used];
  if (trailing !== undefined) fail(text, `unexpected ${JSON.stringify(trailing)} after the action ${kind}`);
  const where: Where = { verb, ...(arg !== undefined ? { arg } : {}), ...conditions };
  const rule = { where, action: parsed.action };
  return { ...rule, text: describeRule(rule) };
}

function describeAction(action: Action): string {
  switch (action.kind) {
    case 'err': {
      const parts = ['err', ...(action.code ? [`[${action.code}]`] : [])];
      if (action.text !== DEFAULT_ERR_TEXT) parts.push(action.text);
      return parts.join(' ');
    }
    case 'delay':
      return `delay ${action.ms}`;
    case 'trickle':
      return `trickle ${action.bytesPerSecond}/s`;
    case 'cut':
      return `cut ${action.after}${action.rst ? ' rst' : ''}`;
    case 'size-lie':
      return `size-lie ${action.delta > 0 ? '+' : ''}${action.delta}`;
    case 'duplicate-line':
      return `duplicate-line ${action.line}`;
    case 'garbage':
      return `garbage ${action.octets}`;
    default:
      return action.kind;
  }
}

/** The canonical text of a rule (what captures record and views show): parseRule reads it back to the same rule. */
export function describeRule(rule: Pick<Rule, 'where' | 'action'>): string {
  const w = rule.where;
  const parts = [w.verb];
  if (w.arg !== undefined) parts.push(w.arg);
  if (w.nth !== undefined) parts.push(`#${w.nth}`);
  if (w.every !== undefined) parts.push(`every=${w.every}`);
  if (w.p !== undefined) parts.push(`p=${w.p}`);
  if (w.session !== undefined) parts.push(`session=${w.session}`);
  if (w.phase !== undefined) parts.push(`phase=${w.phase}`);
  parts.push(describeAction(rule.action));
  return parts.join(' ');
}

/** Reads a run's rules and seed; throws FaultRuleError on the first bad one. */
export function parsePlan(texts: readonly string[], seed: number): FaultPlan {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new FaultRuleError(`bad fault seed ${seed}: it must be a whole number from 0 to ${MAX_SEED}`);
  }
  if (texts.length > MAX_RULES) {
    throw new FaultRuleError(`too many fault rules: ${texts.length}, at most ${MAX_RULES}`);
  }
  return { rules: texts.map(parseRule), seed };
}
