/**
 * Masking of secrets. A secret is replaced byte for byte — ASCII bytes by '*', other bytes by 0xAA — so a
 * masked line keeps its length (chunk sizes and timing in captures stay true) and still tells whether the
 * secret held non-ASCII bytes, a common cause of failed logins. The non-ASCII mask must itself be non-ASCII:
 * then masking is idempotent (an ASCII '#' in a password can never be mistaken for a masked non-ASCII byte),
 * and the engine, which parses the masked form only, shows a live session and the replay of its capture
 * exactly alike.
 */
import { counted } from '../words.js';

const STAR = 0x2a;
const CR = 0x0d;
/** The mask of a non-ASCII byte. Not valid UTF-8 on its own, so a capture stores such chunks as base64. */
export const NON_ASCII_MASK = 0xaa;

/**
 * Masks every byte of `bytes` in place, except CR. A bare CR inside a line is a conformance fact the engine
 * reports (POP3_BARE_LINE_ENDING); keeping it lets the replay of a capture report exactly what the live
 * session did, at the cost of showing where in a secret a CR sat.
 */
export function maskInPlace(bytes: Uint8Array, from = 0, to = bytes.length): void {
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    if (b !== CR) bytes[i] = b < 0x80 ? STAR : NON_ASCII_MASK;
  }
}

/** A masked copy of `bytes`. */
export function masked(bytes: Uint8Array): Buffer {
  const copy = Buffer.from(bytes);
  maskInPlace(copy);
  return copy;
}

/** True when every byte is a mask byte (or a kept CR): the value was redacted (here or before it was stored). */
export function isMasked(bytes: Uint8Array): boolean {
  let mask = false;
  for (const b of bytes) {
    if (b === STAR || b === NON_ASCII_MASK) mask = true;
    else if (b !== CR) return false;
  }
  return mask;
}

/** How a redacted value is shown: its length and whether it held non-ASCII bytes, never the value. */
export function describeRedacted(maskedBytes: Uint8Array): string {
  const nonAscii = maskedBytes.includes(NON_ASCII_MASK);
  return `<redacted ${counted(maskedBytes.length, 'octet')}${nonAscii ? ', non-ASCII' : ''}>`;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 (RFC 4648 with padding), as SASL in POP3 requires (RFC 5034 §4). */
export function decodeBase64(text: string): Buffer | null {
  if (!BASE64.test(text)) return null;
  return Buffer.from(text, 'base64');
}

/**
 * Masks a base64 SASL blob: decodes it, lets `maskDecoded` mask the secret part of the decoded bytes, and
 * re-encodes. The result has the original length; when that cannot be had (invalid or non-canonical base64)
 * the whole blob is masked, which the display then reports as redacted.
 */
export function maskBase64Blob(blob: Buffer, maskDecoded: (decoded: Buffer) => void): Buffer {
  const text = blob.toString('latin1');
  if (text === '*' || text === '=' || text === '') return blob;
  const decoded = decodeBase64(text);
  // A one-byte blob masked to '*' would read as a cancel on replay: it gets the non-ASCII mask instead.
  // (A lone CR stays: masking keeps CRs, so the replay sees the same bare CR.)
  if (!decoded) return blob.length === 1 && blob[0] !== CR ? Buffer.from([NON_ASCII_MASK]) : masked(blob);
  maskDecoded(decoded);
  const again = Buffer.from(decoded.toString('base64'), 'latin1');
  return again.length === blob.length ? again : masked(blob);
}
