/**
 * Server replay, sans-IO: decides, for each line a client sends, which recorded bytes answer it. Commands are
 * matched in recorded order by verb (case-insensitive) and arguments (exact); a redacted argument (masked in
 * the capture) accepts whatever the client sends, since the recording cannot know the client's password.
 * Inside an AUTH exchange every client line is a SASL answer and releases the next recorded challenge (or the
 * final status), whatever it holds: the recorded answers are redacted, and the client cannot reproduce the
 * recorded CRAM-MD5 digests anyway. Sockets and timers are the caller's (serve.ts).
 */

import { showCommand } from '../protocol/clientLines.js';
import { isMasked } from '../protocol/redact.js';
import { maskCommand } from '../protocol/secrecy.js';
import { counted } from '../words.js';
import type { Piece, RecordedSession, ScriptStep } from './script.js';

/** What to do when the client does not send what the recording sent next. */
export type MismatchPolicy = 'error' | 'close' | 'seek';

export interface Divergence {
  /** The recorded command expected (its 1-based index), or null when the recording had ended. */
  readonly expected: { readonly index: number; readonly line: string } | null;
  /** The client's line as shown (secrets redacted), or null when the client closed the connection. */
  readonly got: string | null;
  /** Recorded commands skipped by `seek` to reach the client's command. */
  readonly skipped: readonly string[];
  readonly message: string;
}

export type Decision =
  /** Send these recorded pieces; `close` after them when the recorded server closed the connection there. */
  | {
      readonly kind: 'answer';
      readonly step: ScriptStep;
      readonly pieces: readonly Piece[];
      readonly close: boolean;
      readonly divergence?: Divergence;
    }
  /** The client diverged: send `reply` (a -ERR line), then close when the policy says so. */
  | {
      readonly kind: 'diverge';
      readonly reply: Buffer;
      readonly close: boolean;
      readonly divergence: Divergence;
    };

/** Tokens of a command line as RFC 1939 §3 separates them; PASS keeps the rest of the line as one argument. */
export function tokens(content: Buffer): { verb: string; args: Buffer[] } {
  const text = content.toString('latin1');
  const space = text.indexOf(' ');
  const verb = (space === -1 ? text : text.slice(0, space)).toUpperCase();
  if (space === -1) return { verb, args: [] };
  const rest = content.subarray(space + 1);
  if (verb === 'PASS') return { verb, args: [rest] };
  const args: Buffer[] = [];
  let from = 0;
  for (let i = rest.indexOf(0x20); i !== -1; i = rest.indexOf(0x20, from)) {
    args.push(rest.subarray(from, i));
    from = i + 1;
  }
  args.push(rest.subarray(from));
  return { verb, args };
}

/** A line without its ending. */
export function content(line: Buffer): Buffer {
  let end = line.length;
  if (end > 0 && line[end - 1] === 0x0a) end--;
  if (end > 0 && line[end - 1] === 0x0d) end--;
  return line.subarray(0, end);
}

/**
 * Whether a client line is the recorded command. Credentials accept anything: a masked argument (PASS, the
 * APOP digest), and AUTH's initial response, which holds the secret inside base64 and is never all masked.
 */
export function matches(step: ScriptStep, clientLine: Buffer): boolean {
  const recorded = tokens(content(step.line));
  const client = tokens(content(clientLine));
  if (recorded.verb !== client.verb || recorded.args.length !== client.args.length) return false;
  return recorded.args.every((arg, i) => {
    const theirs = client.args[i]!;
    if (recorded.verb === 'AUTH' && i === 0)
      return arg.toString('latin1').toUpperCase() === theirs.toString('latin1').toUpperCase();
    if (recorded.verb === 'AUTH' && i === 1) return theirs.length > 0;
    if (isMasked(arg)) return theirs.length > 0;
    return arg.equals(theirs);
  });
}

/**
 * A client line as it may be shown: secrets masked first, then shown as `<redacted N octets>`. A line that is
 * not a known command may be a bare credential (a client answering a prompt the recording never made): it is
 * masked whole, as the engine does after a login step.
 */
export function shownLine(line: Buffer): string {
  const masked = Buffer.from(content(line));
  maskCommand(masked, { guarded: true, authorization: true });
  return showCommand(masked).line;
}

