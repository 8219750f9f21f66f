/**
 * The records a page opened late (or a reconnecting one) is sent first: serialized once, numbered by the feed's
 * ids, bounded by sessions, records and octets (limits.ts). Over a bound, the oldest ended session goes whole
 * (a page shows no half session from the past); when every kept session is live, the oldest one that is not
 * the newest record's; when only one session is left, its oldest records. Sans-IO: tested without sockets.
 */

export interface BacklogLimits {
  readonly sessions: number;
  readonly records: number;
  readonly bytes: number;
}

export interface BacklogEntry {
  readonly id: number;
  readonly session: string;
  /** The record, serialized (one line). */
  readonly json: string;
  readonly bytes: number;
}

interface KeptSession {
  count: number;
  ended: boolean;
}

/** What was dropped so far, for the page's "older sessions were dropped" line. */
export interface Dropped {
  readonly sessions: number;
  readonly records: number;
}

export class Backlog {
  /** In id order; entries before `head` are gone (compacted now and then). */
  private entries: BacklogEntry[] = [];
  private head = 0;
  private bytes = 0;
  private nextId = 1;
  /** By the order of their first record. */
  private readonly sessions = new Map<string, KeptSession>();
  private droppedSessions = 0;
  private droppedRecords = 0;
  /** The highest id ever dropped: a cursor below it may have missed records. */
  private maxDropped = 0;

  constructor(private readonly limits: BacklogLimits) {}

  /** Adds a record; returns its entry and the highest id this addition dropped (0: none). */
  add(session: string, json: string, ends: boolean): { entry: BacklogEntry; dropped: number } {
    const entry: BacklogEntry = { id: this.nextId++, session, json, bytes: Buffer.byteLength(json) };
    this.entries.push(entry);
    this.bytes += entry.bytes;
    const kept = this.sessions.get(session) ?? { count: 0, ended: false };
    kept.count++;
    if (ends) kept.ended = true;
    this.sessions.set(session, kept);
    return { entry, dropped: this.evict(session) };
  }

  get lastId(): number {
    return this.nextId - 1;
  }

  get size(): number {
    return this.entries.length - this.head;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  get dropped(): Dropped {
    return { sessions: this.droppedSessions, records: this.droppedRecords };
  }

  /** Whether a subscriber that has seen every record up to `cursor` missed some that were dropped. */
  missedAfter(cursor: number): boolean {
    return this.maxDropped > cursor;
  }

  /** The entries after `cursor` (ids above it), oldest first, lazily. */
  *after(cursor: number): Generator<BacklogEntry> {
    for (let i = this.indexAfter(cursor); i < this.entries.length; i++) yield this.entries[i]!;
  }

  /** Index of the first entry with an id above `cursor` (binary search: ids increase). */
  private indexAfter(cursor: number): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.id <= cursor) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private over(): boolean {
    return (
      this.sessions.size > this.limits.sessions ||
      this.size > this.limits.records ||
      this.bytes > this.limits.bytes
    );
  }

  private evict(newest: string): number {
    let dropped = 0;
    while (this.over() && this.size > 0) {
      const victim = this.victim(newest);
      if (victim === null) dropped = Math.max(dropped, this.dropOldestRecord());
      else dropped = Math.max(dropped, this.dropSession(victim));
    }
    if (dropped > this.maxDropped) this.maxDropped = dropped;
    return dropped;
  }

  /** The session to drop whole, or null when only the newest record's session is left. */
  private victim(newest: string): string | null {
    for (const [id, s] of this.sessions) if (s.ended && id !== newest) return id;
    for (const id of this.sessions.keys()) if (id !== newest) return id;
    return null;
  }

  private dropSession(session: string): number {
    let highest = 0;
    const kept: BacklogEntry[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.session !== session) kept.push(e);
      else {
        this.bytes -= e.bytes;
        this.droppedRecords++;
        highest = e.id;
      }
    }
    this.entries = kept;
    this.head = 0;
    this.sessions.delete(session);
    this.droppedSessions++;
    return highest;
  }

  private dropOldestRecord(): number {
    const e = this.entries[this.head++]!;
    this.bytes -= e.bytes;
    this.droppedRecords++;
    const kept = this.sessions.get(e.session);
    if (kept && --kept.count === 0) this.sessions.delete(e.session);
    // Compact once the dead prefix is large, so memory follows what is kept.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return e.id;
  }
}
