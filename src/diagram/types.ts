/**
 * The sequence diagram's contract (issue #16): a session's JSON records (render/json.ts, the published schema)
 * in, positioned shapes out. The layout is a pure function (diagram/layout.ts) with unit tests; the SVG
 * renderer (diagram/svg.ts) only draws what the layout placed; the browser page (web/page/) and the report
 * share both through the bundle. Nothing here imports Node: the module runs in the browser too.
 *
 * Coordinates are SVG user units, y growing downwards with time; x of the lanes fixed by the layout.
 */

import type { Phase } from '../analysis/types.js';
import type {
  JsonAlterRecord,
  JsonInjectedRecord,
  JsonPhaseRecord,
  JsonProxyRecord,
  JsonRecord,
  JsonSummaryRecord,
  JsonTlsRecord,
  JsonTransactionRecord,
  JsonViolationRecord,
} from '../render/json.js';

/** One session's records, grouped by type, in the order they came. */
export interface SessionRecords {
  readonly session: string;
  /** The capture the session came from, when several were read (the records' `file`). */
  readonly file?: string;
  readonly transactions: readonly JsonTransactionRecord[];
  readonly phases: readonly JsonPhaseRecord[];
  readonly violations: readonly JsonViolationRecord[];
  readonly tls: readonly JsonTlsRecord[];
  readonly proxy: readonly JsonProxyRecord[];
  readonly alter: readonly JsonAlterRecord[];
  readonly injected: readonly JsonInjectedRecord[];
  /** Null while the session is live (its summary is its last record). */
  readonly summary: JsonSummaryRecord | null;
}

/** Where an arrow starts or ends. `pop3scope` is drawn only when it injected a fault or answered itself. */
export type Lane = 'client' | 'pop3scope' | 'server';

export interface DiagramOptions {
  /** proportional: y follows the records' times; compact: one row per arrow, in order (the default). */
  readonly time: 'compact' | 'proportional';
  /** Arrows drawn at most (a huge session is cut, and the diagram says how many it left out). */
  readonly maxArrows?: number;
}

export interface LaneShape {
  readonly lane: Lane;
  readonly x: number;
  readonly label: string;
}

export interface BodyBlock {
  readonly octets: number;
  readonly lines: number;
  /** False when the connection ended before the terminating "." */
  readonly complete: boolean;
  /** The collapsed block under the response arrow. */
  readonly y: number;
  readonly height: number;
}

export interface Arrow {
  /**
   * Stable within a session, for clicks and tests: `c<seq>` a command, `r<seq>` its response (`r0` the
   * greeting), `p<i>` the i-th proxy record, `i<i>` the i-th injected record, `a<i>` the i-th alter record.
   */
  readonly id: string;
  readonly kind: 'command' | 'response' | 'proxy' | 'injected' | 'alter';
  /** The transaction it belongs to (null for proxy/injected/alter arrows with no transaction). */
  readonly seq: number | null;
  readonly from: Lane;
  readonly to: Lane;
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  /** What the arrow says: the command line as recorded (already redacted), or the status line. */
  readonly label: string;
  readonly status: '+OK' | '-ERR' | null;
  /** A command sent before earlier responses arrived: drawn in flight together with them. */
  readonly pipelined: boolean;
  readonly body?: BodyBlock;
  /** The violation codes of its transaction (on the response arrow; a command arrow has none). */
  readonly violations: readonly string[];
}

export interface PhaseBand {
  readonly phase: Phase;
  readonly y1: number;
  readonly y2: number;
}

/** From the STLS upgrade (or the start, for implicit TLS) to the end: the session is encrypted. */
export interface TlsBand {
  readonly how: 'implicit' | 'stls';
  readonly visibility: 'decrypted' | 'opaque';
  readonly y1: number;
  readonly y2: number;
}

export interface Marker {
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly rfc: string;
  readonly message: string;
  /** The arrow it sits on, or null for a session-level violation (drawn at `y`). */
  readonly arrow: string | null;
  readonly x: number;
  readonly y: number;
}

export interface TimeTick {
  readonly y: number;
  /** Time since the session started: "0 ms", "1.2 s". */
  readonly label: string;
}

export interface Diagram {
  readonly width: number;
  readonly height: number;
  readonly lanes: readonly LaneShape[];
  readonly bands: readonly PhaseBand[];
  readonly tls: TlsBand | null;
  readonly arrows: readonly Arrow[];
  readonly markers: readonly Marker[];
  readonly ticks: readonly TimeTick[];
  /** Arrows left out beyond maxArrows (0 when all are drawn). */
  readonly omitted: number;
}

/** One message of the mailbox over the session: when (which transaction) it was seen, retrieved, marked, removed. */
export interface MailboxRow {
  readonly n: number;
  readonly size: number | null;
  readonly uid: string | null;
  /** The seq of the transaction that first showed it (LIST/UIDL/STAT/RETR/TOP), or null. */
  readonly seen: number | null;
  readonly retrieved: number | null;
  /** The seq of the DELE that marked it, or null (an RSET clears it). */
  readonly marked: number | null;
  /** The seq of the QUIT whose UPDATE removed it, or null. */
  readonly removed: number | null;
}

export type { JsonRecord };
