/**
 * Capture file format v1 (docs/capture-format.md; JSON Schema in schema/capture.schema.json): JSON Lines, one
 * record a line, readable with jq. One file holds many interleaved sessions; chunk boundaries and timing are
 * kept as received; secrets are masked in the data itself before it is written. Readers ignore fields and
 * record types they do not know.
 */
import { isUtf8 } from 'node:buffer';
import { everyMember } from '../exhaustive.js';
import type { TlsFacts } from '../protocol/types.js';

export const CAPTURE_FORMAT = 'pop3scope-capture';
export const CAPTURE_VERSION = 1;

export interface HeaderRecord {
  type: 'header';
  format: typeof CAPTURE_FORMAT;
  version: number;
  createdAt: string;
  tool: string;
  /**
   * The faults this run injected (--fault, --faults, --seed; docs/faults.md): the seed and every rule as
   * written, so the capture says exactly what was injected and `replay --serve` can inject it again. Absent
   * when the run injected none.
   */
  faults?: HeaderFaults;
}

/** A run's faults as its header records them. */
export interface HeaderFaults {
  seed: number;
  rules: string[];
}

export interface OpenRecord {
  type: 'open';
  session: string;
  t: number;
  client: string;
  upstream: string;
  tls: 'none' | 'implicit';
  /** A packet trace began inside this connection (its handshake and greeting were not captured). */
  midStream?: boolean;
}

export interface DataRecord {
  type: 'data';
  session: string;
  t: number;
  dir: 'c2s' | 's2c';
  text?: string;
  b64?: string;
  /**
   * The bytes themselves, in memory only: the records a packet trace is read into carry them as they are
   * (no round trip through text). Never written to a file; a record read from a file has text or b64.
   */
  bytes?: Uint8Array;
}

export type { ClientTlsFacts, TlsFacts, UpstreamTlsFacts } from '../protocol/types.js';

export interface TlsRecord extends TlsFacts {
  type: 'tls';
  session: string;
  t: number;
  how: 'implicit' | 'stls';
  visibility: 'decrypted' | 'opaque';
}

export interface CloseRecord {
  type: 'close';
  session: string;
  t: number;
  by: 'client' | 'server' | 'proxy';
  reason: string;
  /** "server": the server ended TLS first, with no close_notify before its TCP close. */
  uncleanTls?: string;
}

/**
 * Data records of a session the writer could not keep (its memory bound was reached): how many, how many
 * octets of data they held, and the time of the first. Written before the session's next record.
 */
export interface GapRecord {
  type: 'gap';
  session: string;
  t: number;
  records: number;
  octets: number;
}

/**
 * Octets of one direction that a packet trace never captured (lost packets, a snap length that cut them): not
 * in any data record. The engine is told how many and resynchronises. Written by pop3scope's pcap reader.
 */
export interface LostRecord {
  type: 'lost';
  session: string;
  t: number;
  dir: 'c2s' | 's2c';
  octets: number;
}

/**
 * Something the recording itself says about a session, as a violation code and its detail (a retransmission
 * that differed, TLS that could not be decrypted). A reader that does not know the code shows nothing.
 */
export interface NoteRecord {
  type: 'note';
  session: string;
  t: number;
  code: string;
  detail: string;
}

/**
 * Bytes pop3scope itself sent (dir s2c: to the client; c2s: to the server), not relayed from a peer: its own
 * -ERR when the server cannot be reached or never greets, its refusal of STLS under --stls strip.
 */
export interface ProxyRecord {
  type: 'proxy';
  session: string;
  t: number;
  dir: 'c2s' | 's2c';
  text: string;
}

/**
 * Bytes a side sent that pop3scope did not pass on (dir s2c: the server sent them — they are in the data
 * records — and the client never got them; c2s: the client sent them, the server never got them, and they are
 * in no data record). `what` says what pop3scope did; `code`, when set, is the violation that reports it.
 */
export interface AlterRecord {
  type: 'alter';
  session: string;
  t: number;
  dir: 'c2s' | 's2c';
  what: string;
  removed: string;
  /** A ViolationCode when this pop3scope wrote it; a reader may meet the codes of a newer writer. */
  code?: string;
}

/**
 * A fault pop3scope injected on purpose (a --fault rule fired): the rule as written, the response it changed
 * ("RETR 2", "greeting") and what the client was given instead. The data records hold what the server really
 * sent; the client got what `what` says.
 */
export interface InjectRecord {
  type: 'inject';
  session: string;
  t: number;
  rule: string;
  on: string;
  what: string;
}

export type CaptureRecord =
  | HeaderRecord
  | OpenRecord
  | DataRecord
  | TlsRecord
  | CloseRecord
  | GapRecord
  | ProxyRecord
  | AlterRecord
  | LostRecord
  | NoteRecord
  | InjectRecord;

/** Every record type of format v1, in the order docs/capture-format.md lists them (the schema is tested on it). */
export const CAPTURE_RECORD_TYPES = everyMember<CaptureRecord['type']>()([
  'header',
  'open',
  'data',
  'tls',
  'close',
  'gap',
  'proxy',
  'alter',
  'lost',
  'note',
  'inject',
]);

// Control characters other than TAB, LF and CR make a chunk binary: JSON would escape them unreadably.
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const CONTROL_BYTES = [...Array(32).keys()]
  .filter((b) => b !== 0x09 && b !== 0x0a && b !== 0x0d)
  .concat(0x7f);
/**
 * Above this size a chunk is searched for each control byte with Buffer.indexOf (memchr, several GB/s) instead
 * of a regular expression over its text (a few hundred MB/s): message bodies pass here at relay speed.
 */
const SEARCH_BYTES_ABOVE = 512;

/**
 * Whether a chunk is recorded as text: clean UTF-8 with no control character but TAB, LF and CR. Control bytes
 * are ASCII, which UTF-8 never uses inside a multi-byte character, so the bytes are searched as they are.
 */
export function isTextChunk(bytes: Buffer): boolean {
  if (!isUtf8(bytes)) return false;
  if (bytes.length <= SEARCH_BYTES_ABOVE) return !CONTROL.test(bytes.toString('latin1'));
  for (const b of CONTROL_BYTES) if (bytes.indexOf(b) !== -1) return false;
  return true;
}

/** A data record for a chunk: as text when it is clean UTF-8, else as base64. */
export function dataRecord(session: string, t: number, dir: 'c2s' | 's2c', bytes: Uint8Array): DataRecord {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isTextChunk(buffer)) return { type: 'data', session, t, dir, text: buffer.toString('utf8') };
  return { type: 'data', session, t, dir, b64: buffer.toString('base64') };
}

/** The bytes of a data record. */
export function dataBytes(record: DataRecord): Buffer {
  if (record.bytes !== undefined)
    return Buffer.from(record.bytes.buffer, record.bytes.byteOffset, record.bytes.byteLength);
  return record.text !== undefined
    ? Buffer.from(record.text, 'utf8')
    : Buffer.from(record.b64 ?? '', 'base64');
}

export function headerRecord(toolVersion: string, now: Date, faults?: HeaderFaults): HeaderRecord {
  return {
    type: 'header',
    format: CAPTURE_FORMAT,
    version: CAPTURE_VERSION,
    createdAt: now.toISOString(),
    tool: `pop3scope ${toolVersion}`,
    ...(faults ? { faults: { seed: faults.seed, rules: [...faults.rules] } } : {}),
  };
}
