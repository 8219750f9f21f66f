/**
 * The JSON Lines output of `show --format json` and `proxy --format json` (docs/json-output.md; JSON Schema in
 * schema/json-output.schema.json). Field names are a contract: scripts rely on them. Message numbers are
 * numbers; secrets were masked long before this. Every record carries the format's version (JSON_VERSION).
 */
import type {
  CommandInfo,
  EngineEvent,
  Phase,
  Response,
  SessionSummary,
  Transaction,
  ViolationCode,
} from '../analysis/types.js';
import { everyMember } from '../exhaustive.js';
import type { TlsFacts } from '../protocol/types.js';
import type { Severity } from '../protocol/violations.js';

/**
 * The version of the JSON output, in every record. It goes up when a field is removed, renamed, or changes its
 * type or meaning (a script written for the old version would misread the new one); added fields and record
 * types keep it (scripts ignore what they do not know).
 */
export const JSON_VERSION = 1;

/** A violation as the JSON output shows it. */
export interface JsonViolation {
  readonly code: ViolationCode;
  readonly severity: Severity;
  readonly message: string;
  readonly rfc: string;
}

interface JsonRecordBase {
  readonly session: string;
  /** Only when `show` reads several captures (session ids repeat across files): the capture it came from. */
  readonly file?: string;
  readonly version: typeof JSON_VERSION;
}

export interface JsonTransactionRecord extends JsonRecordBase {
  readonly type: 'transaction';
  readonly seq: number;
  readonly phase: Phase;
  readonly command: Pick<CommandInfo, 'verb' | 'args' | 'line' | 'pipelined'> | null;
  /** The engine's response less the body preview (bodies stay out of the JSON). */
  readonly response: Omit<Response, 'preview'>;
  readonly sasl?: {
    readonly mechanism: string;
    readonly outcome: 'success' | 'failure' | 'cancelled' | null;
    readonly steps: readonly { readonly from: 'client' | 'server'; readonly text: string }[];
  };
  readonly startedAt: number;
  readonly endedAt: number;
  readonly latencyMs: number | null;
  readonly explain: string;
  readonly rfc: string;
  readonly violations: readonly JsonViolation[];
  /** Only in the web page's records (render/wireBytes.ts recordMaker), never in `show --format json`. */
  readonly bytes?: JsonWireBytes;
}

/**
 * The exact bytes of a transaction as they were on the wire, secrets masked (the engine's data events): one
 * character per octet (latin1, so exact and reversible), each string a prefix of what was sent.
 */
export interface JsonWireBytes {
  /** The command line with its ending (an AUTH exchange: its client lines too); null for the greeting. */
  readonly command: string | null;
  /** The response from its status line on (a long body only up to a head: render/limits.ts). */
  readonly response: string;
  /** Octets of the command and the response left out (a string cut short does not end in its line's LF). */
  readonly omitted: number;
}

export interface JsonPhaseRecord extends JsonRecordBase {
  readonly type: 'phase';
  readonly from: Phase | null;
  readonly to: Phase;
  readonly at: number;
  readonly reason: string;
}

export interface JsonViolationRecord extends JsonRecordBase, JsonViolation {
  readonly type: 'violation';
  readonly at: number;
}

/** The capture's tls record with `at` for `t`: how TLS began, what pop3scope sees, the handshake facts. */
export interface JsonTlsRecord extends JsonRecordBase, TlsFacts {
  readonly type: 'tls';
  readonly at: number;
  readonly how: 'implicit' | 'stls';
  readonly visibility: 'decrypted' | 'opaque';
}

export interface JsonProxyRecord extends JsonRecordBase {
  readonly type: 'proxy';
  readonly at: number;
  readonly dir: 'c2s' | 's2c';
  readonly text: string;
}

export interface JsonAlterRecord extends JsonRecordBase {
  readonly type: 'alter';
  readonly at: number;
  readonly dir: 'c2s' | 's2c';
  readonly what: string;
  readonly removed: string;
  readonly code: ViolationCode | null;
}

