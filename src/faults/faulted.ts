/**
 * What a fired rule does to its response, byte by byte. The framer (injector.ts) says where each byte is (status
 * line or body, and how far a body line has gone towards being the final "." line); the fault decides what the
 * client gets: the byte unchanged (out.one), something else, or nothing. Each fault emits its `injected` step just
 * before the first step that differs from a plain relay, so the step says exactly what changed; a fault whose
 * action turns out not to apply (an -ERR where a body was expected) injects nothing.
 */
import { MAX_DUPLICATED_LINE, MAX_HELD_LISTING_LINE, MAX_KEPT_STATUS, MAX_TRICKLE_PIECE } from './limits.js';
import type { Steps } from './steps.js';
import type { Action, Rule } from './types.js';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

/** How far a body line has gone towards the terminator: the byte's state after it (see termStep). */
export const MID = 0; // inside a line
export const LINE_START = 1; // just after an LF
export const AT_DOT = 2; // "." at the start of a line
export const AT_DOT_CR = 3; // ".\r" at the start of a line
export const END = 4; // ".\r\n" or ".\n": the body is over

export function termStep(state: number, b: number): number {
  switch (state) {
    case LINE_START:
      return b === DOT ? AT_DOT : b === LF ? LINE_START : MID;
    case AT_DOT:
      return b === CR ? AT_DOT_CR : b === LF ? END : MID;
    case AT_DOT_CR:
      return b === LF ? END : MID;
    default:
      return b === LF ? LINE_START : MID;
  }
}

/** The status line as the framer read it, given at its end. */
export interface StatusSeen {
  readonly status: '+OK' | '-ERR' | null;
  /** The +OK starts a multi-line body (the command table says so for this command). */
  readonly body: boolean;
}

export interface FaultContext {
  readonly rule: Rule;
  /** The response, as `injected` steps name it ("RETR 2", "greeting"). */
  readonly on: string;
  readonly verb: string;
  readonly args: readonly string[];
  /** Noise for `garbage`. */
  readonly noise: () => number;
  /** Called once per injected step (the injector counts them). */
  readonly counted: () => void;
}

const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
const text = (bytes: readonly number[] | Uint8Array): string => String.fromCharCode(...bytes);

export class Fault {
  /** False once nothing more is changed: the framer relays the rest of the response without calling byte(). */
  active = true;
  /** The connection is over for the client (close, stall, TLS failure): nothing more is sent. */
  terminated = false;
  private injectedOnce = false;
  private readonly action: Action;
  // cut, trickle
  private octets = 0;
  private piece: number[] = [];
  // held bytes: a status or listing line (err, size-lie), a possible terminator, a CR before LF (body actions)
  private held: number[] = [];
  private heldTooLong = false;
  private crHeld = false;
  private body = false;
  private lineNo = 0;
  private line: number[] = [];

  constructor(private readonly ctx: FaultContext) {
    this.action = ctx.rule.action;
  }

  private inject(out: Steps, what: string): void {
    if (this.injectedOnce) return;
    this.injectedOnce = true;
    out.step({ type: 'injected', rule: this.ctx.rule.text, on: this.ctx.on, what });
    this.ctx.counted();
  }

  private terminate(): void {
    this.terminated = true;
    this.active = false;
  }

  /** At the response's first byte, before it goes out. */
  start(out: Steps): void {
    const a = this.action;
    switch (a.kind) {
      case 'delay':
        this.inject(out, `waited ${a.ms} ms before the response`);
        out.step({ type: 'wait', ms: a.ms });
        this.active = false;
        return;
      case 'close-before-response':
        this.inject(out, 'connection closed where the response would begin');
        out.step({ type: 'close', rst: false });
        this.terminate();
        return;
      case 'stall':
        this.inject(out, 'nothing more sent (the connection stays open)');
        out.step({ type: 'stall' });
        this.terminate();
        return;
      case 'trickle':
        this.inject(out, `the response sent at ${a.bytesPerSecond} octets/s`);
        return;
      case 'garbage':
      case 'tls-fail':
        this.active = false; // they act at the response's end or its status line: see end() and status()
        return;
      default:
        return;
    }
  }

