/**
 * decodePacket on hand-built packets: every link type, VLAN stacks, IPv4 options, padding, fragments, IPv6
 * extension headers, snap-length truncation, and IPv6 text exactly as node:net writes it. Any bytes give a
 * result, never an exception.
 */
import { SocketAddress } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv6Text } from '../../../src/capture/pcap/decodeIp.js';
import { decodePacket } from '../../../src/capture/pcap/link.js';
import type { Decoded, Packet, TcpSegment } from '../../../src/capture/pcap/types.js';
import { concat, ethernet, fields, ipv4, ipv6, sll, sll2, type TcpSpec, tcp, text, v6 } from './build.js';

const packet = (linkType: number, data: Uint8Array, originalLength = data.length): Packet => ({
  t: 1234.5,
  linkType,
  data,
  originalLength,
  interfaceId: 0,
});

function segment(d: Decoded): TcpSegment {
  if (d.kind !== 'tcp') throw new Error(`expected a TCP segment, got skip: ${d.why}`);
  return d.segment;
}

const why = (d: Decoded) => (d.kind === 'skip' ? d.why : 'tcp');
const payloadText = (s: TcpSegment) => Buffer.from(s.payload).toString();

const HELLO = text('+OK POP3 ready\r\n');
const seg: TcpSpec = {
  sport: 110,
  dport: 54321,
  seq: 0xfffffff0,
  ack: 0x80000001,
  flags: 0x18,
  payload: HELLO,
};

