/**
 * TCP reassembly, sans-IO: TCP segments in (in capture order), each connection's two byte streams out as
 * StreamEvents (open, data, gap, conflict, close) in the order of the segments that caused them.
 *
 * Who is the client: the sender of a SYN without ACK (or the receiver of a SYN-ACK). With no SYN captured
 * the connection is mid-stream: the server is the side on a server port (isServerPort, by default 110 and
 * 995), else the lower port. Each direction's bytes are handled by a DirStream (reassemblyStream.ts).
 *
 * Bounded memory: held out-of-order data per direction and in total (limits.ts), a cap on the connections
 * tracked at once (the least recently active is closed 'capture-end' to make room), and
 * a bounded memory of closed 4-tuples (so the late ACKs after a close do not open a phantom connection).
 */
import {
  LATE_SEGMENT_WINDOW,
  MAX_CLOSED_REMEMBERED,
  MAX_HELD_PER_DIRECTION,
  MAX_HELD_TOTAL,
  MAX_TRACKED_CONNECTIONS,
} from './limits.js';
import { DirStream, type StreamSink } from './reassemblyStream.js';
import type { ConnectionId, Endpoint, StreamEvent, TcpSegment } from './types.js';

export interface TcpReassemblerOptions {
  /** Which ports are servers' when no SYN says who the client is (default: 110 and 995). */
  readonly isServerPort?: (port: number) => boolean;
  /** Out-of-order bytes held per direction before a hole is declared a gap (default MAX_HELD_PER_DIRECTION). */
  readonly maxHeldPerDirection?: number;
  /** Out-of-order bytes held by all connections together (default MAX_HELD_TOTAL). */
  readonly maxHeldTotal?: number;
  /** Connections tracked at once (default MAX_TRACKED_CONNECTIONS). */
  readonly maxConnections?: number;
}

export const WHY_FIN = 'not captured before the FIN';
export const WHY_RST = 'not captured before the RST';
export const WHY_END = 'not captured before the capture ended';
export const WHY_NEW = 'not captured before the 4-tuple was reused (new SYN)';
export const WHY_EVICTED = 'not captured before the connection was dropped (too many connections)';

const DEFAULT_SERVER_PORTS = (port: number): boolean => port === 110 || port === 995;
const NO_EVENTS: readonly StreamEvent[] = Object.freeze([]);

type Side = 'client' | 'server';

interface Conn {
  readonly key: string;
  readonly id: ConnectionId;
  readonly client: Endpoint;
  readonly server: Endpoint;
  readonly uses: number;
  readonly c2s: DirStream;
  readonly s2c: DirStream;
  /** The client's ISN when its SYN was seen (a SYN with another ISN is a new connection), else -1. */
  clientIsn: number;
  firstFin: Side | null;
}

/** What is remembered of a closed 4-tuple. */
interface Closed {
  readonly uses: number;
  /** Evicted, not closed: any later segment continues it as a new, mid-stream connection. */
  readonly evicted: boolean;
  readonly client: Endpoint;
  readonly c2sNext: number | null;
  readonly s2cNext: number | null;
}

export class TcpReassembler {
  private readonly isServerPort: (port: number) => boolean;
  private readonly maxHeld: number;
  private readonly maxConnections: number;
  private readonly conns = new Map<string, Conn>();
  private readonly closed = new Map<string, Closed>();
  private readonly sink: StreamSink;
  private out: StreamEvent[] | null = null;
  /** The connection of the last segment: consecutive segments mostly share one (no key string built). */
  private last: Conn | null = null;

  constructor(options: TcpReassemblerOptions = {}) {
    this.isServerPort = options.isServerPort ?? DEFAULT_SERVER_PORTS;
    this.maxHeld = Math.max(0, options.maxHeldPerDirection ?? MAX_HELD_PER_DIRECTION);
    this.maxConnections = Math.max(1, options.maxConnections ?? MAX_TRACKED_CONNECTIONS);
    const maxHeldTotal = Math.max(0, options.maxHeldTotal ?? MAX_HELD_TOTAL);
    const emit = (event: StreamEvent): void => {
      if (this.out === null) this.out = [event];
      else this.out.push(event);
    };
    this.sink = { emit, heldTotal: 0, maxHeldTotal };
  }

