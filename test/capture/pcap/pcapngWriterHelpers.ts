/**
 * An independent, deliberately plain reader of what PcapngWriter writes, for its tests: blocks (checking the
 * framing of each), Enhanced Packet Blocks' packets and comments, and the IPv4/IPv6 + TCP headers in them.
 * It shares no code with the writer, so a mistake in one is not repeated in the other.
 */
import { expect } from 'vitest';

export interface Block {
  type: number;
  /** The bytes between the leading length and the trailing one. */
  body: Uint8Array;
}

/** Every block of a little-endian pcapng file; fails the test on broken framing. */
export function blocks(file: Uint8Array): Block[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Block[] = [];
  let at = 0;
  while (at < file.length) {
    expect(file.length - at).toBeGreaterThanOrEqual(12);
    const type = v.getUint32(at, true);
    const length = v.getUint32(at + 4, true);
    expect(length % 4, `block at ${at}: length ${length} not a multiple of 4`).toBe(0);
    expect(at + length).toBeLessThanOrEqual(file.length);
    expect(v.getUint32(at + length - 4, true), `block at ${at}: trailing length`).toBe(length);
    out.push({ type, body: file.subarray(at + 8, at + length - 4) });
    at += length;
  }
  return out;
}

/** Options from `at` in `body` (code, value) up to opt_endofopt; fails on bad padding or overrun. */
export function options(body: Uint8Array, at: number): Array<{ code: number; value: Uint8Array }> {
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out: Array<{ code: number; value: Uint8Array }> = [];
  let p = at;
  if (p === body.length) return out;
  for (;;) {
    const code = v.getUint16(p, true);
    const len = v.getUint16(p + 2, true);
    if (code === 0) {
      expect(len).toBe(0);
      expect(p + 4, 'opt_endofopt ends the block').toBe(body.length);
      return out;
    }
    const padded = (len + 3) & ~3;
    expect(p + 4 + padded).toBeLessThanOrEqual(body.length);
    for (let i = p + 4 + len; i < p + 4 + padded; i++) expect(body[i], 'option padding is zero').toBe(0);
    out.push({ code, value: body.subarray(p + 4, p + 4 + len) });
    p += 4 + padded;
  }
}

export interface Pkt {
  /** Microseconds (the writer's if_tsresol 6). */
  ts: number;
  comments: string[];
  ip: 4 | 6;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  ipId: number;
  payload: Uint8Array;
  raw: Uint8Array;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The packets of every EPB of a file (headers decoded; comments as text). */
export function packets(file: Uint8Array): Pkt[] {
  const out: Pkt[] = [];
  for (const b of blocks(file)) {
    if (b.type !== 6) continue;
    const v = new DataView(b.body.buffer, b.body.byteOffset, b.body.byteLength);
    const ts = v.getUint32(4, true) * 2 ** 32 + v.getUint32(8, true);
    const caplen = v.getUint32(12, true);
    expect(v.getUint32(16, true)).toBe(caplen);
    const raw = b.body.subarray(20, 20 + caplen);
    const comments = options(b.body, 20 + ((caplen + 3) & ~3)).map((o) => {
      expect(o.code).toBe(1);
      return Buffer.from(o.value).toString('utf8');
    });
    const r = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const ip = (raw[0]! >> 4) as 4 | 6;
    const ipHeader = ip === 4 ? 20 : 40;
    const src = ip === 4 ? [...raw.subarray(12, 16)].join('.') : hex(raw.subarray(8, 24));
    const dst = ip === 4 ? [...raw.subarray(16, 20)].join('.') : hex(raw.subarray(24, 40));
    const tcp = raw.subarray(ipHeader);
    const t = new DataView(tcp.buffer, tcp.byteOffset, tcp.byteLength);
    const dataOffset = (tcp[12]! >> 4) * 4;
    out.push({
      ts,
      comments,
      ip,
      src,
      dst,
      sport: t.getUint16(0),
      dport: t.getUint16(2),
      seq: t.getUint32(4),
      ack: t.getUint32(8),
      flags: tcp[13]!,
      window: t.getUint16(14),
      ipId: ip === 4 ? r.getUint16(4) : -1,
      payload: tcp.subarray(dataOffset),
      raw,
    });
  }
  return out;
}

/** RFC 1071 the obvious way: 16-bit words of the parts laid end to end, carries folded at the end. */
export function plainChecksum(...parts: Uint8Array[]): number {
  const all = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += all[i]! * 256 + (all[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/** True when the packet's IPv4 header checksum and its TCP checksum both verify (sum to 0xffff). */
export function checksumsGood(p: Pkt): boolean {
  const raw = p.raw;
  const ipHeader = p.ip === 4 ? 20 : 40;
  const tcp = raw.subarray(ipHeader);
  const len = tcp.length;
  const pseudo =
    p.ip === 4
      ? Uint8Array.of(...raw.subarray(12, 20), 0, 6, len >> 8, len & 0xff)
      : Uint8Array.of(...raw.subarray(8, 40), 0, 0, len >> 8, len & 0xff, 0, 0, 0, 6);
  const ipOk = p.ip === 6 || plainChecksum(raw.subarray(0, 20)) === 0xffff;
  return ipOk && plainChecksum(pseudo, tcp) === 0xffff;
}

/** Byte equality without vitest's element-by-element diffing (slow on 100 KB arrays). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

export const concat = (parts: readonly Uint8Array[]): Uint8Array => Buffer.concat(parts);
export const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');
