/**
 * A packet trace as pop3scope capture records: packets in, records out (sans-IO), so `show`, `check`, the
 * exports and `replay` read a tcpdump file exactly as they read a capture pop3scope wrote. Which connections
 * are POP3: the server ports (110, 995 and --port), or a connection whose server's first bytes are "+OK".
 * Port 995 is TLS from the start; STLS is followed (stlsWatch.ts). TLS is decrypted when the key log has the
 * connection's keys, else shown as opaque with the facts its handshake shows (tlsStream.ts).
 */
import { formatHostPort } from '../../hostPort.js';
import type { CaptureRecord, DataRecord, TlsRecord } from '../format.js';
import type { KeyLog } from './keylog.js';
import { MAX_UNDECIDED_BYTES, MAX_UNDECIDED_TOTAL } from './limits.js';
import { decodePacket } from './link.js';
import { TcpReassembler } from './reassembly.js';
import { StlsWatch } from './stlsWatch.js';
import { TlsConnection, type TlsOutput } from './tlsStream.js';
import type { ConnectionId, Packet, StreamDir, StreamEvent } from './types.js';

/** The ports POP3 servers listen on: 110 (RFC 1939), 995 (POP3 over TLS, RFC 8314). */
export const POP3_PORTS: readonly number[] = [110, 995];
const IMPLICIT_TLS_PORT = 995;

export interface TraceOptions {
  /** More server ports to read as POP3 (`--port`). */
  readonly ports?: readonly number[];
  /** The TLS key log (`--tls-keylog`), or null. */
  readonly keylog?: KeyLog | null;
}

type Tls = {
  readonly conn: TlsConnection;
  readonly how: 'implicit' | 'stls';
  /** The tls record is written once the handshake says what it can (facts) and whether keys were found. */
  said: boolean;
  decrypting: boolean | null;
  facts: Extract<TlsOutput, { type: 'facts' }> | null;
  /** Ciphertext of an opaque session waiting for its tls record. */
  held: { dir: StreamDir; t: number; bytes: Uint8Array }[];
  heldOctets: number;
  closeNotify: boolean;
};

interface Session {
  readonly id: string;
  /** TLS from the first byte (port 995); else cleartext until STLS. */
  readonly implicit: boolean;
  readonly watch: StlsWatch;
  tls: Tls | null;
}

/** A connection not yet known to be POP3: its events, until the server's first bytes say. */
interface Undecided {
  readonly events: StreamEvent[];
  octets: number;
  /** The server's first octets so far, while fewer than "+OK" (a greeting may come in tiny segments). */
  serverStart: number[];
}

/** A data record holding its bytes as they are (format.ts DataRecord.bytes): no round trip through text. */
const dataRecord = (session: string, t: number, dir: StreamDir, bytes: Uint8Array): DataRecord => ({
  type: 'data',
  session,
  t,
  dir,
  bytes,
});

const who = (dir: StreamDir) => (dir === 'c2s' ? "client's" : "server's");

export class TraceConverter {
  private readonly ports: ReadonlySet<number>;
  private readonly reassembler: TcpReassembler;
  private readonly sessions = new Map<ConnectionId, Session>();
  private readonly undecided = new Map<ConnectionId, Undecided>();
  /** Connections found not to be POP3: their events are dropped. */
  private readonly ignored = new Set<ConnectionId>();
  /**
   * Octets held by all undecided connections together — client bytes before a greeting, ciphertext before
   * its handshake says what it is — bounded by MAX_UNDECIDED_TOTAL.
   */
  private undecidedOctets = 0;
  private count = 0;
  private lastT = 0;
  /** Packets that were not TCP over IP (ARP, UDP, fragments...): counted for the end-of-file note. */
  skipped = 0;

  constructor(private readonly options: TraceOptions = {}) {
    this.ports = new Set([...POP3_PORTS, ...(options.ports ?? [])]);
    this.reassembler = new TcpReassembler({ isServerPort: (port) => this.ports.has(port) });
  }

  /** How many POP3 sessions were found so far. */
  get sessionsFound(): number {
    return this.count;
  }

  push(packet: Packet): CaptureRecord[] {
    const decoded = decodePacket(packet);
    if (decoded.kind !== 'tcp') {
      this.skipped++;
      return [];
    }
    this.lastT = Math.max(this.lastT, packet.t);
    const events = this.reassembler.push(decoded.segment);
    if (events.length === 0) return [];
    const out: CaptureRecord[] = [];
    for (const e of events) this.event(e, out);
    return out;
  }

