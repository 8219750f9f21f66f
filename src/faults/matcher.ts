/**
 * Which rule fires on a response. Every rule whose fixed conditions hold (verb, argument, session, phase, and
 * that its action can apply to this command) counts the response, whatever the other rules do; #N and every=N
 * test that count; p= draws from the rule's own stream only then. The first rule (in plan order) that passes
 * everything wins. So a rule's hits depend on the dialogue and the seed only, never on the other rules.
 */
import type { CommandSpec, Phase } from '../protocol/commands.js';
import { hash32, mulberry32 } from './random.js';
import type { ActionKind, Rule } from './types.js';

/** What is known of a response when it begins. */
export interface ResponseContext {
  /** The command's verb, upper-case, or 'greeting'. */
  readonly verb: string;
  readonly spec?: CommandSpec;
  readonly args: readonly string[];
  /** The phase the server was in when it read the command (none for the greeting). */
  readonly phase: Phase | null;
}

/** Whether an action can change the answer to this very command (the table says when a +OK is multi-line). */
function applies(kind: ActionKind, ctx: ResponseContext): boolean {
  switch (kind) {
    case 'greeting-err':
      return ctx.verb === 'greeting';
    case 'tls-fail':
      return ctx.verb === 'STLS';
    case 'size-lie':
      return ctx.verb === 'LIST' || ctx.verb === 'STAT';
    case 'drop-terminator':
    case 'duplicate-line':
    case 'bare-lf':
    case 'unstuff':
      return ctx.spec?.multiline(ctx.args) ?? false;
    default:
      return true;
  }
}

export class Matcher {
  private readonly counts: number[];
  private readonly streams: (() => number)[];
  /** The noise `garbage` sends. */
  readonly noise: () => number;

  constructor(
    private readonly rules: readonly Rule[],
    private readonly session: number,
    random: () => number,
  ) {
    // One draw from the caller's generator; everything else comes from streams derived from it.
    const base = Math.floor(random() * 2 ** 32) >>> 0;
    const seen = new Map<string, number>();
    this.streams = rules.map((rule) => {
      const k = seen.get(rule.text) ?? 0;
      seen.set(rule.text, k + 1);
      return mulberry32(hash32('rule', base, rule.text, k));
    });
    this.noise = mulberry32(hash32('garbage', base));
    this.counts = rules.map(() => 0);
  }

  private holds(rule: Rule, ctx: ResponseContext): boolean {
    const w = rule.where;
    if (w.verb !== 'any' && w.verb !== ctx.verb) return false;
    if (w.arg !== undefined && ctx.args[0] !== w.arg) return false;
    if (w.session !== undefined && w.session !== this.session) return false;
    if (w.phase !== undefined && w.phase !== ctx.phase) return false;
    return applies(rule.action.kind, ctx);
  }

  /** Whether some rule could fire on this response (no count, no draw). */
  couldFire(ctx: ResponseContext): boolean {
    return this.rules.some((rule) => this.holds(rule, ctx));
  }

  /** The rule that fires on this response, if any; counts and draws as the module comment says. */
  decide(ctx: ResponseContext): Rule | null {
    let winner: Rule | null = null;
    this.rules.forEach((rule, i) => {
      if (!this.holds(rule, ctx)) return;
      const n = ++this.counts[i]!;
      const w = rule.where;
      if (w.nth !== undefined && n !== w.nth) return;
      if (w.every !== undefined && n % w.every !== 0) return;
      if (w.p !== undefined && !(this.streams[i]!() < w.p)) return;
      winner ??= rule;
    });
    return winner;
  }
}