  /** How many connections are open now. */
  get openConnections(): number {
    return this.conns.size;
  }

  /** One captured segment: the events it causes (often one data event, often none). */
  push(segment: TcpSegment): readonly StreamEvent[] {
    this.handle(segment);
    return this.take();
  }

  /** The capture ended at `t`: held data is delivered (holes as gaps) and every open connection closed. */
  end(t: number): readonly StreamEvent[] {
    for (const conn of [...this.conns.values()]) this.finish(conn, t, 'capture-end', conn.firstFin, WHY_END);
    this.last = null;
    return this.take();
  }

  private take(): readonly StreamEvent[] {
    const out = this.out;
    this.out = null;
    return out ?? NO_EVENTS;
  }

  private handle(seg: TcpSegment): void {
    const flags = seg.flags;
    let conn = this.lookup(seg);
    let key = conn?.key;
    if (conn && flags.syn && !flags.ack && !this.isRetransmittedSyn(conn, seg)) {
      this.finish(conn, seg.t, 'capture-end', conn.firstFin, WHY_NEW);
      conn = undefined;
    }
    if (conn === undefined) {
      key ??= tupleKey(seg.src, seg.dst);
      conn = this.openFor(seg, key);
      if (conn === undefined) return;
    }
    if (conn !== this.last) {
      // Least recently active first in the map (eviction takes the first); moved only on a switch of
      // connection, so a bulk transfer pays nothing per segment.
      this.conns.delete(conn.key);
      this.conns.set(conn.key, conn);
      this.last = conn;
    }
    const fromClient = sameEndpoint(seg.src, conn.client) && sameEndpoint(seg.dst, conn.server);
    const mine = fromClient ? conn.c2s : conn.s2c;
    const peer = fromClient ? conn.s2c : conn.c2s;
    let seq = seg.seq;
    if (flags.syn) {
      seq = (seq + 1) >>> 0;
      if (!mine.started) mine.start(seq);
      if (conn.clientIsn < 0 && fromClient !== flags.ack)
        conn.clientIsn = fromClient ? seg.seq : (seg.ack - 1) >>> 0;
    } else if (!mine.started) mine.start(seq);
    if (flags.ack) {
      if (flags.syn && !peer.started) peer.start(seg.ack);
      else peer.ack(seg.ack, seg.t);
    }
    const side: Side = fromClient ? 'client' : 'server';
    if (flags.rst) {
      this.finish(conn, seg.t, 'rst', conn.firstFin ?? side, WHY_RST);
      return;
    }
    if (seg.payloadLength > 0) mine.data(seq, seg.payload, seg.payloadLength, seg.t);
    if (flags.fin && !mine.finished) {
      mine.fin((seq + seg.payloadLength) >>> 0, seg.t, WHY_FIN);
      conn.firstFin ??= side;
      if (peer.finished) this.finish(conn, seg.t, 'fin', conn.firstFin, WHY_FIN);
    }
  }

  /** The open connection a segment belongs to, if any. */
  private lookup(seg: TcpSegment): Conn | undefined {
    const last = this.last;
    if (
      last !== null &&
      ((sameEndpoint(seg.src, last.client) && sameEndpoint(seg.dst, last.server)) ||
        (sameEndpoint(seg.src, last.server) && sameEndpoint(seg.dst, last.client)))
    ) {
      return last;
    }
    return this.conns.get(tupleKey(seg.src, seg.dst));
  }

  private isRetransmittedSyn(conn: Conn, seg: TcpSegment): boolean {
    return conn.clientIsn >= 0 && seg.seq === conn.clientIsn && sameEndpoint(seg.src, conn.client);
  }

