/**
 * What the client did about a fault pop3scope injected (docs/faults.md): the findings the feature exists for,
 * as violations attributed to the client. The engine follows what the server really sent; this follows what
 * the client was given (the injected events) and what it sent next:
 * - it deleted a message whose retrieval it was given broken (refused, unterminated, or with its lines
 *   rewritten): its copy may be incomplete and the server's is gone after QUIT — POP3_CLIENT_DELETED_BROKEN;
 * - it went on with another command while a multi-line answer it was given had no end yet (the "." line was
 *   dropped): it took a truncated answer for a complete one — POP3_CLIENT_ACCEPTED_UNTERMINATED;
 * - the server went silent (a stall) and the client never gave up: the session ended some other way —
 *   POP3_CLIENT_NO_TIMEOUT.
 * Everything here is read from the rule's text, which captures record, so `show` finds what the live view did.
 */
import type { ViolationCode } from '../protocol/violations.js';

/**
 * The fault actions, as rule texts spell them: here, below faults/ (whose rules.ts ACTION_KINDS is this list),
 * because the engine reads them too. The first of these words in a rule's canonical text is its action: a
 * rule's where-part never holds one. A test keeps the list equal to faults/types.ts's ActionKind.
 */
export const FAULT_ACTIONS = [
  'err',
  'delay',
  'trickle',
  'cut',
  'stall',
  'drop-terminator',
  'size-lie',
  'duplicate-line',
  'bare-lf',
  'unstuff',
  'garbage',
  'greeting-err',
  'close-before-response',
  'tls-fail',
] as const;

/** Actions after which the client does not hold the message as the server had it. */
const BREAKS_RETRIEVAL = new Set(['err', 'cut', 'drop-terminator', 'duplicate-line', 'bare-lf', 'unstuff']);

/** The action word of a rule's text, or null (a rule of a newer pop3scope). */
export function actionOf(rule: string): string | null {
  return rule.split(' ').find((w) => (FAULT_ACTIONS as readonly string[]).includes(w)) ?? null;
}

export interface Reaction {
  readonly code: ViolationCode;
  readonly detail: string;
}

export class ReactionWatch {
  /** Messages whose RETR/TOP answer the client was given broken, by number. */
  private readonly broken = new Map<string, string>();
  /** An answer whose "." line was dropped: the client's next command takes it for complete. */
  private unterminated: string | null = null;
  private stalled: string | null = null;

  /** A fault fired on `on` ("RETR 2", "LIST", "greeting"). */
  injected(rule: string, on: string): void {
    const action = actionOf(rule);
    const [verb, arg] = on.split(' ');
    if (action === 'stall') this.stalled = rule;
    if (action === 'drop-terminator') this.unterminated = on;
    if ((verb === 'RETR' || verb === 'TOP') && arg && action && BREAKS_RETRIEVAL.has(action))
      this.broken.set(arg, `${on} (${rule})`);
  }

  /** The client sent a command (verb upper-case, its arguments as shown). */
  command(verb: string, args: readonly string[]): Reaction[] {
    const out: Reaction[] = [];
    if (this.unterminated !== null) {
      out.push({
        code: 'POP3_CLIENT_ACCEPTED_UNTERMINATED',
        detail: `it sent ${verb} while the answer to ${this.unterminated} it was given had no final "." line`,
      });
      this.unterminated = null;
    }
    const broken = verb === 'DELE' ? this.broken.get(args[0] ?? '') : undefined;
    if (broken !== undefined)
      out.push({
        code: 'POP3_CLIENT_DELETED_BROKEN',
        detail: `it deleted message ${args[0]} after the answer to ${broken} it was given was broken`,
      });
    return out;
  }

  /** The session ended; `closedBy` is who ended it. */
  close(closedBy: string | null): Reaction[] {
    if (this.stalled === null || closedBy === 'client') return [];
    return [
      {
        code: 'POP3_CLIENT_NO_TIMEOUT',
        detail: `the server went silent (${this.stalled}) and the client never gave up; the session ended ${closedBy ? `by the ${closedBy}` : 'with the capture'}`,
      },
    ];
  }
}
