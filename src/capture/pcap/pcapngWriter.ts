/**
 * pop3scope sessions as a pcapng file that Wireshark and tshark read as POP3: each session becomes a
 * synthetic but valid TCP conversation (handshake, data segments with correct sequence and acknowledgement
 * numbers, FIN exchange) between its real addresses and ports, with its notes as packet comments.
 *
 * Sans-IO: each call returns the pcapng blocks of its packets; the caller writes them in order after header().
 * The writer keeps a few counters per open session and nothing else, so memory does not grow with the data.
 *
 * The file: one Section Header Block (its comments, shb_userappl), one interface with LINKTYPE_RAW (101: raw
 * IPv4 or IPv6, no link header), snap length 0 (no limit), if_tsresol 6 (microseconds).
 */
import { createHash } from 'node:crypto';
import { MAX_PENDING_NOTES } from './limits.js';
import {
  type BlockOption,
  commentOptions,
  enhancedPacketBlock,
  IF_TSRESOL,
  interfaceDescriptionBlock,
  SHB_USERAPPL,
  sectionHeaderBlock,
  stringOption,
} from './pcapngBlocks.js';
import {
  type IpAddress,
  MAX_PAYLOAD_V4,
  MAX_PAYLOAD_V6,
  parseAddress,
  sameFamily,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_SYN,
  tcpPacket,
} from './synthTcp.js';
import { type Endpoint, PcapError, type StreamDir } from './types.js';

export const LINKTYPE_RAW = 101;
/** Microseconds: the recorded times are milliseconds with a fraction finer than a µs only by float noise. */
export const TS_RESOLUTION_EXPONENT = 6;
/** The advertised window. No window scaling, so it is the real window Wireshark checks segments against. */
export const WINDOW = 65535;

export interface PcapngWriterOptions {
  /** Section header comments, one opt_comment each ("written by pop3scope 0.1.0", "passwords redacted"). */
  readonly comment?: readonly string[];
  /** shb_userappl: the application that wrote the file. */
  readonly userAppl?: string;
}

export interface OpenArgs {
  readonly t: number;
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** A comment on the SYN. */
  readonly comment?: string;
}

/** One end of a synthetic connection. */
interface Side {
  readonly addr: IpAddress;
  readonly port: number;
  /** The next sequence number this side sends. */
  seq: number;
  /** The highest of this side's sequence numbers the other side has acknowledged. */
  acked: number;
  /** The next IPv4 identification this side uses. */
  ipId: number;
}

interface Conn {
  readonly client: Side;
  readonly server: Side;
  readonly maxPayload: number;
  /** Notes waiting for the session's next packet (see comment()). */
  pending: string[];
}

const u32 = (n: number): number => n >>> 0;

/** 32 bits of SHA-256 over a label and the session name: random-looking, but the same on every run. */
function derived(label: string, session: string, offset: number): number {
  return createHash('sha256').update(`pop3scope pcapng ${label}\0${session}`).digest().readUInt32BE(offset);
}

function checkPort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PcapError(`cannot write packets: ${what} port ${String(port)} is not 0-65535`);
  }
  return port;
}

export class PcapngWriter {
  readonly #options: PcapngWriterOptions;
  readonly #conns = new Map<string, Conn>();

  constructor(options: PcapngWriterOptions = {}) {
    this.#options = options;
  }

