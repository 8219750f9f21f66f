/**
 * The IP layer of a packet: IPv4 and IPv6 (with its extension headers), down to the TCP header. The IP length
 * is trusted over the captured length when it is shorter (Ethernet pads short frames: the padding is no
 * payload), and a captured length short of it (a snap length) leaves a gap for the reassembler to report.
 */
import { decodeTcp } from './decodeTcp.js';
import type { Decoded, Packet } from './types.js';

const skip = (why: string): Decoded => ({ kind: 'skip', why });

const TCP = 6;

/** The IP packet at `off`; `version` 4 or 6 says what the link layer announced, 0 lets the header say. */
export function decodeIp(p: Packet, off: number, version: 0 | 4 | 6): Decoded {
  const d = p.data;
  if (off >= d.length) return skip('truncated IP header');
  const v = d[off]! >> 4;
  if (version !== 0 && v !== version) return skip(`bad IP version ${v} (IPv${version} expected)`);
  if (v === 4) return ipv4(p, off);
  if (v === 6) return ipv6(p, off);
  return skip(`not IP (version ${v})`);
}

function ipv4(p: Packet, off: number): Decoded {
  const d = p.data;
  if (off + 20 > d.length) return skip('truncated IPv4 header');
  const headerLength = (d[off]! & 0x0f) * 4;
  if (headerLength < 20) return skip('bad IPv4 header length');
  if (off + headerLength > d.length) return skip('truncated IPv4 header');
  let total = (d[off + 2]! << 8) | d[off + 3]!;
  // 0 is what a sender's segmentation offload (TSO) leaves in packets captured before the NIC splits them
  if (total === 0) total = d.length - off;
  if (total < headerLength) return skip('bad IPv4 total length');
  // more-fragments flag or a fragment offset: a piece of a datagram (TCP hardly ever is)
  if ((((d[off + 6]! << 8) | d[off + 7]!) & 0x3fff) !== 0) return skip('IPv4 fragment');
  const protocol = d[off + 9]!;
  if (protocol !== TCP) return skip(`not TCP (IP protocol ${protocol})`);
  const src = `${d[off + 12]}.${d[off + 13]}.${d[off + 14]}.${d[off + 15]}`;
  const dst = `${d[off + 16]}.${d[off + 17]}.${d[off + 18]}.${d[off + 19]}`;
  const end = Math.min(d.length, off + total);
  return decodeTcp(p, 4, src, dst, off + headerLength, end, total - headerLength);
}

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AUTH = 51;
const NO_NEXT = 59;
const DEST_OPTIONS = 60;

function ipv6(p: Packet, off: number): Decoded {
  const d = p.data;
  if (off + 40 > d.length) return skip('truncated IPv6 header');
  let payloadLength = (d[off + 4]! << 8) | d[off + 5]!;
  // 0: a jumbogram or a segmentation-offload packet; its length is what was captured
  if (payloadLength === 0) payloadLength = d.length - off - 40;
  const end = Math.min(d.length, off + 40 + payloadLength);
  let next = d[off + 6]!;
  let at = off + 40;
  // Each extension header is at least 8 bytes long, so this ends within the packet's length.
  for (;;) {
    if (next === TCP) break;
    if (next === FRAGMENT) return skip('IPv6 fragment');
    if (next === NO_NEXT) return skip('not TCP (IPv6 no next header)');
    if (next !== HOP_BY_HOP && next !== ROUTING && next !== DEST_OPTIONS && next !== AUTH) {
      return skip(`not TCP (IPv6 next header ${next})`);
    }
    if (at + 2 > end) return skip('truncated IPv6 extension header');
    const length = next === AUTH ? (d[at + 1]! + 2) * 4 : (d[at + 1]! + 1) * 8;
    next = d[at]!;
    at += length;
  }
  const tcpLength = off + 40 + payloadLength - at;
  if (tcpLength < 0) return skip('bad IPv6 payload length');
  return decodeTcp(p, 6, ipv6Text(d, off + 8), ipv6Text(d, off + 24), at, end, tcpLength);
}

/**
 * The IPv6 address of the 16 bytes at `off` as node:net writes it (libuv's inet_ntop, RFC 5952): lower-case
 * hex without leading zeros, the first longest run of two or more zero groups as '::', and the last 32 bits in
 * dotted form for IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses.
 */
export function ipv6Text(d: Uint8Array, off: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((d[off + 2 * i]! << 8) | d[off + 2 * i + 1]!);
  let bestBase = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestBase = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestLength < 2) bestBase = -1;
  if (bestBase === 0 && (bestLength === 6 || (bestLength === 5 && words[5] === 0xffff))) {
    const v4 = `${d[off + 12]}.${d[off + 13]}.${d[off + 14]}.${d[off + 15]}`;
    return bestLength === 6 ? `::${v4}` : `::ffff:${v4}`;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestBase) {
      text += '::';
      i += bestLength - 1;
      continue;
    }
    if (i > 0 && i !== bestBase + bestLength) text += ':';
    text += words[i]!.toString(16);
  }
  return text;
}
