/**
 * A packet's link layer, down to its IP header: Ethernet (with stacked 802.1Q/802.1ad tags), BSD null and
 * OpenBSD loop, raw IP, Linux cooked (SLL and SLL2). What lies above is decodeIp's and decodeTcp's. Every read
 * is checked against the captured length: any bytes give a result, never an exception.
 */
import { decodeIp } from './decodeIp.js';
import type { Decoded, Packet } from './types.js';

const skip = (why: string): Decoded => ({ kind: 'skip', why });

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
/** 802.1Q, 802.1ad (QinQ) and the pre-standard QinQ tag: each adds 4 bytes before the real ethertype. */
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);

/** BSD address families as loopback headers write them: AF_INET is 2 everywhere, AF_INET6 differs per BSD. */
const AF_INET = 2;
const AF_INET6 = new Set([24, 28, 30]); // NetBSD/OpenBSD, FreeBSD, macOS

/** What a packet holds: a TCP segment over IPv4 or IPv6, or why not (one short phrase). */
export function decodePacket(p: Packet): Decoded {
  const d = p.data;
  switch (p.linkType) {
    case 1: // Ethernet: destination, source, ethertype
      return byEthertype(p, 12);
    case 0: {
      // BSD null: the address family in the capturing machine's byte order, which the file does not say
      if (d.length < 4) return skip('truncated loopback header');
      const le = (d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24)) >>> 0;
      return byFamily(p, le < 256 ? le : (d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!);
    }
    case 108: // OpenBSD loop: the same header, always in network byte order
      if (d.length < 4) return skip('truncated loopback header');
      return byFamily(p, ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0);
    case 101:
    case 12:
    case 14: // raw IP (12 and 14 are DLT_RAW on some systems): the version nibble says which
      return decodeIp(p, 0, 0);
    case 228:
      return decodeIp(p, 0, 4);
    case 229:
      return decodeIp(p, 0, 6);
    case 113: // Linux cooked v1: packet type, ARPHRD type, address length, 8 address bytes, protocol
      return byEthertype(p, 14);
    case 276: // Linux cooked v2 (tcpdump -i any): protocol first, then the rest in 18 bytes
      if (d.length < 20) return skip('truncated SLL2 header');
      return byEthertype(p, 0, 20);
    default:
      return skip(`link type ${p.linkType} is not read`);
  }
}

function byFamily(p: Packet, family: number): Decoded {
  if (family === AF_INET) return decodeIp(p, 4, 4);
  if (AF_INET6.has(family)) return decodeIp(p, 4, 6);
  return skip(`not IP (address family ${family})`);
}

/** The ethertype at `at`, then (VLAN tags aside) the network header at `next`, by default just after it. */
function byEthertype(p: Packet, at: number, next = at + 2): Decoded {
  const d = p.data;
  for (;;) {
    if (at + 2 > d.length) return skip('truncated link header');
    const type = (d[at]! << 8) | d[at + 1]!;
    if (VLAN_TAGS.has(type)) {
      // a tag: 2 bytes of priority and VLAN id, then the next ethertype
      at = next + 2;
      next = at + 2;
      continue;
    }
    if (type === ETHERTYPE_IPV4) return decodeIp(p, next, 4);
    if (type === ETHERTYPE_IPV6) return decodeIp(p, next, 6);
    return skip(
      type <= 1500 ? 'not IP (802.3 frame)' : `not IP (ethertype 0x${type.toString(16).padStart(4, '0')})`,
    );
  }
}
