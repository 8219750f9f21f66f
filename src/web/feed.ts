/**
 * The web view's feed: a sink (live proxy and replay alike) whose hooks only queue, and the event streams it
 * serves. Records are converted and serialized off the relay path (setImmediate), kept in the bounded backlog
 * and sent to each subscriber from its own cursor while its socket takes them (limits.ts MAX_SEND_AHEAD): a
 * slow browser costs the relay nothing, and memory stays the backlog's. A subscriber whose next record was
 * dropped from the backlog before it could be sent cannot keep up and is disconnected.
 */
import type { EngineEvent } from '../analysis/types.js';
import type { ProxySink } from '../events.js';
import { type JsonRecord, jsonRecord } from '../render/json.js';
import { Backlog, type BacklogLimits, type Dropped } from './backlog.js';
import {
  HEARTBEAT_MS,
  MAX_BACKLOG_BYTES,
  MAX_BACKLOG_RECORDS,
  MAX_BACKLOG_SESSIONS,
  MAX_SEND_AHEAD,
  MAX_SUBSCRIBERS,
  RECONNECT_MS,
  STOP_GRACE_MS,
} from './limits.js';
import { HEARTBEAT_FRAME, namedFrame, recordFrame, retryFrame, SSE_EVENTS } from './sse.js';

/** What a subscriber writes to: an http.ServerResponse (or a test's stream). */
export interface StreamTarget {
  write(chunk: string): boolean;
  end(): void;
  destroy(): void;
  cork?(): void;
  uncork?(): void;
  once(event: 'drain', fn: () => void): unknown;
  once(event: 'close', fn: () => void): unknown;
}

export interface FeedOptions {
  readonly limits?: Partial<BacklogLimits>;
  /** An event's record (default render/json.ts jsonRecord). */
  readonly toRecord?: (e: EngineEvent) => JsonRecord | null;
  /**
   * toRecord is also handed the data events, in order with the rest (render/wireBytes.ts recordMaker reads
   * the bytes of each arrow from them). Their bytes are copied when queued: the relay's are its own again once
   * the call returns (events.ts).
   */
  readonly withData?: boolean;
  readonly sendAhead?: number;
  readonly heartbeatMs?: number;
  readonly maxSubscribers?: number;
}

interface Subscriber {
  readonly out: StreamTarget;
  /** The id of the last record written to it. */
  cursor: number;
  /** Waiting for 'drain'. */
  waiting: boolean;
  closed: boolean;
}

