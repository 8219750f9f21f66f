/**
 * The exact bytes of every arrow of the sequence diagram: the web page's records are the JSON records
 * (json.ts) with, on each transaction, the command and the response as they were on the wire (`bytes`). The
 * engine's data events carry each direction's bytes already masked (protocol/tap.ts), and each transaction
 * says where it sits in both streams (`tx.wire`); events come in arrival order, a chunk before the events it
 * caused. So one pass is enough, holding per session and direction only a bounded window (streamWindow.ts):
 * responses come one after the other, the next beginning where the previous one ended, and commands are
 * answered in the order they were sent. `show --format json` does not carry the bytes (its output stays as
 * documented); the page does.
 */
import type { EngineEvent, Transaction } from '../analysis/types.js';
import { type JsonRecord, type JsonWireBytes, jsonRecord } from './json.js';
import { WIRE_COMMAND_MAX, WIRE_PIPELINED_MAX, WIRE_RESPONSE_HEAD, WIRE_RESPONSE_WHOLE } from './limits.js';
import { StreamWindow } from './streamWindow.js';

export interface WireBytesOptions {
  /**
   * 'summary' (default): a response beyond WIRE_RESPONSE_HEAD octets is cut there (listings and a RETR's first
   * headers stay visible); 'whole': kept up to WIRE_RESPONSE_WHOLE (`report --with-bodies`).
   */
  readonly bodies?: 'summary' | 'whole';
}

interface SessionStreams {
  readonly c2s: StreamWindow;
  readonly s2c: StreamWindow;
}

/** The converter for one analysed stream of events (sessions may interleave); see recordMaker. */
export class WireBytes {
  private readonly sessions = new Map<string, SessionStreams>();
  private readonly responseMax: number;

  constructor(o: WireBytesOptions = {}) {
    this.responseMax = o.bodies === 'whole' ? WIRE_RESPONSE_WHOLE : WIRE_RESPONSE_HEAD;
  }

  /** Sessions with bytes held (a session's are dropped at its summary). */
  get openSessions(): number {
    return this.sessions.size;
  }

  /** Octets copied and held over all sessions (for the memory tests). */
  get held(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.c2s.held + s.s2c.held;
    return n;
  }

  record(e: EngineEvent): JsonRecord | null {
    if (e.type === 'data') {
      const s = this.streams(e.session);
      // Everything the other direction's latest chunk caused is out by now: its reference can go.
      s[e.dir === 'c2s' ? 's2c' : 'c2s'].release();
      s[e.dir].push(e.bytes);
      return null;
    }
    const record = jsonRecord(e);
    if (e.type === 'summary') this.sessions.delete(e.session);
    if (e.type !== 'transaction' || record?.type !== 'transaction') return record;
    const bytes = this.bytesOf(this.streams(e.session), e.tx);
    return bytes ? { ...record, bytes } : record;
  }

  private streams(session: string): SessionStreams {
    let s = this.sessions.get(session);
    if (!s) {
      s = { c2s: new StreamWindow(WIRE_PIPELINED_MAX), s2c: new StreamWindow(this.responseMax) };
      this.sessions.set(session, s);
    }
    return s;
  }

  /**
   * The transaction's bytes, and the windows moved past them. An AUTH exchange's client lines follow its
   * command line up to the final answer: the engine takes every client line as part of the exchange while it
   * is open (RFC 5034 is lock-step), so they are the complete lines received by now.
   */
  private bytesOf(s: SessionStreams, tx: Transaction): JsonWireBytes | null {
    const w = tx.wire;
    let command: JsonWireBytes['command'] = null;
    let omitted = 0;
    let known = true;
    if (tx.command) {
      const end = tx.sasl ? Math.max(w.c2sEnd, s.c2s.lineEnd) : w.c2sEnd;
      const span = w.c2sEnd < 0 ? null : s.c2s.slice(w.c2sStart, end, WIRE_COMMAND_MAX);
      if (span) {
        command = span.text;
        omitted += span.omitted;
        s.c2s.advance(end);
      } else known = false;
    }
    const response = w.s2cEnd < 0 ? null : s.s2c.slice(w.s2cStart, w.s2cEnd, this.responseMax);
    if (response) s.s2c.advance(w.s2cEnd);
    if (!known || !response) return null;
    return { command, response: response.text, omitted: omitted + response.omitted };
  }
}

/**
 * A stateful converter for one analysed stream of engine events: jsonRecord(e), and on transaction records the
 * `bytes` field (JsonWireBytes) when the engine knows where the transaction sits on the wire. Data events
 * return null (they only feed the windows); so do command events.
 */
export function recordMaker(o: WireBytesOptions = {}): (e: EngineEvent) => JsonRecord | null {
  const wire = new WireBytes(o);
  return (e) => wire.record(e);
}