  /** One byte of the response: `at` its index in the input chunk (< 0: held from an earlier one). */
  byte(b: number, at: number, inBody: boolean, term: number, out: Steps): void {
    const a = this.action;
    switch (a.kind) {
      case 'cut':
        out.one(b, at);
        if (++this.octets === a.after) {
          this.inject(out, `cut after ${a.after} of the response's octets`);
          out.step({ type: 'close', rst: a.rst });
          this.terminate();
        }
        return;
      case 'trickle':
        this.piece.push(b);
        if (
          this.piece.length >= Math.min(Math.max(1, Math.floor(a.bytesPerSecond / 10)), MAX_TRICKLE_PIECE)
        ) {
          this.flushPiece(out);
        }
        return;
      case 'err':
      case 'greeting-err':
        return; // the server's status line and body are swallowed; status() sends ours
      case 'size-lie':
        this.sizeLieByte(b, at, inBody, term, out);
        return;
      default:
        if (!inBody) out.one(b, at);
        else this.bodyByte(b, at, term, out);
    }
  }

  /** The status line is over (its bytes went through byte(), or were relayed when not active). */
  status(seen: StatusSeen, out: Steps): void {
    const a = this.action;
    this.body = seen.body;
    if (a.kind === 'err' || a.kind === 'greeting-err') {
      const code = a.kind === 'err' ? a.code : 'SYS/TEMP';
      const words = a.kind === 'err' ? a.text : 'injected by pop3scope';
      const instead =
        a.kind === 'greeting-err' || this.ctx.verb === 'greeting'
          ? 'the greeting'
          : seen.status === '-ERR'
            ? "the server's own -ERR"
            : `${seen.status ?? "the server's answer"}${seen.body ? ' and its body' : ''}`;
      this.inject(out, `-ERR instead of ${instead}`);
      out.bytes(latin1(`-ERR ${code ? `[${code}] ` : ''}${words}\r\n`));
      return;
    }
    if (a.kind === 'tls-fail') {
      if (seen.status !== '+OK') return;
      this.inject(out, 'the TLS handshake fails after +OK');
      out.step({ type: 'tls-fail' });
      this.terminate();
      return;
    }
    if (a.kind === 'size-lie') {
      const held = this.releaseHeld();
      const lie =
        seen.status === '+OK' && !seen.body && !this.heldTooLong
          ? this.lie(held, /^(\+OK\s+\d+\s+)(\d+)/)
          : null;
      if (lie) this.inject(out, `sizes off by ${a.delta > 0 ? '+' : ''}${a.delta} octets`);
      out.bytes(lie ?? Uint8Array.from(held));
      this.heldTooLong = false;
      if (!seen.body || seen.status !== '+OK') this.active = false;
      return;
    }
    const bodyAction = a.kind === 'drop-terminator' || a.kind === 'duplicate-line' || a.kind === 'bare-lf';
    if ((bodyAction || a.kind === 'unstuff') && !seen.body) this.active = false;
  }

  /** The response is over. */
  end(out: Steps): void {
    const a = this.action;
    if (a.kind === 'trickle') this.flushPiece(out);
    else if (a.kind === 'cut' && !this.terminated) {
      this.inject(out, `closed after the whole response (${this.octets} octets, fewer than ${a.after})`);
      out.step({ type: 'close', rst: a.rst });
      this.terminate();
    } else if (a.kind === 'garbage') {
      const noise = new Uint8Array(a.octets);
      for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(this.ctx.noise() * 256);
      this.inject(out, `${a.octets} octets of noise after the response`);
      out.bytes(noise);
    }
    this.active = false;
  }

  /** The input chunk is over: trickle sends what it has (it holds no more than a piece across chunks). */
  chunkEnd(out: Steps): void {
    if (this.action.kind === 'trickle') this.flushPiece(out);
  }