describe('decodePacket', () => {
  it('reads TCP over IPv4 over Ethernet: ports, unsigned seq/ack, flags, payload', () => {
    const s = segment(
      decodePacket(packet(1, ethernet(0x0800, ipv4(tcp(seg), { src: '192.168.1.10', dst: '10.1.2.3' })))),
    );
    expect(s).toEqual({
      t: 1234.5,
      src: { address: '192.168.1.10', port: 110 },
      dst: { address: '10.1.2.3', port: 54321 },
      ipVersion: 4,
      seq: 0xfffffff0,
      ack: 0x80000001,
      flags: { syn: false, ack: true, fin: false, rst: false },
      payload: HELLO,
      payloadLength: HELLO.length,
    });
  });

  it('reads the flags one by one, and TCP and IPv4 options', () => {
    for (const [bits, flags] of [
      [2, { syn: true, ack: false, fin: false, rst: false }],
      [0x12, { syn: true, ack: true, fin: false, rst: false }],
      [0x11, { syn: false, ack: true, fin: true, rst: false }],
      [4, { syn: false, ack: false, fin: false, rst: true }],
    ] as const) {
      const s = segment(
        decodePacket(
          packet(101, ipv4(tcp({ flags: bits, optionBytes: 12, payload: HELLO }), { optionBytes: 8 })),
        ),
      );
      expect(s.flags).toEqual(flags);
      expect(payloadText(s)).toBe('+OK POP3 ready\r\n');
    }
  });

  it('does not take Ethernet padding for payload: the IPv4 total length wins', () => {
    const frame = concat(ethernet(0x0800, ipv4(tcp({ flags: 0x10 }))), new Uint8Array(6)); // 54 → 60 bytes
    const s = segment(decodePacket(packet(1, frame)));
    expect(s.payload.length).toBe(0);
    expect(s.payloadLength).toBe(0);
  });

  it('keeps what a snap length cut, and says how long the payload was', () => {
    const frame = ethernet(0x0800, ipv4(tcp(seg)));
    const s = segment(decodePacket(packet(1, frame.subarray(0, frame.length - 5), frame.length)));
    expect(payloadText(s)).toBe('+OK POP3 re');
    expect(s.payloadLength).toBe(HELLO.length);
    expect(why(decodePacket(packet(1, frame.subarray(0, 14 + 20 + 10))))).toBe('truncated TCP header');
    expect(why(decodePacket(packet(1, frame.subarray(0, 14 + 12))))).toBe('truncated IPv4 header');
  });

  it('takes the captured length when IPv4 says 0 (segmentation offload)', () => {
    const s = segment(decodePacket(packet(1, ethernet(0x0800, ipv4(tcp(seg), { totalLength: 0 })))));
    expect(payloadText(s)).toBe('+OK POP3 ready\r\n');
  });

  it('reads through stacked VLAN tags', () => {
    const vlans: Array<[number, number]> = [
      [0x88a8, 100],
      [0x8100, 200],
    ];
    const s = segment(decodePacket(packet(1, ethernet(0x0800, ipv4(tcp(seg)), vlans))));
    expect(payloadText(s)).toBe('+OK POP3 ready\r\n');
    const s6 = segment(decodePacket(packet(1, ethernet(0x86dd, ipv6(tcp(seg)), [[0x8100, 7]]))));
    expect(s6.ipVersion).toBe(6);
  });

  it('reads BSD null in either byte order, OpenBSD loop, and the raw IP link types', () => {
    const ip4 = ipv4(tcp(seg));
    const ip6 = ipv6(tcp(seg));
    for (const le of [true, false]) {
      expect(segment(decodePacket(packet(0, concat(fields(le, [4, 2]), ip4)))).ipVersion).toBe(4);
      for (const af of [24, 28, 30]) {
        expect(segment(decodePacket(packet(0, concat(fields(le, [4, af]), ip6)))).ipVersion).toBe(6);
      }
    }
    expect(why(decodePacket(packet(0, concat(fields(true, [4, 17]), ip4))))).toBe(
      'not IP (address family 17)',
    );
    expect(segment(decodePacket(packet(108, concat(fields(false, [4, 24]), ip6)))).ipVersion).toBe(6);
    for (const lt of [101, 12, 14]) {
      expect(segment(decodePacket(packet(lt, ip4))).ipVersion).toBe(4);
      expect(segment(decodePacket(packet(lt, ip6))).ipVersion).toBe(6);
    }
    expect(segment(decodePacket(packet(228, ip4))).ipVersion).toBe(4);
    expect(segment(decodePacket(packet(229, ip6))).ipVersion).toBe(6);
    expect(why(decodePacket(packet(228, ip6)))).toBe('bad IP version 6 (IPv4 expected)');
  });

  it('reads Linux cooked SLL and SLL2', () => {
    expect(payloadText(segment(decodePacket(packet(113, sll(0x0800, ipv4(tcp(seg)))))))).toBe(
      '+OK POP3 ready\r\n',
    );
    expect(segment(decodePacket(packet(113, sll(0x86dd, ipv6(tcp(seg)))))).ipVersion).toBe(6);
    expect(payloadText(segment(decodePacket(packet(276, sll2(0x0800, ipv4(tcp(seg)))))))).toBe(
      '+OK POP3 ready\r\n',
    );
    expect(segment(decodePacket(packet(276, sll2(0x86dd, ipv6(tcp(seg)))))).ipVersion).toBe(6);
    expect(why(decodePacket(packet(276, sll2(0x0806, new Uint8Array(28)))))).toBe(
      'not IP (ethertype 0x0806)',
    );
  });

  it('reads IPv6 through hop-by-hop, routing and destination options headers', () => {
    const ext: Array<[number, number]> = [
      [0, 8],
      [43, 24],
      [60, 16],
    ];
    const s = segment(decodePacket(packet(1, ethernet(0x86dd, ipv6(tcp(seg), { ext })))));
    expect(s.src).toEqual({ address: 'fe80::1', port: 110 });
    expect(s.dst).toEqual({ address: '2001:db8::2', port: 54321 });
    expect(payloadText(s)).toBe('+OK POP3 ready\r\n');
    expect(s.payloadLength).toBe(HELLO.length);
    const padded = concat(ethernet(0x86dd, ipv6(tcp(seg), { ext })), new Uint8Array(4));
    expect(segment(decodePacket(packet(1, padded))).payload.length).toBe(HELLO.length);
  });

  it('skips fragments, non-TCP and non-IP, with a short reason', () => {
    expect(why(decodePacket(packet(101, ipv4(tcp(seg), { fragment: 0x2000 }))))).toBe('IPv4 fragment');
    expect(why(decodePacket(packet(101, ipv4(tcp(seg), { fragment: 0x0010 }))))).toBe('IPv4 fragment');
    expect(why(decodePacket(packet(101, ipv6(tcp(seg), { ext: [[44, 8]] }))))).toBe('IPv6 fragment');
    expect(why(decodePacket(packet(101, ipv4(new Uint8Array(8), { protocol: 17 }))))).toBe(
      'not TCP (IP protocol 17)',
    );
    expect(why(decodePacket(packet(101, ipv6(new Uint8Array(8), { next: 58 }))))).toBe(
      'not TCP (IPv6 next header 58)',
    );
    expect(why(decodePacket(packet(1, ethernet(0x0806, new Uint8Array(28)))))).toBe(
      'not IP (ethertype 0x0806)',
    );
    expect(why(decodePacket(packet(1, ethernet(46, new Uint8Array(46)))))).toBe('not IP (802.3 frame)');
    expect(why(decodePacket(packet(147, new Uint8Array(40))))).toBe('link type 147 is not read');
    expect(why(decodePacket(packet(101, Uint8Array.of(0x50, 0))))).toBe('not IP (version 5)');
  });

  it('skips a TCP data offset outside the segment', () => {
    const bad = tcp(seg);
    bad[12] = 0x40; // 16 bytes
    expect(why(decodePacket(packet(101, ipv4(bad))))).toBe('bad TCP data offset');
    bad[12] = 0xf0; // 60 bytes, more than the segment
    expect(why(decodePacket(packet(101, ipv4(bad.subarray(0, 40)))))).toBe('bad TCP data offset');
  });

  it('never throws on any bytes, whatever the link type', () => {
    const good = ethernet(0x0800, ipv4(tcp(seg)));
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 9999),
        fc.uint8Array({ maxLength: 120 }),
        fc.integer({ min: 0, max: good.length }),
        (linkType, junk, cut) => {
          decodePacket(packet(linkType, junk));
          const mangled = good.slice(0, cut);
          if (junk.length > 0) mangled[junk[0]! % Math.max(1, cut)] = junk[junk.length - 1]!;
          const d = decodePacket(packet(1, mangled));
          if (d.kind === 'tcp') expect(d.segment.payload.length).toBeLessThanOrEqual(d.segment.payloadLength);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('ipv6Text', () => {
  const node = (b: Uint8Array) => new SocketAddress({ address: ipv6Text(b, 0), family: 'ipv6' }).address;
  const nodeText = (groups: number[]) =>
    new SocketAddress({ address: groups.map((g) => g.toString(16)).join(':'), family: 'ipv6' }).address;

  it('writes the RFC 5952 forms node:net writes', () => {
    const cases: Array<[number[], string]> = [
      [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
      [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
      [[0xfe80, 0, 0, 0, 0, 0, 0, 1], 'fe80::1'],
      [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], '2001:db8::1:0:0:1'],
      [[1, 0, 1, 0, 1, 0, 1, 0], '1:0:1:0:1:0:1:0'],
      [[1, 0, 0, 0, 0, 0, 0, 0], '1::'],
      [[0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304], '::ffff:1.2.3.4'],
      [[0, 0, 0, 0, 0, 0, 0x0102, 0x0304], '::1.2.3.4'],
      [[0, 0, 0, 0, 0, 0, 0, 2], '::2'],
      [
        [0xabcd, 0xef01, 0x2345, 0x6789, 0xabcd, 0xef01, 0x2345, 0x6789],
        'abcd:ef01:2345:6789:abcd:ef01:2345:6789',
      ],
    ];
    for (const [groups, expected] of cases) {
      expect(ipv6Text(v6(...groups), 0)).toBe(expected);
      expect(nodeText(groups)).toBe(expected);
    }
  });

  it('agrees with node:net on random addresses rich in zero groups', () => {
    const group = fc.oneof(
      fc.constant(0),
      fc.constant(0),
      fc.constant(0xffff),
      fc.integer({ min: 0, max: 0xffff }),
    );
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const b = v6(...groups);
        expect(ipv6Text(b, 0)).toBe(nodeText(groups));
        expect(node(b)).toBe(ipv6Text(b, 0)); // and node reads it back unchanged
      }),
      { numRuns: 3000 },
    );
  });
});