/** A fault pop3scope injected (a --fault rule fired): the rule, the response it changed, what the client got. */
export interface JsonInjectedRecord extends JsonRecordBase {
  readonly type: 'injected';
  readonly at: number;
  readonly rule: string;
  readonly on: string;
  readonly what: string;
}

export interface JsonSummaryRecord extends JsonRecordBase, SessionSummary {
  readonly type: 'summary';
}

/** One record of the JSON Lines output, by `type`. */
export type JsonRecord =
  | JsonTransactionRecord
  | JsonPhaseRecord
  | JsonViolationRecord
  | JsonTlsRecord
  | JsonProxyRecord
  | JsonAlterRecord
  | JsonInjectedRecord
  | JsonSummaryRecord;

/** Every record type, in the order docs/json-output.md lists them (the schema's enum is tested against it). */
export const JSON_RECORD_TYPES = everyMember<JsonRecord['type']>()([
  'transaction',
  'phase',
  'violation',
  'tls',
  'proxy',
  'alter',
  'injected',
  'summary',
]);

/** The object `check --format json` prints for each capture file. */
export interface JsonCheckRecord {
  readonly file: string;
  readonly version: typeof JSON_VERSION;
  readonly sessions: number;
  /** Counts per violation code. */
  readonly violations: Readonly<Partial<Record<ViolationCode, number>>>;
  readonly severities: Readonly<Record<Severity, number>>;
  /** What `check` of this file alone exits with: 1 when any error-severity violation exists. */
  readonly exit: 0 | 1;
}

function transactionRecord(tx: Transaction): JsonTransactionRecord {
  const { preview: _body, ...response } = tx.response;
  return {
    type: 'transaction',
    session: tx.session,
    version: JSON_VERSION,
    seq: tx.seq,
    phase: tx.phase,
    command: tx.command
      ? {
          verb: tx.command.verb,
          args: tx.command.args,
          line: tx.command.line,
          pipelined: tx.command.pipelined,
        }
      : null,
    response,
    ...(tx.sasl
      ? {
          sasl: {
            mechanism: tx.sasl.mechanism,
            outcome: tx.sasl.outcome,
            steps: tx.sasl.steps.map(({ from, text }) => ({ from, text })),
          },
        }
      : {}),
    startedAt: tx.startedAt,
    endedAt: tx.endedAt,
    latencyMs: tx.latencyMs,
    explain: tx.explain,
    rfc: tx.rfc,
    violations: tx.violations.map(({ code, severity, message, rfc }) => ({ code, severity, message, rfc })),
  };
}

/** The JSON record for an event, or null for events that have none (data, command). */
export function jsonRecord(e: EngineEvent): JsonRecord | null {
  const { session } = e;
  const version = JSON_VERSION;
  switch (e.type) {
    case 'transaction':
      return transactionRecord(e.tx);
    case 'phase':
      return { type: 'phase', session, version, from: e.from, to: e.to, at: e.at, reason: e.reason };
    case 'violation': {
      const { code, severity, message, rfc } = e.violation;
      return { type: 'violation', session, version, at: e.t, code, severity, message, rfc };
    }
    case 'tls':
      return { type: 'tls', session, version, at: e.t, ...e.info };
    case 'proxy':
      return { type: 'proxy', session, version, at: e.t, dir: e.dir, text: e.text };
    case 'alter':
      return {
        type: 'alter',
        session,
        version,
        at: e.t,
        dir: e.dir,
        what: e.what,
        removed: e.removed,
        code: e.code,
      };
    case 'injected':
      return { type: 'injected', session, version, at: e.t, rule: e.rule, on: e.on, what: e.what };
    case 'summary': {
      // The summary's own session id first, as before the version was added.
      const { session: id, ...summary } = e.summary;
      return { type: 'summary', session: id, version, ...summary };
    }
    default:
      return null;
  }
}

/** The record as `show` of several captures prints it: `file` right after `session`. */
export function withFile(record: JsonRecord, file: string): JsonRecord {
  const { type, session, ...rest } = record;
  return { type, session, file, ...rest } as JsonRecord;
}

export function jsonLine(e: EngineEvent): string | null {
  const record = jsonRecord(e);
  return record ? JSON.stringify(record) : null;
}