  /** The Section Header Block and the one Interface Description Block: the file's first bytes. */
  header(): Uint8Array {
    const shbOptions: BlockOption[] = [];
    for (const line of this.#options.comment ?? []) shbOptions.push(...commentOptions(line));
    if (this.#options.userAppl !== undefined) {
      shbOptions.push(...stringOption(SHB_USERAPPL, this.#options.userAppl));
    }
    const shb = sectionHeaderBlock(shbOptions);
    const idb = interfaceDescriptionBlock(LINKTYPE_RAW, 0, [
      { code: IF_TSRESOL, value: Uint8Array.of(TS_RESOLUTION_EXPONENT) },
    ]);
    const out = new Uint8Array(shb.length + idb.length);
    out.set(shb, 0);
    out.set(idb, shb.length);
    return out;
  }

  /** SYN, SYN-ACK, ACK. A session already open is a PcapError (its sequence numbers would be reused). */
  open(session: string, a: OpenArgs): Uint8Array[] {
    if (this.#conns.has(session)) throw new PcapError(`session ${session} is opened twice`);
    const [clientAddr, serverAddr] = sameFamily(
      parseAddress(a.client.address),
      parseAddress(a.server.address),
    );
    if (clientAddr.family !== serverAddr.family) {
      throw new PcapError(
        `session ${session}: client ${a.client.address} and server ${a.server.address} are not both IPv4 or both IPv6`,
      );
    }
    const side = (addr: IpAddress, port: number, label: string): Side => {
      const isn = derived(`isn ${label}`, session, 0);
      return { addr, port, seq: isn, acked: isn, ipId: derived(`ipid ${label}`, session, 0) & 0xffff };
    };
    const conn: Conn = {
      client: side(clientAddr, checkPort(a.client.port, 'client'), 'client'),
      server: side(serverAddr, checkPort(a.server.port, 'server'), 'server'),
      maxPayload: clientAddr.family === 4 ? MAX_PAYLOAD_V4 : MAX_PAYLOAD_V6,
      pending: [],
    };
    const ts = timestamp(a.t);
    const mss = conn.maxPayload;
    const { client, server } = conn;
    const syn = this.#packet(conn, client, server, TCP_SYN, EMPTY, ts, a.comment, mss);
    client.seq = u32(client.seq + 1);
    const synAck = this.#packet(conn, server, client, TCP_SYN | TCP_ACK, EMPTY, ts, undefined, mss);
    server.seq = u32(server.seq + 1);
    const ack = this.#packet(conn, client, server, TCP_ACK, EMPTY, ts);
    this.#conns.set(session, conn);
    return [syn, synAck, ack];
  }

  /**
   * `bytes` sent in direction `dir`: PSH|ACK segments of at most the IP limit each (the comment on the first),
   * with a pure ACK from the receiver before a segment that would fill its window. No bytes: no packets (a
   * comment given with them is written as comment() would). Before open (or after close): PcapError, since
   * the bytes would otherwise be lost without a word.
   */
  data(session: string, dir: StreamDir, bytes: Uint8Array, t: number, comment?: string): Uint8Array[] {
    const conn = this.#conn(session, 'data');
    const ts = timestamp(t);
    if (bytes.length === 0) return comment === undefined ? [] : this.comment(session, t, comment);
    const [from, to] = dir === 'c2s' ? [conn.client, conn.server] : [conn.server, conn.client];
    const out: Uint8Array[] = [];
    let note = comment;
    for (let at = 0; at < bytes.length; at += conn.maxPayload) {
      const payload = bytes.subarray(at, Math.min(at + conn.maxPayload, bytes.length));
      // Wireshark flags a segment ending exactly at the window's edge: acknowledge first so none ever can.
      if (u32(from.seq - from.acked) + payload.length >= WINDOW) {
        out.push(this.#packet(conn, to, from, TCP_ACK, EMPTY, ts));
      }
      out.push(this.#packet(conn, from, to, TCP_PSH | TCP_ACK, payload, ts, note));
      from.seq = u32(from.seq + payload.length);
      note = undefined;
    }
    return out;
  }

  /**
   * FIN|ACK from `by`, FIN|ACK back, the last ACK; `comment` (the session's summary, its violations) on the
   * first FIN. The session's counters are dropped. A session not open: no packets (nothing is lost).
   */
  close(session: string, t: number, by: 'client' | 'server', comment?: string): Uint8Array[] {
    const conn = this.#conns.get(session);
    if (!conn) return [];
    const ts = timestamp(t);
    const [first, second] = by === 'client' ? [conn.client, conn.server] : [conn.server, conn.client];
    const fin = this.#packet(conn, first, second, TCP_FIN | TCP_ACK, EMPTY, ts, comment);
    first.seq = u32(first.seq + 1);
    const finBack = this.#packet(conn, second, first, TCP_FIN | TCP_ACK, EMPTY, ts);
    second.seq = u32(second.seq + 1);
    const last = this.#packet(conn, first, second, TCP_ACK, EMPTY, ts);
    this.#conns.delete(session);
    return [fin, finBack, last];
  }

  /**
   * A note at a point in time: a zero-length ACK carrying `text` as its comment, sent by the side that has
   * data of the other's to acknowledge. When everything is acknowledged already (just after open, or after
   * another note) such an ACK would repeat the previous one, which Wireshark flags as a duplicate ACK: the
   * note then waits and goes on the session's next packet (its next data segment, or its first FIN), and
   * this returns no packets (past MAX_PENDING_NOTES held notes, the duplicate ACK is written after all).
   * Before open: PcapError.
   */
  comment(session: string, t: number, text: string): Uint8Array[] {
    const conn = this.#conn(session, 'comment');
    const ts = timestamp(t);
    const { client, server } = conn;
    let from: Side;
    if (server.seq !== server.acked) from = client;
    else if (client.seq !== client.acked) from = server;
    else if (conn.pending.length < MAX_PENDING_NOTES) {
      conn.pending.push(text);
      return [];
    } else from = client; // held notes are bounded: past the limit, a duplicate ACK it is

    const to = from === client ? server : client;
    return [this.#packet(conn, from, to, TCP_ACK, EMPTY, ts, text)];
  }

  /** How many sessions are open (their counters are all the writer keeps). */
  get openSessions(): number {
    return this.#conns.size;
  }

  #conn(session: string, what: string): Conn {
    const conn = this.#conns.get(session);
    if (!conn) throw new PcapError(`session ${session}: ${what} before its open (or after its close)`);
    return conn;
  }

  /** One packet from `from` to `to`, acknowledging everything `to` sent unless it is the first SYN. */
  #packet(
    conn: Conn,
    from: Side,
    to: Side,
    flags: number,
    payload: Uint8Array,
    ts: number,
    comment?: string,
    mss?: number,
  ): Uint8Array {
    const acking = (flags & TCP_ACK) !== 0;
    const packet = tcpPacket({
      src: from.addr,
      dst: to.addr,
      srcPort: from.port,
      dstPort: to.port,
      seq: from.seq,
      ack: acking ? to.seq : 0,
      flags,
      window: WINDOW,
      ipId: from.ipId,
      payload,
      ...(mss === undefined ? {} : { mss }),
    });
    from.ipId = (from.ipId + 1) & 0xffff;
    if (acking) to.acked = to.seq;
    const notes = comment === undefined ? conn.pending : [...conn.pending, comment];
    conn.pending = [];
    return enhancedPacketBlock(0, ts, packet, notes.flatMap(commentOptions));
  }
}

const EMPTY = new Uint8Array(0);

/** A record time (ms since 1970, fractional) in the interface's units (µs). */
function timestamp(t: number): number {
  const us = Math.round(t * 1000);
  if (!Number.isFinite(t) || us < 0 || us > Number.MAX_SAFE_INTEGER) {
    throw new PcapError(`cannot write a packet at time ${String(t)}: not a time since 1970 in milliseconds`);
  }
  return us;
}