  /** The trace is over: what is held is written, and sessions still open end where the trace ends. */
  end(): CaptureRecord[] {
    const out: CaptureRecord[] = [];
    for (const e of this.reassembler.end(this.lastT)) this.event(e, out);
    return out;
  }

  private event(e: StreamEvent, out: CaptureRecord[]): void {
    if (this.ignored.has(e.conn)) {
      if (e.type === 'close') this.ignored.delete(e.conn);
      return;
    }
    const session = this.sessions.get(e.conn);
    if (session) {
      this.sessionEvent(session, e, out);
      return;
    }
    if (e.type === 'open') {
      if (this.ports.has(e.server.port)) this.start(e, out);
      else this.undecided.set(e.conn, { events: [e], octets: 0, serverStart: [] });
      return;
    }
    const waiting = this.undecided.get(e.conn);
    if (!waiting) return;
    if (e.type === 'close') {
      this.undecidedOctets -= waiting.octets;
      this.undecided.delete(e.conn);
      return;
    }
    if (e.type === 'data' && e.dir === 's2c') {
      // The greeting heuristic: a POP3 server speaks first, and with "+OK" (its first 3 octets, however cut).
      const first = waiting.serverStart;
      for (let i = 0; first.length < 3 && i < e.bytes.length; i++) first.push(e.bytes[i]!);
      const want = [0x2b, 0x6f, 0x6b];
      const fits = first.every((x, i) => (i === 0 ? x : x | 0x20) === want[i]);
      if (fits && first.length < 3) {
        waiting.events.push(e);
        return;
      }
      this.undecidedOctets -= waiting.octets;
      this.undecided.delete(e.conn);
      const open = waiting.events[0];
      if (!fits || open?.type !== 'open' || open.midStream) {
        this.ignored.add(e.conn);
        return;
      }
      const s = this.start(open, out);
      for (const held of waiting.events.slice(1)) this.sessionEvent(s, held, out);
      this.sessionEvent(s, e, out);
      return;
    }
    waiting.events.push(e);
    if (e.type === 'data') {
      waiting.octets += e.bytes.length;
      this.undecidedOctets += e.bytes.length;
    }
    // A client that talks first and long is not a POP3 client waiting for its greeting; and however many
    // such connections a trace holds, what waits for a greeting stays bounded in all.
    if (waiting.octets > MAX_UNDECIDED_BYTES || this.undecidedOctets > MAX_UNDECIDED_TOTAL) this.drop(e.conn);
  }

  /** Stops waiting for a connection's greeting: it is not POP3 (or not worth the memory to find out). */
  private drop(conn: ConnectionId): void {
    const waiting = this.undecided.get(conn);
    if (waiting) this.undecidedOctets -= waiting.octets;
    this.undecided.delete(conn);
    this.ignored.add(conn);
  }

  private start(e: Extract<StreamEvent, { type: 'open' }>, out: CaptureRecord[]): Session {
    const id = `s${++this.count}`;
    const implicit = e.server.port === IMPLICIT_TLS_PORT;
    const session: Session = { id, implicit, watch: new StlsWatch(), tls: null };
    this.sessions.set(e.conn, session);
    out.push({
      type: 'open',
      session: id,
      t: e.t,
      client: formatHostPort(e.client.address, e.client.port),
      upstream: formatHostPort(e.server.address, e.server.port),
      tls: implicit ? 'implicit' : 'none',
      ...(e.midStream ? { midStream: true } : {}),
    });
    if (implicit) session.tls = this.newTls('implicit');
    return session;
  }

  private newTls(how: 'implicit' | 'stls'): Tls {
    return {
      conn: new TlsConnection(this.options.keylog ?? null),
      how,
      said: false,
      decrypting: null,
      facts: null,
      held: [],
      heldOctets: 0,
      closeNotify: false,
    };
  }

  private sessionEvent(s: Session, e: StreamEvent, out: CaptureRecord[]): void {
    switch (e.type) {
      case 'open':
        return;
      case 'data':
        this.data(s, e.dir, e.bytes, e.t, out);
        return;
      case 'gap':
        if (s.tls && (s.implicit || s.watch.isTls(e.dir)))
          this.tlsOutputs(s, s.tls.conn.gap(e.dir, e.octets), e.t, out);
        out.push({ type: 'lost', session: s.id, t: e.t, dir: e.dir, octets: e.octets });
        return;
      case 'conflict':
        out.push({
          type: 'note',
          session: s.id,
          t: e.t,
          code: 'POP3_TRACE_CONFLICT',
          detail: `${e.octets} octets of the ${who(e.dir)} stream differed in a retransmission`,
        });
        return;
      case 'close': {
        const tls = s.tls;
        if (tls) {
          this.tlsOutputs(s, tls.conn.end(), e.t, out);
          this.sayTls(s, tls, e.t, out);
        }
        this.sessions.delete(e.conn);
        if (e.by === null) return; // the trace ends here: the reader closes it at its last time
        // After a FIN, a RST (the usual end of a curl session) does not change who ended it.
        const how =
          e.how === 'rst'
            ? 'ended the connection, which was then reset'
            : e.how === 'fin'
              ? 'closed the connection'
              : 'closed its side; the trace ends before the other side did';
        out.push({
          type: 'close',
          session: s.id,
          t: e.t,
          by: e.by,
          reason: `the ${e.by} ${how}`,
          ...(tls?.decrypting && e.by === 'server' && !tls.closeNotify ? { uncleanTls: 'server' } : {}),
        });
        return;
      }
    }
  }

