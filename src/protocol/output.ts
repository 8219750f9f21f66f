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
  private queue: Entry[] = [];
  private head = 0;
  /** Octets of the chunks in the queue. */
  private queuedOctets = 0;

  constructor(private readonly taps: Readonly<Record<Direction, RedactingTap>>) {}

  push(event: ProtocolEvent): void {
    this.queue.push(event);
  }

  pushChunk(dir: Direction, held: Held): void {
    this.queue.push({ type: 'chunk', dir, held });
    this.queuedOctets += held.bytes.length;
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
        this.queuedOctets -= e.held.bytes.length;
        out.push({ type: 'data', dir: e.dir, t: e.held.t, bytes: e.held.bytes });
      } else {
        out.push(e);
      }
      this.head++;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.taps.c2s.own();
    this.taps.s2c.own();
    return out;
  }

  /** The direction whose undecided chunk blocks the queue, or null when nothing waits. */
  blockedBy(): Direction | null {
    const e = this.queue[this.head];
    return e?.type === 'chunk' ? e.dir : null;
  }

  /** Octets of chunks queued behind the blocking one. */
  octetsBehind(): number {
    const e = this.queue[this.head];
    return e?.type === 'chunk' ? this.queuedOctets - e.held.bytes.length : 0;
  }
}
