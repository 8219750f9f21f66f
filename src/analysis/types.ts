/** The annotated output of the engine: what every sink (screen, capture, log, JSON) receives. */

import type { Status } from '../protocol/response.js';
import type { CommandInfo, Direction, Phase, SaslInfo, TlsInfo, WireSpan } from '../protocol/types.js';
import type { Violation, ViolationCode } from '../protocol/violations.js';

export type { CommandInfo, Direction, Phase, SaslInfo, TlsInfo, Violation, ViolationCode, WireSpan };

export interface Response {
  readonly status: Status | null;
  readonly code: string | null;
  readonly text: string;
  readonly multiline: boolean;
  readonly bodyOctets: number;
  readonly bodyLines: number;
  readonly complete: boolean;
  /** RETR/TOP: the first bytes of the body as text (already free of secrets: bodies carry none we mask). */
  readonly preview?: string;
  /** Listings (LIST, UIDL, CAPA, ...): the lines, unstuffed, up to a limit. */
  readonly listing?: readonly string[];
  /** RETR/TOP with digests on: SHA-256 of the body on the wire. */
  readonly digest?: string;
}

export interface Transaction {
  readonly session: string;
  readonly seq: number;
  readonly phase: Phase;
  readonly command: CommandInfo | null;
  readonly response: Response;
  readonly sasl?: SaslInfo;
  /** Where the command and the response sit in the session's byte streams (for replay). */
  readonly wire: WireSpan;
  readonly startedAt: number;
  readonly endedAt: number;
  /** From the command to the end of its response; null for the greeting. */
  readonly latencyMs: number | null;
  /** A short plain-language explanation, fit for a classroom. */
  readonly explain: string;
  readonly rfc: string;
  readonly violations: readonly Violation[];
}

export type ClientMode = 'download-and-delete' | 'download-and-keep' | 'other';

export interface SessionSummary {
  readonly session: string;
  readonly client: string | null;
  readonly upstream: string | null;
  readonly user: string | null;
  /** How the client logged in: "USER/PASS", "APOP", "SASL PLAIN", ..., or null. */
  readonly auth: string | null;
  readonly tls: 'none' | 'implicit' | 'stls' | 'opaque';
  readonly phases: readonly { readonly phase: Phase; readonly at: number }[];
  readonly mode: ClientMode;
  readonly commands: number;
  readonly retrieved: readonly number[];
  readonly marked: readonly number[];
  readonly removed: readonly number[];
  readonly discarded: readonly number[];
  readonly violations: Readonly<Record<string, number>>;
  readonly bytes: { readonly c2s: number; readonly s2c: number };
  readonly startedAt: number;
  readonly endedAt: number;
  readonly durationMs: number;
  readonly closedBy: string | null;
  readonly closeReason: string | null;
  /** Faults pop3scope injected into the session (docs/faults.md); only present when there were any. */
  readonly injected?: number;
}

/** What a sink receives. Every session yields exactly one `summary`, last. */
export type EngineEvent =
  | {
      readonly type: 'data';
      readonly session: string;
      readonly dir: Direction;
      readonly t: number;
      readonly bytes: Buffer;
    }
  | {
      readonly type: 'command';
      readonly session: string;
      readonly seq: number;
      readonly command: CommandInfo;
    }
  | { readonly type: 'transaction'; readonly session: string; readonly tx: Transaction }
  | {
      readonly type: 'phase';
      readonly session: string;
      readonly from: Phase | null;
      readonly to: Phase;
      readonly at: number;
      readonly reason: string;
    }
  | {
      readonly type: 'violation';
      readonly session: string;
      readonly t: number;
      readonly violation: Violation;
    }
  | { readonly type: 'tls'; readonly session: string; readonly t: number; readonly info: TlsInfo }
  /**
   * Bytes pop3scope itself sent to one side (dir s2c: to the client), e.g. its -ERR when the server cannot be
   * reached. The engine never sees them: they are not the peer's (docs/capture-format.md, `proxy` record).
   */
  | {
      readonly type: 'proxy';
      readonly session: string;
      readonly t: number;
      readonly dir: Direction;
      readonly text: string;
    }
  /**
   * Bytes one side sent that pop3scope did not pass on (dir s2c: the server sent them, the client never got
   * them), what it did, and the violation that reports it (`alter` record).
   */
  | {
      readonly type: 'alter';
      readonly session: string;
      readonly t: number;
      readonly dir: Direction;
      readonly what: string;
      readonly removed: string;
      readonly code: ViolationCode | null;
    }
  /**
   * A fault pop3scope injected on purpose (a --fault rule fired): the rule as written, the response it changed
   * ("RETR 2", "greeting") and what the client was given instead. The engine follows what the server really
   * sent, so nothing the fault did is blamed on the server (`inject` record).
   */
  | {
      readonly type: 'injected';
      readonly session: string;
      readonly t: number;
      readonly rule: string;
      readonly on: string;
      readonly what: string;
    }
  | { readonly type: 'summary'; readonly session: string; readonly summary: SessionSummary };
