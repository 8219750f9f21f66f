/**
 * Fault injection (docs/faults.md): rules that make the server side of a session misbehave on purpose, at an
 * exact place in the POP3 dialogue, reproducibly. A rule is where + what. The injector (injector.ts) is
 * sans-IO: the server's bytes in, the steps the proxy must take out (send these bytes, wait, close, stall), so
 * a test drives it exactly as the proxy, `serve` and `replay --serve` do.
 */
import type { Phase } from '../protocol/commands.js';

/** A bad rule or rules file: the message is one line, fit for stderr. */
export class FaultRuleError extends Error {}

/** Where a rule applies: which response, counted how, in which session. Every given condition must hold. */
export interface Where {
  /** An upper-case POP3 verb (the response to that command), 'greeting', or 'any' (every response). */
  readonly verb: string;
  /** Only when the command's first argument is exactly this ("RETR 2"). */
  readonly arg?: string;
  /** Only the Nth matching response of the session (1-based; "#3"). */
  readonly nth?: number;
  /** Every Nth matching response (the Nth, 2Nth, ...; "every=2"). */
  readonly every?: number;
  /** With this probability (0..1, from the seeded generator; "p=0.1"). */
  readonly p?: number;
  /** Only in this session of the run (1-based, in the order sessions opened; "session=2"). */
  readonly session?: number;
  /** Only when the command was sent in this phase ("phase=TRANSACTION"). */
  readonly phase?: Phase;
}

/** What a rule does to the response it matched. */
export type Action =
  /** The response becomes "-ERR [code] text" (a multi-line body is not sent). */
  | { readonly kind: 'err'; readonly code?: string; readonly text: string }
  /** Wait this long before the response's first byte. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Send the response at this many bytes per second. */
  | { readonly kind: 'trickle'; readonly bytesPerSecond: number }
  /** Send the first `after` octets of the response, then close (with a TCP RST when `rst`). */
  | { readonly kind: 'cut'; readonly after: number; readonly rst: boolean }
  /** Send nothing more, ever, and keep the connection open. */
  | { readonly kind: 'stall' }
  /** A multi-line response without its final "." line. */
  | { readonly kind: 'drop-terminator' }
  /** LIST/STAT (and UIDL-less listings of sizes) with every size off by `delta` octets. */
  | { readonly kind: 'size-lie'; readonly delta: number }
  /** Body line `line` (1-based) sent twice. */
  | { readonly kind: 'duplicate-line'; readonly line: number }
  /** CRLF rewritten to a bare LF inside the body. */
  | { readonly kind: 'bare-lf' }
  /** Dot-stuffing removed inside the body ("..x" sent as ".x"). */
  | { readonly kind: 'unstuff' }
  /** `octets` bytes of noise sent right after the response. */
  | { readonly kind: 'garbage'; readonly octets: number }
  /** The greeting becomes "-ERR" (the session cannot start). */
  | { readonly kind: 'greeting-err' }
  /** The connection closes where the response would begin (the server got the command; the client no answer). */
  | { readonly kind: 'close-before-response' }
  /** After "+OK" to STLS, the TLS handshake fails (pop3scope closes it). */
  | { readonly kind: 'tls-fail' };

export type ActionKind = Action['kind'];

export interface Rule {
  readonly where: Where;
  readonly action: Action;
  /** The rule as written (canonical form, as describeRule prints it): recorded in captures and shown. */
  readonly text: string;
}

/** A run's faults: the rules and the seed every probabilistic rule draws from. */
export interface FaultPlan {
  readonly rules: readonly Rule[];
  readonly seed: number;
}

/** What the proxy must do with the server's bytes, in order. */
export type FaultStep =
  /** Send these bytes to the client (unchanged server bytes are handed on as the very chunk received). */
  | { readonly type: 'send'; readonly bytes: Uint8Array }
  /** Wait before the next step. */
  | { readonly type: 'wait'; readonly ms: number }
  /** Close the client connection (RST when `rst`); nothing after it is sent. */
  | { readonly type: 'close'; readonly rst: boolean }
  /** Send nothing more, ever; keep the connection open. */
  | { readonly type: 'stall' }
  /** Fail the TLS handshake that STLS is about to start. */
  | { readonly type: 'tls-fail' }
  /**
   * A rule fired here: which (its text), on which response ("RETR 2", "greeting"), and what the client is
   * given instead ("cut after 400 of 912 octets"). Comes just before the steps it changes.
   */
  | { readonly type: 'injected'; readonly rule: string; readonly on: string; readonly what: string };

/** What a relay needs of a session's injector (injector.ts FaultInjector): the proxy and `serve` use it. */
export interface Injector {
  /** Watches the client's bytes (which command each answer is for); never changes them. */
  client(bytes: Uint8Array): void;
  /** The server's bytes in, what to do with them out. */
  server(bytes: Uint8Array): FaultStep[];
}

/** Makes the injector of the nth session of a run (1-based, in the order sessions opened). */
export type InjectorFactory = (sessionNumber: number) => Injector;
