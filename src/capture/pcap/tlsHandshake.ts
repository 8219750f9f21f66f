/**
 * TLS handshake messages (RFC 8446 §4, RFC 5246 §7.4): a framer that reassembles them across records, keeping
 * only the few whose content matters here (hellos, Finished, KeyUpdate) and counting the others past, and
 * the parsers for what a ClientHello and a ServerHello show without keys.
 */
import { TLS_HANDSHAKE_MAX_KEPT } from './limits.js';

export const HS_CLIENT_HELLO = 1;
export const HS_SERVER_HELLO = 2;
export const HS_FINISHED = 20;
export const HS_KEY_UPDATE = 24;
const KEPT = new Set([HS_CLIENT_HELLO, HS_SERVER_HELLO, HS_FINISHED, HS_KEY_UPDATE]);

export interface HandshakeMessage {
  readonly type: number;
  /** The body for the kept types; null for one that was counted past. */
  readonly body: Uint8Array | null;
}

export class HandshakeFramer {
  private header = new Uint8Array(4);
  private headerHave = 0;
  private type = 0;
  private remaining = 0;
  private body: Uint8Array | null = null;
  private bodyHave = 0;
  private broken = false;

  /** Feeds handshake-protocol bytes; a message too large to keep is malformed (returned as `malformed`). */
  push(data: Uint8Array): { messages: HandshakeMessage[]; malformed: string | null } {
    const messages: HandshakeMessage[] = [];
    let pos = 0;
    while (!this.broken && pos < data.length) {
      if (this.headerHave < 4) {
        const n = Math.min(4 - this.headerHave, data.length - pos);
        this.header.set(data.subarray(pos, pos + n), this.headerHave);
        this.headerHave += n;
        pos += n;
        if (this.headerHave < 4) break;
        const h = this.header;
        this.type = h[0]!;
        this.remaining = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
        if (KEPT.has(this.type)) {
          if (this.remaining > TLS_HANDSHAKE_MAX_KEPT) {
            this.broken = true;
            return {
              messages,
              malformed: `a TLS handshake message (type ${this.type}) claims ${this.remaining} octets`,
            };
          }
          this.body = new Uint8Array(this.remaining);
          this.bodyHave = 0;
        } else {
          this.body = null;
        }
      }
      const n = Math.min(this.remaining, data.length - pos);
      if (this.body) this.body.set(data.subarray(pos, pos + n), this.bodyHave);
      this.bodyHave += n;
      this.remaining -= n;
      pos += n;
      if (this.remaining === 0) {
        messages.push({ type: this.type, body: this.body });
        this.headerHave = 0;
        this.body = null;
      }
    }
    return { messages, malformed: null };
  }
}

/** A bounds-checked reader: every read past the end returns null instead of throwing. */
class Reader {
  private pos = 0;
  constructor(private readonly b: Uint8Array) {}
  bytes(n: number): Uint8Array | null {
    if (n < 0 || this.pos + n > this.b.length) return null;
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(): number | null {
    const v = this.bytes(1);
    return v ? v[0]! : null;
  }
  u16(): number | null {
    const v = this.bytes(2);
    return v ? (v[0]! << 8) | v[1]! : null;
  }
  /** A vector with an n-byte length prefix. */
  vec(lenBytes: 1 | 2): Uint8Array | null {
    const len = lenBytes === 1 ? this.u8() : this.u16();
    return len === null ? null : this.bytes(len);
  }
  get left(): number {
    return this.b.length - this.pos;
  }
}

/** Extensions as type → data; null when the block is malformed. An absent block is an empty map. */
function extensions(r: Reader): Map<number, Uint8Array> | null {
  const map = new Map<number, Uint8Array>();
  if (r.left === 0) return map;
  const block = r.vec(2);
  if (!block) return null;
  const e = new Reader(block);
  while (e.left > 0) {
    const type = e.u16();
    const data = e.vec(2);
    if (type === null || !data) return null;
    if (!map.has(type)) map.set(type, data);
  }
  return map;
}

const EXT_SERVER_NAME = 0;
const EXT_EARLY_DATA = 42;
const EXT_SUPPORTED_VERSIONS = 43;

export interface ClientHello {
  readonly random: Uint8Array;
  /** The host_name of the server_name extension, or null when the client sent none. */
  readonly sni: string | null;
  /** The client offered 0-RTT early data. */
  readonly earlyData: boolean;
}

/** Parses a ClientHello body; null when malformed. */
export function parseClientHello(body: Uint8Array): ClientHello | null {
  const r = new Reader(body);
  if (r.u16() === null) return null;
  const random = r.bytes(32);
  if (!random || !r.vec(1) || !r.vec(2) || !r.vec(1)) return null;
  const ext = extensions(r);
  if (!ext) return null;
  let sni: string | null = null;
  const sn = ext.get(EXT_SERVER_NAME);
  if (sn) {
    const list = new Reader(new Reader(sn).vec(2) ?? new Uint8Array(0));
    while (list.left > 0 && sni === null) {
      const kind = list.u8();
      const name = list.vec(2);
      if (kind === null || !name) break;
      if (kind === 0) sni = Buffer.from(name).toString('latin1');
    }
  }
  return { random: Uint8Array.from(random), sni, earlyData: ext.has(EXT_EARLY_DATA) };
}

/** SHA-256("HelloRetryRequest"): the random a HelloRetryRequest carries (RFC 8446 §4.1.3). */
const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

export interface ServerHello {
  readonly random: Uint8Array;
  /** The negotiated version: supported_versions when present (TLS 1.3), else legacy_version. */
  readonly version: number;
  readonly suite: number;
  readonly helloRetryRequest: boolean;
}

/** Parses a ServerHello body; null when malformed. */
export function parseServerHello(body: Uint8Array): ServerHello | null {
  const r = new Reader(body);
  const legacy = r.u16();
  const random = r.bytes(32);
  if (legacy === null || !random || !r.vec(1)) return null;
  const suite = r.u16();
  if (suite === null || r.u8() === null) return null;
  const ext = extensions(r);
  if (!ext) return null;
  const sv = ext.get(EXT_SUPPORTED_VERSIONS);
  const version = sv && sv.length === 2 ? (sv[0]! << 8) | sv[1]! : legacy;
  return {
    random: Uint8Array.from(random),
    version,
    suite,
    helloRetryRequest: Buffer.from(random).equals(HRR_RANDOM),
  };
}

const ALERTS: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  22: 'record_overflow',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  100: 'no_renegotiation',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

/** An alert description's RFC name ("handshake_failure"), or "alert N" for one without. */
export function alertName(code: number): string {
  return ALERTS[code] ?? `alert ${code}`;
}

/** An alert level's name: "warning" (1), "fatal" (2), else "level N". */
export function alertLevel(level: number): string {
  return level === 1 ? 'warning' : level === 2 ? 'fatal' : `level ${level}`;
}
