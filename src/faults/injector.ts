/**
 * The fault injector of one session (docs/faults.md), sans-IO: it watches the client's bytes to know which
 * command each response answers (never changing them), frames the server's responses with the command table,
 * and for each response decides whether a rule fires (matcher.ts) and what the client gets instead (faulted.ts).
 * It returns steps: unchanged bytes are the very chunks received, so with no rule firing the output is the
 * input, chunk for chunk. Memory is bounded: a partial line is kept up to a limit, a body is never held.
 */
import { GREETING, lookupCommand, type Phase, transitionOf } from '../protocol/commands.js';
import { parseStatusLine } from '../protocol/response.js';
import { END, Fault, LINE_START, MID, termStep } from './faulted.js';
import { MAX_KEPT_COMMAND, MAX_KEPT_STATUS, MAX_PENDING_COMMANDS } from './limits.js';
import { Matcher, type ResponseContext } from './matcher.js';
import { Steps } from './steps.js';
import type { FaultPlan, FaultStep } from './types.js';

export { seeded } from './random.js';

const LF = 0x0a;
const CR = 0x0d;
const PLUS = 0x2b;

/** A command waiting for its response. */
interface Pending {
  readonly verb: string;
  readonly args: readonly string[];
}

/** The response being framed. */
interface Current {
  readonly cmd: Pending | null;
  readonly greeting: boolean;
  fault: Fault | null;
}

type Mode = 'line' | 'plus' | 'status' | 'body';

const decode = (bytes: Uint8Array, length: number): string => {
  let end = length;
  while (end > 0 && (bytes[end - 1] === LF || bytes[end - 1] === CR)) end--;
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');
};

export class FaultInjector {
  private readonly matcher: Matcher;
  private readonly out = new Steps();
  private injected = 0;
  /** Closed, stalled or TLS failed: nothing more is sent. */
  private over = false;
  /** Lost track of which response answers which command: relays everything from now on, injecting nothing. */
  private lost = false;
  private greeted = false;
  private phase: Phase | null = null;
  private readonly pending: Pending[] = [];
  /** Client lines still owed to the server's "+ " SASL continuations: they are not commands. */
  private saslOwed = 0;
  private readonly clientLine = new Uint8Array(MAX_KEPT_COMMAND);
  private clientLength = 0;
  private mode: Mode = 'line';
  private current: Current | null = null;
  private readonly statusLine = new Uint8Array(MAX_KEPT_STATUS);
  private statusLength = 0;
  private term = MID;

  constructor(
    plan: FaultPlan,
    private readonly session: number,
    random: () => number,
  ) {
    this.matcher = new Matcher(plan.rules, session, random);
  }

  /** How many faults were injected in this session so far. */
  get injectedCount(): number {
    return this.injected;
  }

  /** The session number this injector was made for (1-based). */
  get sessionNumber(): number {
    return this.session;
  }