  private data(s: Session, dir: StreamDir, bytes: Uint8Array, t: number, out: CaptureRecord[]): void {
    if (!s.implicit) {
      // STLS: each direction turns to TLS where its handshake begins (stlsWatch.ts).
      const clear = s.watch.cleartext(dir, bytes);
      if (clear > 0) out.push(dataRecord(s.id, t, dir, bytes.subarray(0, clear)));
      if (clear === bytes.length) return;
      s.tls ??= this.newTls('stls');
      bytes = bytes.subarray(clear);
    }
    const tls = s.tls!;
    if (tls.decrypting === false && tls.said) {
      out.push(dataRecord(s.id, t, dir, bytes));
      return;
    }
    if (tls.decrypting !== true) {
      // Held until it is known whether it will be decrypted: the handshake, which comes first, tells.
      tls.held.push({ dir, t, bytes: Uint8Array.from(bytes) });
      tls.heldOctets += bytes.length;
      this.undecidedOctets += bytes.length;
    }
    this.tlsOutputs(s, tls.conn.push(dir, bytes), t, out);
    const tooMuch = tls.heldOctets > MAX_UNDECIDED_BYTES || this.undecidedOctets > MAX_UNDECIDED_TOTAL;
    if (!tls.said && tls.decrypting !== true && tooMuch) {
      // No handshake that says (a trace begun mid-TLS): shown as opaque rather than held without end.
      tls.decrypting = false;
      this.sayTls(s, tls, t, out);
    }
  }

  private tlsOutputs(s: Session, outputs: readonly TlsOutput[], t: number, out: CaptureRecord[]): void {
    const tls = s.tls!;
    for (const o of outputs) {
      switch (o.type) {
        case 'facts':
          tls.facts = o;
          if (tls.decrypting !== null) this.sayTls(s, tls, t, out);
          break;
        case 'decrypting':
          tls.decrypting = true;
          this.release(tls);
          if (tls.facts) this.sayTls(s, tls, t, out);
          break;
        case 'opaque':
          if (o.dir === undefined && tls.decrypting === null) {
            tls.decrypting = false;
            out.push({
              type: 'note',
              session: s.id,
              t,
              code: 'POP3_TLS_NOT_DECRYPTED',
              detail: o.why,
            });
            if (tls.facts) this.sayTls(s, tls, t, out);
          } else {
            out.push({ type: 'note', session: s.id, t, code: 'POP3_TLS_NOT_DECRYPTED', detail: o.why });
          }
          break;
        case 'plaintext':
          this.sayTls(s, tls, t, out);
          out.push(dataRecord(s.id, t, o.dir, o.bytes));
          break;
        case 'close_notify':
          if (o.dir === 's2c') tls.closeNotify = true;
          break;
        case 'alert':
          break;
      }
    }
  }

  /** Writes the session's tls record (once), then any ciphertext held for it. */
  private sayTls(s: Session, tls: Tls, t: number, out: CaptureRecord[]): void {
    if (tls.said) return;
    tls.said = true;
    const f = tls.facts;
    // One handshake, between the client and the server: its facts are the client's side of the record.
    const record: TlsRecord = {
      type: 'tls',
      session: s.id,
      t,
      how: tls.how,
      visibility: tls.decrypting ? 'decrypted' : 'opaque',
      client: { version: f?.version ?? null, cipher: f?.cipher ?? null, sni: f?.sni ?? null },
    };
    out.push(record);
    if (!tls.decrypting) for (const h of tls.held) out.push(dataRecord(s.id, h.t, h.dir, h.bytes));
    this.release(tls);
  }

  /** The ciphertext held for a session's tls record is let go (written, or not needed: it is decrypted). */
  private release(tls: Tls): void {
    this.undecidedOctets -= tls.heldOctets;
    tls.held = [];
    tls.heldOctets = 0;
  }
}