  private flushPiece(out: Steps): void {
    if (this.piece.length === 0 || this.action.kind !== 'trickle') return;
    const ms = Math.round((this.piece.length * 1000) / this.action.bytesPerSecond);
    if (ms > 0) out.step({ type: 'wait', ms });
    out.bytes(Uint8Array.from(this.piece));
    this.piece = [];
  }

  private releaseHeld(): number[] {
    const held = this.held;
    this.held = [];
    return held;
  }

  /** The line with its size (the second number, found by `pattern`) off by delta, or null when it has none. */
  private lie(line: readonly number[], pattern: RegExp): Uint8Array | null {
    if (this.action.kind !== 'size-lie') return null;
    const m = pattern.exec(text(line));
    if (!m) return null;
    const size = Math.max(0, Number(m[2]) + this.action.delta);
    return latin1(`${m[1]}${size}${text(line).slice(m[0].length)}`);
  }

  private sizeLieByte(b: number, at: number, inBody: boolean, term: number, out: Steps): void {
    const limit = inBody ? MAX_HELD_LISTING_LINE : MAX_KEPT_STATUS;
    if (this.heldTooLong) {
      out.one(b, at); // a line too long to hold goes out as it is
      if (b === LF) this.heldTooLong = false;
      return;
    }
    this.held.push(b);
    if (this.held.length > limit) {
      for (const h of this.releaseHeld()) out.byte(h);
      this.heldTooLong = true;
      if (b === LF) this.heldTooLong = false;
      return;
    }
    if (!inBody || b !== LF) return; // the status line is rewritten in status()
    const line = this.releaseHeld();
    const lie = term === END ? null : this.lie(line, /^(\s*\d+\s+)(\d+)/);
    if (lie && this.action.kind === 'size-lie') {
      this.inject(out, `sizes off by ${this.action.delta > 0 ? '+' : ''}${this.action.delta} octets`);
      out.bytes(lie);
    } else for (const h of line) out.byte(h);
  }

  /** A body byte for drop-terminator, duplicate-line, bare-lf, unstuff. */
  private bodyByte(b: number, at: number, term: number, out: Steps): void {
    const a = this.action;
    if (term === AT_DOT || term === AT_DOT_CR) {
      this.held.push(b); // perhaps the terminator: decided by the next byte
      return;
    }
    if (term === END) {
      if (a.kind === 'drop-terminator') {
        this.inject(out, 'no final "." line');
        this.held = [];
        return;
      }
      for (const h of this.releaseHeld()) out.byte(h);
      out.one(b, at);
      return;
    }
    if (this.held.length > 0) {
      const held = this.releaseHeld();
      if (a.kind === 'unstuff' && held.length === 1 && b === DOT) {
        this.inject(out, 'dot-stuffing removed (".." sent as ".")');
        this.emit(b, at, out);
        return;
      }
      for (const h of held) this.emit(h, -1, out);
    }
    if (a.kind === 'bare-lf') {
      if (this.crHeld) {
        this.crHeld = false;
        if (b === LF) this.inject(out, 'bare LF line endings in the body');
        else out.byte(CR);
      }
      if (b === CR) {
        this.crHeld = true;
        return;
      }
    }
    this.emit(b, at, out);
  }

  /** A body byte goes out; duplicate-line copies line N and sends it again after its LF. */
  private emit(b: number, at: number, out: Steps): void {
    out.one(b, at);
    if (this.action.kind !== 'duplicate-line') return;
    if (this.line.length <= MAX_DUPLICATED_LINE) this.line.push(b);
    if (b !== LF) return;
    this.lineNo++;
    const line = this.line;
    this.line = [];
    if (this.lineNo !== this.action.line) return;
    if (line.length <= MAX_DUPLICATED_LINE) {
      this.inject(out, `body line ${this.action.line} sent twice`);
      out.bytes(Uint8Array.from(line));
    }
    this.active = false;
  }
}
