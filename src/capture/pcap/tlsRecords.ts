/**
 * TLS record framing (RFC 8446 §5.1, RFC 5246 §6.2) for one direction of a connection: bytes arrive split
 * anywhere, whole records come out. A partial record waits in a fixed buffer the size of the largest legal
 * record, so a peer claiming a huge length is reported malformed instead of being buffered.
 */
import { TLS_RECORD_MAX_CIPHERTEXT } from './limits.js';

export const CONTENT_CHANGE_CIPHER_SPEC = 20;
export const CONTENT_ALERT = 21;
export const CONTENT_HANDSHAKE = 22;
export const CONTENT_APPLICATION_DATA = 23;
export const CONTENT_HEARTBEAT = 24;

export const RECORD_HEADER_LENGTH = 5;

export interface TlsRecord {
  readonly type: number;
  readonly version: number;
  /** The 5-byte header as sent (TLS 1.3 authenticates it as the AEAD's additional data). */
  readonly header: Uint8Array;
  readonly fragment: Uint8Array;
}

export interface FramerResult {
  readonly records: TlsRecord[];
  /** Why the stream stopped being TLS records (nothing more is framed after it), or null. */
  readonly malformed: string | null;
}

/** Why a record header is not one, or null when it is. */
function badHeader(h: Uint8Array): string | null {
  const type = h[0]!;
  if (type < CONTENT_CHANGE_CIPHER_SPEC || type > CONTENT_HEARTBEAT)
    return `not a TLS record (content type ${type})`;
  if (h[1] !== 3 || h[2]! > 4) return `not a TLS record (version ${h[1]}.${h[2]})`;
  const length = (h[3]! << 8) | h[4]!;
  if (length > TLS_RECORD_MAX_CIPHERTEXT)
    return `a TLS record claims ${length} octets (the most TLS allows is ${TLS_RECORD_MAX_CIPHERTEXT})`;
  return null;
}

export class RecordFramer {
  private buf: Uint8Array | null = null;
  private have = 0;
  private broken: string | null = null;

  /** Frames `bytes`; after a malformed header every later byte is ignored. */
  push(bytes: Uint8Array): FramerResult {
    const records: TlsRecord[] = [];
    if (this.broken) return { records, malformed: null };
    let pos = 0;
    while (pos < bytes.length) {
      if (this.have === 0) {
        // Fast path: whole records straight out of the input, no copy into the buffer.
        if (bytes.length - pos >= RECORD_HEADER_LENGTH) {
          const h = bytes.subarray(pos, pos + RECORD_HEADER_LENGTH);
          const why = badHeader(h);
          if (why) return this.fail(records, why);
          const end = pos + RECORD_HEADER_LENGTH + ((h[3]! << 8) | h[4]!);
          if (end <= bytes.length) {
            records.push(record(bytes.slice(pos, end)));
            pos = end;
            continue;
          }
        }
      }
      this.buf ??= new Uint8Array(RECORD_HEADER_LENGTH + TLS_RECORD_MAX_CIPHERTEXT);
      if (this.have < RECORD_HEADER_LENGTH) {
        const n = Math.min(RECORD_HEADER_LENGTH - this.have, bytes.length - pos);
        this.buf.set(bytes.subarray(pos, pos + n), this.have);
        this.have += n;
        pos += n;
        if (this.have < RECORD_HEADER_LENGTH) break;
        const why = badHeader(this.buf.subarray(0, RECORD_HEADER_LENGTH));
        if (why) return this.fail(records, why);
      }
      const total = RECORD_HEADER_LENGTH + ((this.buf[3]! << 8) | this.buf[4]!);
      const n = Math.min(total - this.have, bytes.length - pos);
      this.buf.set(bytes.subarray(pos, pos + n), this.have);
      this.have += n;
      pos += n;
      if (this.have === total) {
        records.push(record(this.buf.slice(0, total)));
        this.have = 0;
      }
    }
    return { records, malformed: null };
  }

  /** Octets of a partial record waiting for the rest. */
  get buffered(): number {
    return this.have;
  }

  private fail(records: TlsRecord[], why: string): FramerResult {
    this.broken = why;
    this.buf = null;
    this.have = 0;
    return { records, malformed: why };
  }
}

function record(whole: Uint8Array): TlsRecord {
  return {
    type: whole[0]!,
    version: (whole[1]! << 8) | whole[2]!,
    header: whole.subarray(0, RECORD_HEADER_LENGTH),
    fragment: whole.subarray(RECORD_HEADER_LENGTH),
  };
}
