/**
 * The engine's output, in the order things arrived. Received chunks (held in their direction's tap while
 * part of them is undecided) and the events parsing them caused share one queue: nothing leaves before a
 * chunk that arrived earlier, so a capture written from this output is in arrival order with true timestamps,
 * and replaying it pairs commands and responses exactly as the live session did. While the head is held,
 * what queues behind it is counted, so the session can bound it (see MAX_HELD_BEHIND).
 */
import type { Held, RedactingTap } from './tap.js';
import type { Direction, ProtocolEvent } from './types.js';

interface ChunkEntry {
  readonly type: 'chunk';
  readonly dir: Direction;
  readonly held: Held;
}

type Entry = ProtocolEvent | ChunkEntry;

export class OrderedOutput {
  /** Entries before `head` have left; their slots are emptied so nothing they hold stays alive. */
  private queue: (Entry | null)[] = [];
  private head = 0;
  /** Octets of the chunks in the queue, per direction. */
  private readonly queuedOctets: Record<Direction, number> = { c2s: 0, s2c: 0 };

  constructor(private readonly taps: Readonly<Record<Direction, RedactingTap>>) {}

  /** For each queued event, the direction whose bytes caused it (the chunk pushed last): slot by slot. */
  private causes: (Direction | null)[] = [];
  /** Events in the queue, by the direction that caused them. */
  private readonly queuedEvents: Record<Direction, number> = { c2s: 0, s2c: 0 };
  private lastDir: Direction = 's2c';

  push(event: ProtocolEvent): void {
    this.queue.push(event);
    this.causes.push(this.lastDir);
    this.queuedEvents[this.lastDir]++;
  }

  pushChunk(dir: Direction, held: Held): void {
    this.queue.push({ type: 'chunk', dir, held });
    this.causes.push(null);
    this.queuedOctets[dir] += held.bytes.length;
    this.lastDir = dir;
  }

  /** Hands on everything up to the first chunk that is still undecided in its direction. */
  flush(undecidedFrom: Readonly<Record<Direction, number>>): ProtocolEvent[] {
    const out: ProtocolEvent[] = [];
    while (this.head < this.queue.length) {
      const e = this.queue[this.head]!;
      if (e.type === 'chunk') {
        const tap = this.taps[e.dir];
        if (!tap.decided(e.held, undecidedFrom[e.dir])) break;
        tap.release(e.held);
        this.queuedOctets[e.dir] -= e.held.bytes.length;
        out.push({ type: 'data', dir: e.dir, t: e.held.t, bytes: e.held.bytes });
      } else {
        out.push(e);
        this.queuedEvents[this.causes[this.head]!]--;
      }
      this.queue[this.head++] = null;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.causes = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.causes = this.causes.slice(this.head);
      this.head = 0;
    }
    this.taps.c2s.own();
    this.taps.s2c.own();
    return out;
  }

  /** The direction whose undecided chunk blocks the queue, or null when nothing waits. */
  blockedBy(): Direction | null {
    const e = this.queue[this.head] ?? null;
    return e?.type === 'chunk' ? e.dir : null;
  }

  /**
   * Octets of the other direction queued behind the blocking chunk. Only the other side's count: the blocked
   * side's own later chunks are the same undecided line, and counting them would make the bound depend on how
   * that line was cut.
   */
  /**
   * Events the other direction caused behind the blocking chunk (those of the blocked side come from the lines
   * its own chunk completed, bounded by that chunk, and counting them would depend on how it was cut).
   */
  eventsBehind(): number {
    const dir = this.blockedBy();
    return dir === null ? 0 : this.queuedEvents[dir === 'c2s' ? 's2c' : 'c2s'];
  }

  octetsBehind(): number {
    const e = this.queue[this.head] ?? null;
    if (e?.type !== 'chunk') return 0;
    return this.queuedOctets[e.dir === 'c2s' ? 's2c' : 'c2s'];
  }
}