  /** Watches the client's bytes: which commands wait for a response. Never changes them. */
  client(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length && !this.over && !this.lost) {
      const lf = bytes.indexOf(LF, i);
      const end = lf < 0 ? bytes.length : lf;
      const keep = Math.min(end - i, MAX_KEPT_COMMAND - this.clientLength);
      if (keep > 0) this.clientLine.set(bytes.subarray(i, i + keep), this.clientLength);
      this.clientLength += Math.max(0, keep);
      if (lf < 0) return;
      this.clientCommand(decode(this.clientLine, this.clientLength));
      this.clientLength = 0;
      i = lf + 1;
    }
  }

  private clientCommand(line: string): void {
    if (this.saslOwed > 0) {
      this.saslOwed--; // a SASL response (or "*"), answering a continuation
      return;
    }
    if (this.pending.length >= MAX_PENDING_COMMANDS) {
      this.lost = true;
      return;
    }
    const [verb = '', ...args] = line.split(' ').filter((t) => t !== '');
    this.pending.push({ verb: verb.toUpperCase(), args });
  }

  /** The server's bytes in, the steps to take out (see types.ts FaultStep). After close or stall: []. */
  server(bytes: Uint8Array): FaultStep[] {
    if (this.over) return [];
    const out = this.out;
    out.begin(bytes);
    if (this.lost) {
      out.pass(0, bytes.length);
      return out.end();
    }
    let i = 0;
    while (i < bytes.length && !this.over) {
      const fault = this.current?.fault?.active ? this.current.fault : null;
      switch (this.mode) {
        case 'line':
          if (this.beginLine(bytes[i]!, out)) i++;
          break;
        case 'plus':
          this.afterPlus(bytes[i]!, out);
          break;
        case 'status':
          i = fault ? this.statusByte(bytes, i, fault, out) : this.statusRun(bytes, i, out);
          break;
        case 'body':
          i = fault ? this.bodyByte(bytes, i, fault, out) : this.bodyRun(bytes, i, out);
          break;
      }
      if (this.current?.fault?.terminated) this.over = true;
    }
    if (!this.over) this.current?.fault?.chunkEnd(out);
    return out.end();
  }

  private context(cmd: Pending | null): ResponseContext {
    if (!cmd) return { verb: 'greeting', args: [], phase: null };
    return { verb: cmd.verb, spec: lookupCommand(cmd.verb), args: cmd.args, phase: this.phase };
  }

  /** A server line begins: the greeting, a SASL continuation, the answer to the oldest command, or unsolicited. */
  /** Returns true when it took the first byte (a "+" under AUTH, held until the next byte says what it is). */
  private beginLine(first: number, out: Steps): boolean {
    this.statusLength = 0;
    const cmd = this.pending[0] ?? null;
    if (this.greeted && !cmd) {
      this.current = { cmd: null, greeting: false, fault: null }; // unsolicited: nothing to answer, no rule
      this.mode = 'status';
      return false;
    }
    // Under AUTH a line starting "+" may be a continuation (no rule applies) or the +OK: the next byte says.
    if (cmd?.verb === 'AUTH' && first === PLUS && this.matcher.couldFire(this.context(cmd))) {
      this.statusLine[this.statusLength++] = PLUS;
      this.mode = 'plus';
      return true;
    }
    this.startResponse(cmd, out);
    return false;
  }

  /** The byte after a held "+" (not taken: the status line goes on from it). */
  private afterPlus(second: number, out: Steps): void {
    const cmd = this.pending[0]!;
    if (second === 0x4f || second === 0x6f) {
      this.startResponse(cmd, out); // "+O": the answer itself
      const fault = this.current?.fault;
      if (fault?.active) fault.byte(PLUS, -1, false, MID, out);
      else if (!fault?.terminated) out.byte(PLUS);
    } else {
      this.current = { cmd, greeting: false, fault: null };
      out.byte(PLUS);
    }
    this.mode = 'status';
  }

  private startResponse(cmd: Pending | null, out: Steps): void {
    const ctx = this.context(cmd);
    const rule = this.matcher.decide(ctx);
    const on = cmd
      ? cmd.verb === 'PASS' || !cmd.args[0]
        ? cmd.verb
        : `${cmd.verb} ${cmd.args[0]}`
      : 'greeting';
    const fault = rule
      ? new Fault({
          rule,
          on: on || '(empty line)',
          verb: ctx.verb,
          args: ctx.args,
          noise: this.matcher.noise,
          counted: () => this.injected++,
        })
      : null;
    this.current = { cmd, greeting: cmd === null, fault };
    this.mode = 'status';
    fault?.start(out);
  }

  private keep(bytes: Uint8Array, from: number, to: number): void {
    const n = Math.min(to - from, MAX_KEPT_STATUS - this.statusLength);
    if (n > 0) {
      this.statusLine.set(bytes.subarray(from, from + n), this.statusLength);
      this.statusLength += n;
    }
  }

  private statusRun(bytes: Uint8Array, i: number, out: Steps): number {
    const lf = bytes.indexOf(LF, i);
    const end = lf < 0 ? bytes.length : lf + 1;
    this.keep(bytes, i, end);
    out.pass(i, end);
    if (lf >= 0) this.statusEnd(out);
    return end;
  }

  private statusByte(bytes: Uint8Array, i: number, fault: Fault, out: Steps): number {
    const b = bytes[i]!;
    this.keep(bytes, i, i + 1);
    fault.byte(b, i, false, MID, out);
    if (b === LF && !fault.terminated) this.statusEnd(out);
    return i + 1;
  }

  private statusEnd(out: Steps): void {
    const current = this.current!;
    const parsed = parseStatusLine(decode(this.statusLine, this.statusLength));
    if (current.greeting) {
      this.greeted = true;
      if (parsed.status === '+OK') this.phase = GREETING.to;
    }
    const cmd = current.cmd;
    if (cmd?.verb === 'AUTH' && parsed.continuation && !current.fault) {
      this.saslOwed++; // the client answers it with one line; AUTH still waits for its answer
      this.lineOver();
      return;
    }
    let body = false;
    if (cmd) {
      this.pending.shift();
      const spec = lookupCommand(cmd.verb);
      if (spec && this.phase) {
        const t = transitionOf(spec, this.phase, cmd.args);
        if (t && (t.on === 'answer' || parsed.status === '+OK')) this.phase = t.to;
      }
      body = parsed.status === '+OK' && (spec?.multiline(cmd.args) ?? false);
      // A failed AUTH ends its exchange: continuations owed but never answered are forgotten.
      if (cmd.verb === 'AUTH') this.saslOwed = 0;
    }
    current.fault?.status({ status: parsed.status, body }, out);
    if (current.fault?.terminated) return;
    if (body) {
      this.mode = 'body';
      this.term = LINE_START;
    } else this.responseEnd(out);
  }

  private bodyRun(bytes: Uint8Array, i: number, out: Steps): number {
    let at = i;
    while (at < bytes.length) {
      if (this.term === MID) {
        const lf = bytes.indexOf(LF, at);
        if (lf < 0) {
          at = bytes.length;
          break;
        }
        at = lf + 1;
        this.term = LINE_START;
        continue;
      }
      this.term = termStep(this.term, bytes[at++]!);
      if (this.term === END) {
        out.pass(i, at);
        this.responseEnd(out);
        return at;
      }
    }
    out.pass(i, at);
    return at;
  }

  private bodyByte(bytes: Uint8Array, i: number, fault: Fault, out: Steps): number {
    this.term = termStep(this.term, bytes[i]!);
    fault.byte(bytes[i]!, i, true, this.term, out);
    if (this.term === END && !fault.terminated) this.responseEnd(out);
    return i + 1;
  }

  private responseEnd(out: Steps): void {
    this.current?.fault?.end(out);
    if (this.current?.fault?.terminated) return;
    this.lineOver();
  }

  private lineOver(): void {
    this.current = null;
    this.mode = 'line';
    this.term = MID;
    this.statusLength = 0;
  }
}