export class RecordFeed implements ProxySink {
  private readonly backlog: Backlog;
  private readonly toRecord: (e: EngineEvent) => JsonRecord | null;
  private readonly withData: boolean;
  private readonly sendAhead: number;
  readonly maxSubscribers: number;
  private readonly subscribers = new Set<Subscriber>();
  private pending: EngineEvent[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private readonly heartbeat: NodeJS.Timeout;
  private ended = false;
  /** Subscribers disconnected for falling behind (for tests and the log). */
  slowDropped = 0;

  constructor(o: FeedOptions = {}) {
    this.backlog = new Backlog({
      sessions: o.limits?.sessions ?? MAX_BACKLOG_SESSIONS,
      records: o.limits?.records ?? MAX_BACKLOG_RECORDS,
      bytes: o.limits?.bytes ?? MAX_BACKLOG_BYTES,
    });
    this.toRecord = o.toRecord ?? jsonRecord;
    this.withData = o.withData ?? false;
    this.sendAhead = o.sendAhead ?? MAX_SEND_AHEAD;
    this.maxSubscribers = o.maxSubscribers ?? MAX_SUBSCRIBERS;
    this.heartbeat = setInterval(() => this.beat(), o.heartbeatMs ?? HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  // The sink's hook, on the relay path: a type test and a push.
  event(e: EngineEvent): void {
    // data and command events have no JSON record (the transaction record carries the command); data events
    // go on only to a converter that reads them.
    if (this.ended || e.type === 'command' || (e.type === 'data' && !this.withData)) return;
    // A data event's bytes are the relay's for the call only (events.ts): these are read at the next flush.
    this.pending.push(e.type === 'data' ? { ...e, bytes: Buffer.from(e.bytes) } : e);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  get dropped(): Dropped {
    return this.backlog.dropped;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  get lastId(): number {
    return this.backlog.lastId;
  }

  /**
   * A new event stream. `last`: the last id the browser has (Last-Event-ID), or null for a first connection.
   * Returns false (nothing written) when MAX_SUBSCRIBERS are open already.
   */
  subscribe(out: StreamTarget, last: number | null): boolean {
    if (this.subscribers.size >= this.maxSubscribers) return false;
    this.flush();
    // An id from a feed that had fewer records (a page left open across a restart) starts it afresh.
    const cursor = last !== null && last <= this.backlog.lastId ? last : 0;
    const sub: Subscriber = { out, cursor, waiting: false, closed: false };
    out.once('close', () => {
      sub.closed = true;
      this.subscribers.delete(sub);
    });
    out.write(retryFrame(RECONNECT_MS));
    if (this.backlog.missedAfter(cursor)) out.write(namedFrame(SSE_EVENTS.dropped, this.backlog.dropped));
    if (this.ended) {
      this.finishWhenCaughtUp(sub);
      return true;
    }
    this.subscribers.add(sub);
    this.pump(sub);
    return true;
  }

  /**
   * Ends the feed (pop3scope is stopping): queued records are sent, then each stream gets the `end` event and
   * is closed; one still behind after STOP_GRACE_MS is destroyed.
   */
  async end(graceMs = STOP_GRACE_MS): Promise<void> {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    clearInterval(this.heartbeat);
    const open = [...this.subscribers];
    this.subscribers.clear();
    const done = open.map(
      (sub) =>
        new Promise<void>((resolve) => {
          sub.out.once('close', resolve);
          if (sub.closed) return resolve();
          this.finishWhenCaughtUp(sub);
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all(done), late]);
    clearTimeout(timer);
    for (const sub of open) if (!sub.closed) sub.out.destroy();
  }

  stop(): Promise<void> {
    return this.end();
  }

  /** Converts and serializes what the hooks queued, keeps it, and sends it on. */
  private flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    // One write per batch where the socket takes it: corked while the batch is sent record by record.
    for (const sub of this.subscribers) sub.out.cork?.();
    for (const e of events) {
      const record = this.toRecord(e);
      if (!record) continue;
      const { dropped } = this.backlog.add(record.session, JSON.stringify(record), record.type === 'summary');
      // Each record is offered at once, so only a subscriber that is really behind can miss one.
      for (const sub of this.subscribers) {
        if (dropped > sub.cursor) this.dropSlow(sub);
        else this.pump(sub);
      }
    }
    for (const sub of this.subscribers) sub.out.uncork?.();
  }

  /** Its next record is gone: it cannot keep up. Its browser reconnects and is told what it missed. */
  private dropSlow(sub: Subscriber): void {
    this.slowDropped++;
    this.subscribers.delete(sub);
    sub.closed = true;
    sub.out.destroy();
  }

  /**
   * Writes the subscriber's records from its cursor, in chunks of sendAhead octets, until its socket says it
   * is full (write() false): then 'drain' resumes it. At most sendAhead plus one record plus the socket's
   * high-water mark is ever queued for it.
   */
  private pump(sub: Subscriber): void {
    if (sub.waiting || sub.closed) return;
    let chunk = '';
    for (const e of this.backlog.after(sub.cursor)) {
      chunk += recordFrame(e.id, e.json);
      sub.cursor = e.id;
      if (chunk.length < this.sendAhead) continue;
      const room = sub.out.write(chunk);
      chunk = '';
      if (!room) {
        this.waitForDrain(sub);
        return;
      }
    }
    if (chunk !== '' && !sub.out.write(chunk)) this.waitForDrain(sub);
  }

  private waitForDrain(sub: Subscriber): void {
    sub.waiting = true;
    sub.out.once('drain', () => {
      sub.waiting = false;
      if (this.ended) this.finishWhenCaughtUp(sub);
      else this.pump(sub);
    });
  }

  private finishWhenCaughtUp(sub: Subscriber): void {
    if (sub.closed) return;
    this.pump(sub);
    if (!sub.waiting && sub.cursor >= this.backlog.lastId) this.finish(sub);
  }

  private finish(sub: Subscriber): void {
    if (sub.closed) return;
    sub.out.write(namedFrame(SSE_EVENTS.end, {}));
    sub.out.end();
  }

  private beat(): void {
    for (const sub of this.subscribers) if (!sub.waiting) sub.out.write(HEARTBEAT_FRAME);
  }
}
