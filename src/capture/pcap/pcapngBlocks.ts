/**
 * pcapng blocks as the writer emits them (draft-ietf-opsawg-pcapng): Section Header, Interface Description and
 * Enhanced Packet blocks, little-endian, each a multiple of 4 octets with its total length at both ends.
 * Sans-IO: values in, bytes out.
 */
import { PcapError } from './types.js';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_EPB = 0x00000006;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const SHB_USERAPPL = 4;
export const IF_TSRESOL = 9;

/** An option's value length is a 16-bit field. */
export const MAX_OPTION_VALUE = 0xffff;

export interface BlockOption {
  readonly code: number;
  readonly value: Uint8Array;
}

const pad4 = (n: number): number => (n + 3) & ~3;
const utf8 = new TextEncoder();

/**
 * opt_comment options for a text: UTF-8, no terminating NUL. A text longer than one option holds is split at
 * character boundaries into several comments (pcapng allows any number per block), never dropped.
 */
export function commentOptions(text: string): BlockOption[] {
  const bytes = utf8.encode(text);
  const out: BlockOption[] = [];
  let at = 0;
  while (at < bytes.length) {
    let end = Math.min(at + MAX_OPTION_VALUE, bytes.length);
    // Back up over UTF-8 continuation bytes (10xxxxxx) so a character is never cut in two.
    if (end < bytes.length) while (end > at && (bytes[end]! & 0xc0) === 0x80) end--;
    out.push({ code: OPT_COMMENT, value: bytes.subarray(at, end) });
    at = end;
  }
  return out;
}

export function stringOption(code: number, text: string): BlockOption[] {
  const value = utf8.encode(text);
  if (value.length > MAX_OPTION_VALUE) throw new PcapError(`pcapng option ${code} is too long`);
  return [{ code, value }];
}

function optionsLength(options: readonly BlockOption[]): number {
  if (options.length === 0) return 0;
  let n = 4; // opt_endofopt
  for (const o of options) n += 4 + pad4(o.value.length);
  return n;
}

function writeOptions(out: Uint8Array, v: DataView, at: number, options: readonly BlockOption[]): number {
  if (options.length === 0) return at;
  let p = at;
  for (const o of options) {
    v.setUint16(p, o.code, true);
    v.setUint16(p + 2, o.value.length, true);
    out.set(o.value, p + 4);
    p += 4 + pad4(o.value.length);
  }
  v.setUint32(p, OPT_ENDOFOPT, true); // code 0, length 0
  return p + 4;
}

/** A block: type, total length, `body` (already padded), options, total length again. */
function block(type: number, body: Uint8Array, options: readonly BlockOption[]): Uint8Array {
  const total = 12 + body.length + optionsLength(options);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  out.set(body, 8);
  writeOptions(out, v, 8 + body.length, options);
  v.setUint32(total - 4, total, true);
  return out;
}

/** Section Header Block, version 1.0, section length unknown (-1: the file is written as a stream). */
export function sectionHeaderBlock(options: readonly BlockOption[]): Uint8Array {
  const body = new Uint8Array(16);
  const v = new DataView(body.buffer);
  v.setUint32(0, BYTE_ORDER_MAGIC, true);
  v.setUint16(4, 1, true);
  v.setUint16(6, 0, true);
  v.setBigInt64(8, -1n, true);
  return block(BLOCK_SHB, body, options);
}

export function interfaceDescriptionBlock(
  linkType: number,
  snapLength: number,
  options: readonly BlockOption[],
): Uint8Array {
  const body = new Uint8Array(8);
  const v = new DataView(body.buffer);
  v.setUint16(0, linkType, true);
  v.setUint32(4, snapLength, true);
  return block(BLOCK_IDB, body, options);
}

/**
 * Enhanced Packet Block: `timestamp` in the interface's units (a non-negative integer below 2^53), the whole
 * packet captured (captured length = original length).
 */
export function enhancedPacketBlock(
  interfaceId: number,
  timestamp: number,
  packet: Uint8Array,
  options: readonly BlockOption[],
): Uint8Array {
  const body = new Uint8Array(20 + pad4(packet.length));
  const v = new DataView(body.buffer);
  v.setUint32(0, interfaceId, true);
  v.setUint32(4, Math.floor(timestamp / 2 ** 32), true);
  v.setUint32(8, timestamp % 2 ** 32, true);
  v.setUint32(12, packet.length, true);
  v.setUint32(16, packet.length, true);
  body.set(packet, 20);
  return block(BLOCK_EPB, body, options);
}
