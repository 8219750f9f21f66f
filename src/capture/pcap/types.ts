/**
 * The types the packet-capture pipeline's stages hand each other: file blocks → packets → TCP segments →
 * per-connection byte streams → capture records. Every stage is sans-IO (objects in, objects out), so a test
 * drives each alone, and the file is read as a stream (memory stays bounded whatever its size).
 */

/** A problem with a packet capture file: the message is one line, fit for stderr. */
export class PcapError extends Error {}

/** One captured packet as the file holds it. */
export interface Packet {
  /** Capture time in milliseconds since 1970 (fractional: µs/ns resolution is kept as the fraction). */
  readonly t: number;
  /** LINKTYPE_* of the packet's interface (1 Ethernet, 0 BSD null, 101 raw, 113 SLL, 276 SLL2, ...). */
  readonly linkType: number;
  /** The captured bytes (may be shorter than the packet was: snap length). */
  readonly data: Uint8Array;
  /** The packet's length on the wire. */
  readonly originalLength: number;
  /** pcapng interface id (0 for classic pcap). */
  readonly interfaceId: number;
}

/** An address and port; `address` is dotted IPv4 or RFC 5952 IPv6 text (as node:net prints them). */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export interface TcpFlags {
  readonly syn: boolean;
  readonly ack: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
}

/** One TCP segment taken out of a packet. */
export interface TcpSegment {
  readonly t: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly ipVersion: 4 | 6;
  /** Sequence and acknowledgement numbers, unsigned 32-bit. */
  readonly seq: number;
  readonly ack: number;
  readonly flags: TcpFlags;
  /** The payload bytes the capture holds. */
  readonly payload: Uint8Array;
  /**
   * The payload length TCP carried (from the IP length). Larger than payload.length when the capture's snap
   * length cut the packet: the missing tail is a gap, never invented.
   */
  readonly payloadLength: number;
}

/** What decodePacket made of a packet: a TCP segment, or why it is not one (not TCP, a fragment, truncated). */
export type Decoded =
  | { readonly kind: 'tcp'; readonly segment: TcpSegment }
  | { readonly kind: 'skip'; readonly why: string };

export type StreamDir = 'c2s' | 's2c';

/** A connection's identity: "clientaddr|clientport|serveraddr|serverport" (stable, unique per 4-tuple use). */
export type ConnectionId = string;

/** What TcpReassembler makes of the segments: each connection's two byte streams, in capture time order. */
export type StreamEvent =
  | {
      readonly type: 'open';
      readonly conn: ConnectionId;
      readonly t: number;
      readonly client: Endpoint;
      readonly server: Endpoint;
      /** No SYN was captured: the stream starts somewhere in the middle. */
      readonly midStream: boolean;
    }
  | {
      readonly type: 'data';
      readonly conn: ConnectionId;
      readonly dir: StreamDir;
      readonly t: number;
      readonly bytes: Uint8Array;
    }
  /** `octets` of this direction's stream were not captured (they are not in any data event). */
  | {
      readonly type: 'gap';
      readonly conn: ConnectionId;
      readonly dir: StreamDir;
      readonly t: number;
      readonly octets: number;
      readonly why: string;
    }
  /** A retransmission carried different bytes than the first copy (the first copy was kept). */
  | {
      readonly type: 'conflict';
      readonly conn: ConnectionId;
      readonly dir: StreamDir;
      readonly t: number;
      readonly octets: number;
    }
  | {
      readonly type: 'close';
      readonly conn: ConnectionId;
      readonly t: number;
      /** Who ended it first (sent the first FIN or RST), or null when the capture just ends. */
      readonly by: 'client' | 'server' | null;
      readonly how: 'fin' | 'rst' | 'capture-end';
    };
