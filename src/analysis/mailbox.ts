/**
 * The maildrop as the engine derives it from one session: per message number its size, UID, whether it was
 * retrieved or marked for deletion, and — after a successful QUIT from TRANSACTION — whether the server
 * removed it. Built only from what crossed the wire (STAT, LIST, UIDL, RETR, TOP, DELE, RSET, QUIT).
 */
import { MAX_TRACKED_MESSAGES } from '../protocol/limits.js';
import type { RawTransaction } from '../protocol/types.js';

export interface MessageState {
  readonly n: number;
  size?: number;
  uid?: string;
  retrieved: boolean;
  marked: boolean;
  removed: boolean;
}

export interface StatSnapshot {
  readonly count: number;
  readonly octets: number;
  /** Marks change STAT; a STAT is only compared with a LIST taken under the same marks. */
  readonly marksVersion: number;
}

export class Mailbox {
  readonly messages = new Map<number, MessageState>();
  /** The highest message number the server said exists, once a full STAT or LIST told us. */
  highest: number | null = null;
  stat: StatSnapshot | null = null;
  /** The marks version under which the last full LIST was taken, or null. */
  listedAt: number | null = null;
  marksVersion = 0;
  updated = false;
  /** Which message holds each UID, to find duplicates without a quadratic scan. */
  private readonly uidOwners = new Map<string, number>();

  /** The state of message n, created on first mention (up to the tracking limit). */
  message(n: number): MessageState | undefined {
    let m = this.messages.get(n);
    if (!m && n >= 1 && n <= MAX_TRACKED_MESSAGES) {
      m = { n, retrieved: false, marked: false, removed: false };
      this.messages.set(n, m);
    }
    return m;
  }

  /** Messages in number order. */
  list(): MessageState[] {
    return [...this.messages.values()].sort((a, b) => a.n - b.n);
  }

  numbers(pick: (m: MessageState) => boolean): number[] {
    return this.list()
      .filter(pick)
      .map((m) => m.n);
  }

  /** Records a UID; returns the other message that already has it, if any. */
  setUid(n: number, uid: string): number | undefined {
    const m = this.message(n);
    if (!m) return undefined;
    m.uid = uid;
    const owner = this.uidOwners.get(uid);
    if (owner !== undefined && owner !== n) return owner;
    this.uidOwners.set(uid, n);
    return undefined;
  }

  mark(n: number): void {
    const m = this.message(n);
    if (m && !m.marked) {
      m.marked = true;
      this.marksVersion++;
    }
  }

  unmarkAll(): void {
    for (const m of this.messages.values()) m.marked = false;
    this.marksVersion++;
  }

  /** UPDATE: the server removes what was marked. */
  commit(): void {
    this.updated = true;
    for (const m of this.messages.values()) if (m.marked) m.removed = true;
  }
}

/** The message number a command names, or null. */
export function messageNumber(tx: RawTransaction): number | null {
  const arg = tx.command?.args[0];
  return arg !== undefined && /^[1-9][0-9]{0,9}$/.test(arg) ? Number(arg) : null;
}

/** Parses a "n value" listing line (LIST, UIDL) or a single-line "+OK n value" text. */
export function numberedValue(line: string): { n: number; value: string } | null {
  const m = /^([0-9]+) (\S+)/.exec(line);
  return m ? { n: Number(m[1]), value: m[2]! } : null;
}
