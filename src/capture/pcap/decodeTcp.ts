/** The TCP layer of a packet: ports, sequence numbers, flags and the payload, from the TCP header on. */
import type { Decoded, Packet } from './types.js';

const skip = (why: string): Decoded => ({ kind: 'skip', why });

const u32 = (d: Uint8Array, o: number) =>
  d[o]! * 0x1000000 + ((d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!);

/**
 * The TCP segment at `off`, captured up to `end`, `tcpLength` long by the IP header (more than end - off when
 * the capture's snap length cut it: the payload holds what was captured, payloadLength what was sent).
 */
export function decodeTcp(
  p: Packet,
  ipVersion: 4 | 6,
  srcAddress: string,
  dstAddress: string,
  off: number,
  end: number,
  tcpLength: number,
): Decoded {
  const d = p.data;
  if (tcpLength < 20) return skip('bad TCP length');
  if (off + 20 > end) return skip('truncated TCP header');
  const headerLength = (d[off + 12]! >> 4) * 4;
  if (headerLength < 20 || headerLength > tcpLength) return skip('bad TCP data offset');
  if (off + headerLength > end) return skip('truncated TCP header');
  const flags = d[off + 13]!;
  return {
    kind: 'tcp',
    segment: {
      t: p.t,
      src: { address: srcAddress, port: (d[off]! << 8) | d[off + 1]! },
      dst: { address: dstAddress, port: (d[off + 2]! << 8) | d[off + 3]! },
      ipVersion,
      seq: u32(d, off + 4),
      ack: u32(d, off + 8),
      flags: {
        fin: (flags & 1) !== 0,
        syn: (flags & 2) !== 0,
        rst: (flags & 4) !== 0,
        ack: (flags & 16) !== 0,
      },
      payload: d.subarray(off + headerLength, end),
      payloadLength: tcpLength - headerLength,
    },
  };
}
