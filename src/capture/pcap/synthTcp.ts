/**
 * Synthetic IPv4/IPv6 + TCP packets for the pcapng writer: address text to bytes, headers with correct
 * checksums (IPv4 header, TCP over the pseudo header), so that Wireshark's checksum validation says "good".
 * Sans-IO: numbers and bytes in, one raw IP packet (LINKTYPE_RAW) out.
 */
import { PcapError } from './types.js';

export interface IpAddress {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

/** Largest TCP payload one packet carries: IPv4's total length (20 IP + 20 TCP within 65535). */
export const MAX_PAYLOAD_V4 = 65535 - 20 - 20;
/** IPv6's payload length counts the TCP header but not the 40-byte IPv6 header. */
export const MAX_PAYLOAD_V6 = 65535 - 20;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(text: string): Uint8Array | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return Uint8Array.from(octets);
}

/** The 16-bit groups of one side of "::" (each 1–4 hex digits; the last may be dotted IPv4). */
function groups(part: string, allowV4Tail: boolean): number[] | undefined {
  if (part === '') return [];
  const out: number[] = [];
  const pieces = part.split(':');
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (allowV4Tail && i === pieces.length - 1 && p.includes('.')) {
      const v4 = parseIpv4(p);
      if (!v4) return undefined;
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
      out.push(Number.parseInt(p, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let words: number[];
  if (halves.length === 2) {
    const head = groups(halves[0]!, false);
    const tail = groups(halves[1]!, true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = groups(text, true);
    if (all?.length !== 8) return undefined;
    words = all;
  }
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

/**
 * An address as node:net prints it (dotted IPv4, RFC 5952 IPv6). Brackets and an IPv6 zone ("%lo") are
 * tolerated, since neither can be written into a packet header and both are common in text. Anything else
 * (a host name) is a PcapError: the caller maps names to addresses first.
 */
export function parseAddress(text: string): IpAddress {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const v4 = parseIpv4(t);
  if (v4) return { family: 4, bytes: v4 };
  const zone = t.indexOf('%');
  const v6 = t.includes(':') ? parseIpv6(zone === -1 ? t : t.slice(0, zone)) : undefined;
  if (v6) return { family: 6, bytes: v6 };
  throw new PcapError(
    `cannot write packets for address ${JSON.stringify(text)}: not an IPv4 or IPv6 address`,
  );
}

const V4_MAPPED_PREFIX = '00000000000000000000ffff';

/**
 * The two ends of a session in one family: an IPv4-mapped IPv6 address ("::ffff:192.0.2.1", what a dual-stack
 * listener reports for an IPv4 client) is written as the IPv4 address when the other end is IPv4.
 */
export function sameFamily(a: IpAddress, b: IpAddress): [IpAddress, IpAddress] {
  const unmap = (x: IpAddress): IpAddress =>
    x.family === 6 && Buffer.from(x.bytes.subarray(0, 12)).toString('hex') === V4_MAPPED_PREFIX
      ? { family: 4, bytes: x.bytes.slice(12) }
      : x;
  if (a.family === b.family) return [a, b];
  return a.family === 6 ? [unmap(a), b] : [a, unmap(b)];
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** `s` folded to 16 bits with end-around carries (not complemented). */
function fold16(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/**
 * The ones' complement sum of `bytes` (big-endian 16-bit words) added to `sum`, folded to 16 bits. On a
 * little-endian machine an aligned run is summed as native words and byte-swapped once at the end (the sum
 * does not depend on byte order, RFC 1071 §2(B)): several times faster on a 64 KiB segment.
 */
function sum16(bytes: Uint8Array, sum: number): number {
  let s = sum;
  let i = 0;
  const n = bytes.length;
  if (LITTLE_ENDIAN && (bytes.byteOffset & 1) === 0 && n >= 32) {
    const words = new Uint16Array(bytes.buffer, bytes.byteOffset, n >> 1);
    let native = 0;
    // A packet is under 64 KiB: its words sum far below 2^53, so the sum stays exact.
    for (let k = 0; k < words.length; k++) native += words[k]!;
    const folded = fold16(native);
    s += ((folded & 0xff) << 8) | (folded >> 8);
    i = n & ~1;
  }
  for (; i + 1 < n; i += 2) s += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < n) s += bytes[i]! << 8;
  return fold16(s);
}

function fold(sum: number): number {
  return ~fold16(sum) & 0xffff;
}

/** The Internet checksum (RFC 1071) of the concatenation of `parts`; each part but the last has even length. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let s = 0;
  for (const p of parts) s = sum16(p, s);
  return fold(s);
}

export interface TcpPacketSpec {
  readonly src: IpAddress;
  readonly dst: IpAddress;
  readonly srcPort: number;
  readonly dstPort: number;
  /** Unsigned 32-bit. */
  readonly seq: number;
  readonly ack: number;
  /** TCP_* bits. */
  readonly flags: number;
  readonly window: number;
  /** IPv4 identification (ignored for IPv6). */
  readonly ipId: number;
  readonly payload: Uint8Array;
  /** Maximum segment size option, for SYNs. */
  readonly mss?: number;
}

const TTL = 64;
const PROTO_TCP = 6;

/** The ones' complement sum of the pseudo header TCP's checksum covers (RFC 9293 §3.1, RFC 8200 §8.1). */
function pseudoHeaderSum(p: TcpPacketSpec, tcpLength: number): number {
  const addresses = sum16(p.dst.bytes, sum16(p.src.bytes, 0));
  // IPv4: zero, protocol, 16-bit TCP length. IPv6: 32-bit length, three zeros, next header.
  const rest = p.src.family === 4 ? [0, PROTO_TCP, tcpLength] : [0, tcpLength, 0, PROTO_TCP];
  const words = Uint8Array.of(...rest.flatMap((n) => [n >> 8, n & 0xff]));
  return sum16(words, addresses);
}

/** One raw IP packet (IPv4 with DF, or IPv6) carrying one TCP segment, built in a single buffer. */
export function tcpPacket(p: TcpPacketSpec): Uint8Array {
  if (p.src.family !== p.dst.family) {
    throw new PcapError('cannot write a packet between an IPv4 and an IPv6 address');
  }
  const tcpHeader = 20 + (p.mss === undefined ? 0 : 4);
  const tcpLength = tcpHeader + p.payload.length;
  const ipHeader = p.src.family === 4 ? 20 : 40;
  if (tcpLength > 65535 - (p.src.family === 4 ? 20 : 0)) {
    throw new PcapError(`a TCP segment of ${tcpLength} octets does not fit in one IP packet`);
  }
  const out = new Uint8Array(ipHeader + tcpLength);
  const v = new DataView(out.buffer);
  if (p.src.family === 4) {
    v.setUint8(0, 0x45);
    v.setUint16(2, out.length);
    v.setUint16(4, p.ipId & 0xffff);
    v.setUint16(6, 0x4000); // DF, no fragment offset
    v.setUint8(8, TTL);
    v.setUint8(9, PROTO_TCP);
    out.set(p.src.bytes, 12);
    out.set(p.dst.bytes, 16);
    v.setUint16(10, internetChecksum(out.subarray(0, 20)));
  } else {
    v.setUint32(0, 0x60000000); // version 6, traffic class 0, flow label 0
    v.setUint16(4, tcpLength);
    v.setUint8(6, PROTO_TCP);
    v.setUint8(7, TTL);
    out.set(p.src.bytes, 8);
    out.set(p.dst.bytes, 24);
  }
  const t = ipHeader;
  v.setUint16(t, p.srcPort);
  v.setUint16(t + 2, p.dstPort);
  v.setUint32(t + 4, p.seq >>> 0);
  v.setUint32(t + 8, p.ack >>> 0);
  v.setUint8(t + 12, (tcpHeader / 4) << 4);
  v.setUint8(t + 13, p.flags);
  v.setUint16(t + 14, p.window);
  if (p.mss !== undefined) {
    v.setUint8(t + 20, 2); // kind: maximum segment size
    v.setUint8(t + 21, 4);
    v.setUint16(t + 22, p.mss);
  }
  out.set(p.payload, t + tcpHeader);
  v.setUint16(t + 16, fold(sum16(out.subarray(t), pseudoHeaderSum(p, tcpLength))));
  return out;
}