export class ServeMatcher {
  private next = 0;
  /** The AUTH step whose exchange is open, and the segment sent last. */
  private sasl: { step: ScriptStep; segment: number } | null = null;
  private readonly divergences: Divergence[] = [];
  /** Whether the recorded server (or the proxy) closed the connection after its last response. */
  private readonly closeAtEnd: boolean;

  constructor(
    readonly session: RecordedSession,
    private readonly policy: MismatchPolicy,
  ) {
    this.closeAtEnd = session.close !== null && session.close.by !== 'client';
  }

  /** The recorded greeting; `close` when the recorded server hung up without waiting for any command. */
  greeting(): { pieces: readonly Piece[]; close: boolean } {
    return { pieces: this.session.greeting, close: this.session.steps.length === 0 && this.closeAtEnd };
  }

  /** Decides the answer to one complete client line. */
  line(line: Buffer): Decision {
    if (this.sasl) return this.saslAnswer(this.sasl);
    const steps = this.session.steps;
    const expected = steps[this.next];
    if (expected && matches(expected, line)) return this.take(this.next);
    const got = shownLine(line);
    if (this.policy === 'seek') {
      for (let j = this.next + 1; j < steps.length; j++) {
        if (!matches(steps[j]!, line)) continue;
        const skipped = steps.slice(this.next, j).map((s) => s.tx.command!.line);
        const divergence = this.diverged(
          expected!,
          got,
          skipped,
          `skipped ${counted(skipped.length, 'recorded command')} (${quoteList(skipped)}) to answer it`,
        );
        return { ...this.take(j), divergence };
      }
    }
    const divergence = this.diverged(
      expected,
      got,
      [],
      this.policy === 'close' ? 'answered -ERR and closed the connection' : 'answered -ERR',
    );
    const what = expected
      ? `recording expected "${expected.tx.command!.line}" here`
      : 'recording has ended here';
    const reply = Buffer.from(`-ERR [SYS/PERM] pop3scope replay: ${what}, got "${got}"\r\n`);
    return { kind: 'diverge', reply, close: this.policy === 'close', divergence };
  }

  /** The client closed the connection; a divergence when the recording had more to say. */
  clientClosed(): Divergence | null {
    const expected = this.session.steps[this.next];
    if (this.sasl) return this.diverged(this.sasl.step, null, [], 'in the middle of the AUTH exchange');
    if (!expected) return null;
    return this.diverged(expected, null, [], 'before the end of the recording');
  }

  /** True when every recorded command was answered and the client never diverged. */
  get followed(): boolean {
    return this.next === this.session.steps.length && this.sasl === null && this.divergences.length === 0;
  }

  get divergenceList(): readonly Divergence[] {
    return this.divergences;
  }

  private take(j: number): Decision {
    const step = this.session.steps[j]!;
    this.next = j + 1;
    const more = step.segments.length > 1;
    if (more) this.sasl = { step, segment: 0 };
    return { kind: 'answer', step, pieces: step.segments[0]!, close: !more && this.atEnd() };
  }

  private saslAnswer(open: { step: ScriptStep; segment: number }): Decision {
    open.segment++;
    const { step } = open;
    const last = open.segment >= step.segments.length - 1;
    if (last) this.sasl = null;
    return { kind: 'answer', step, pieces: step.segments[open.segment] ?? [], close: last && this.atEnd() };
  }

  private atEnd(): boolean {
    return this.next === this.session.steps.length && this.closeAtEnd;
  }

  private diverged(
    expected: ScriptStep | undefined,
    got: string | null,
    skipped: string[],
    action: string,
  ): Divergence {
    const want = expected
      ? `recording expected "${expected.tx.command!.line}" (#${expected.index})`
      : 'recording had ended';
    const message = `${want}, ${got === null ? 'the client closed the connection' : `got "${got}"`}: ${action}`;
    const d: Divergence = {
      expected: expected ? { index: expected.index, line: expected.tx.command!.line } : null,
      got,
      skipped,
      message,
    };
    this.divergences.push(d);
    return d;
  }
}

function quoteList(lines: readonly string[]): string {
  const shown = lines.slice(0, 5).map((l) => `"${l}"`);
  return lines.length > 5 ? `${shown.join(', ')}, …` : shown.join(', ');
}