  /** A new connection for a segment on no open connection, or undefined when the segment is to be dropped. */
  private openFor(seg: TcpSegment, key: string): Conn | undefined {
    const flags = seg.flags;
    const closed = this.closed.get(key);
    if (closed !== undefined && !flags.syn && !closed.evicted && isLate(closed, seg)) return undefined;
    if (flags.rst && !flags.syn) return undefined; // a RST for a connection never seen says nothing
    let client: Endpoint;
    let server: Endpoint;
    const midStream = !flags.syn;
    if (flags.syn) [client, server] = flags.ack ? [seg.dst, seg.src] : [seg.src, seg.dst];
    else if (closed?.evicted)
      [client, server] = sameEndpoint(seg.src, closed.client) ? [seg.src, seg.dst] : [seg.dst, seg.src];
    else if (this.isServerPort(seg.dst.port)) [client, server] = [seg.src, seg.dst];
    else if (this.isServerPort(seg.src.port)) [client, server] = [seg.dst, seg.src];
    else [client, server] = seg.src.port < seg.dst.port ? [seg.dst, seg.src] : [seg.src, seg.dst];
    client = { address: client.address, port: client.port };
    server = { address: server.address, port: server.port };
    const uses = (closed?.uses ?? 0) + 1;
    const id = `${client.address}|${client.port}|${server.address}|${server.port}${uses > 1 ? `#${uses}` : ''}`;
    if (this.conns.size >= this.maxConnections) this.evictOne(seg.t);
    const conn: Conn = {
      key,
      id,
      client,
      server,
      uses,
      c2s: new DirStream(id, 'c2s', this.sink, this.maxHeld),
      s2c: new DirStream(id, 's2c', this.sink, this.maxHeld),
      clientIsn: -1,
      firstFin: null,
    };
    this.closed.delete(key);
    this.conns.set(key, conn);
    this.sink.emit({ type: 'open', conn: id, t: seg.t, client, server, midStream });
    return conn;
  }

  /** Closes the least recently active connection (the map's first) to make room. */
  private evictOne(t: number): void {
    const first = this.conns.values().next().value;
    if (first !== undefined) this.finish(first, t, 'capture-end', first.firstFin, WHY_EVICTED, true);
  }

  private finish(
    conn: Conn,
    t: number,
    how: 'fin' | 'rst' | 'capture-end',
    by: Side | null,
    why: string,
    evicted = false,
  ): void {
    conn.c2s.flushAll(t, why);
    conn.s2c.flushAll(t, why);
    conn.c2s.release();
    conn.s2c.release();
    this.sink.emit({ type: 'close', conn: conn.id, t, by, how });
    this.conns.delete(conn.key);
    if (this.last === conn) this.last = null;
    if (this.closed.size >= MAX_CLOSED_REMEMBERED) {
      const oldest = this.closed.keys().next().value;
      if (oldest !== undefined) this.closed.delete(oldest);
    }
    this.closed.set(conn.key, {
      uses: conn.uses,
      evicted,
      client: conn.client,
      c2sNext: conn.c2s.started ? conn.c2s.nextSeq : null,
      s2cNext: conn.s2c.started ? conn.s2c.nextSeq : null,
    });
  }
}

/** A segment on a closed 4-tuple near where its connection ended: a late copy (ACK, retransmission, RST). */
function isLate(closed: Closed, seg: TcpSegment): boolean {
  const next = sameEndpoint(seg.src, closed.client) ? closed.c2sNext : closed.s2cNext;
  if (next === null) return true;
  return Math.abs((seg.seq - next) | 0) <= LATE_SEGMENT_WINDOW;
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.address === b.address;
}

/** The same key for both directions of a 4-tuple. */
function tupleKey(a: Endpoint, b: Endpoint): string {
  const aFirst = a.address < b.address || (a.address === b.address && a.port <= b.port);
  return aFirst
    ? `${a.address}|${a.port}|${b.address}|${b.port}`
    : `${b.address}|${b.port}|${a.address}|${a.port}`;
}
