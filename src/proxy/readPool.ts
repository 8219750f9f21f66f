/**
 * The server's bytes read into a few buffers used again and again (net's `onread`), instead of a fresh one for
 * every read: allocating, accounting and freeing 64 KiB per read (glibc growing and trimming its heap for them)
 * cost the proxy ~0.2 ms of CPU per MB, relay-bound 1.21 → 0.99–1.05 ms/MB (docs/benchmarks.md).
 *
 * A buffer is read into again only once nothing refers to its bytes any more. Two things see a chunk:
 * - the write to the client, which may keep it queued: the buffer is free once the socket has nothing queued
 *   right after the write (it went to the kernel at once), or once that write's callback came;
 * - inspection, which must be done with it when its call returns: the engine copies whatever it holds
 *   (protocol/tap.ts `own`, the line buffer, the body preview) and sinks copy what they keep (events.ts).
 *
 * A quiet session reads into one small buffer; a read that fills it switches to the large ones, which are let go
 * once a short read leaves nothing queued (limits.ts QUIET_READ_OCTETS, BULK_READ_OCTETS): 10,000 sessions do
 * not each keep a large buffer touched by their last body. A read that fills a large one switches the rest of
 * the body to larger ones still (FLOOD_READ_OCTETS): a fast server's body in a quarter of the reads and writes.
 */
import type { OnReadOpts } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import {
  BULK_READ_OCTETS,
  FLOOD_READ_OCTETS,
  QUIET_READ_OCTETS,
  READ_BUFFER_OCTETS,
  READ_BUFFERS,
} from './limits.js';

interface Slot {
  readonly buffer: Buffer;
  /** The number of the last write that carried bytes of this buffer (0: none yet). */
  lastWrite: number;
}

/** Takes one chunk, valid only during the call (the taker pauses the socket itself when it must). */
export type Taker = (chunk: Buffer) => void;

export class ReadPool {
  /** The large buffers, while the session moves bulk (a body); empty while it is quiet. */
  private slots: Slot[] = [];
  private readonly quiet: Slot = { buffer: Buffer.allocUnsafe(QUIET_READ_OCTETS), lastWrite: 0 };
  /** Octets of the last read (0 before the first). */
  private lastRead = 0;
  /** Reading into the large buffers (a read filled the quiet one). */
  private bulk = false;
  /** The size of the large buffers: READ_BUFFER_OCTETS, or FLOOD_READ_OCTETS once a read filled one. */
  private slotOctets = READ_BUFFER_OCTETS;
  /** The slot being read into, or null when the read goes into a buffer of its own (every slot was busy). */
  private current: Slot | null = null;
  private writes = 0;
  /** Write callbacks come in order: this many writes are done. */
  private called = 0;
  /** Every write up to this number is done (called back, or the socket had nothing queued after it). */
  private done = 0;
  private taker: Taker | null = null;
  /** Chunks read before anyone took them (copies), handed over by `attach`. */
  private early: Buffer[] = [];

  /** The socket option: `net.connect({ ..., onread: pool.onread })`. */
  readonly onread: OnReadOpts = {
    buffer: () => this.next(),
    callback: (n: number, buffer: Uint8Array) => this.read((buffer as Buffer).subarray(0, n)),
  };

  /** Writes a chunk read into the pool to `to`, keeping its buffer busy until the write is done. */
  write(to: Writable, chunk: Buffer): boolean {
    const n = ++this.writes;
    if (this.current) this.current.lastWrite = n;
    const ok = to.write(chunk, this.written);
    if (to.writableLength === 0) this.done = n;
    return ok;
  }

  /** From now on chunks go to `taker`; those read before are given to it first. */
  attach(taker: Taker): void {
    this.taker = taker;
    for (const chunk of this.early.splice(0)) taker(chunk);
  }

  detach(): void {
    this.taker = null;
  }

  /**
   * Someone else reads the socket from now on (STLS: TLS over a RecordWatch, which listens for 'data'): each
   * chunk is copied and emitted as 'data', as a socket without the pool would, and its pausing works as usual.
   */
  handOver(socket: Readable): void {
    this.attach((chunk) => socket.emit('data', Buffer.from(chunk)));
  }

  /** Octets of the large buffers held (for the memory tests). */
  get heldOctets(): number {
    return this.slots.length * this.slotOctets;
  }

  private read(chunk: Buffer): boolean {
    this.lastRead = chunk.length;
    if (this.taker) {
      this.taker(chunk);
      return true;
    }
    // Nobody relays yet (or any more): keep a copy, and read no further until someone does.
    this.early.push(Buffer.from(chunk));
    return false;
  }

  private readonly written = (): void => {
    this.called++;
    if (this.called > this.done) this.done = this.called;
  };

  /**
   * The buffer the next read goes into: the quiet one while reads are short, else a free large one, a new one
   * while there are fewer than READ_BUFFERS, or (all busy) one of its own.
   */
  private next(): Buffer {
    const free = (s: Slot) => s.lastWrite <= this.done;
    if (this.lastRead >= (this.bulk ? BULK_READ_OCTETS : QUIET_READ_OCTETS)) {
      this.bulk = true;
      if (this.lastRead === this.slotOctets && this.slotOctets < FLOOD_READ_OCTETS) {
        // A read filled a large buffer: the server sends faster than they hold, so read more at a time. The
        // small ones go (a write still in flight keeps its own alive).
        this.slotOctets = FLOOD_READ_OCTETS;
        this.slots = [];
      }
    } else if (this.bulk && this.done === this.writes) {
      // Gone quiet with nothing queued: the large buffers go (a write still in flight keeps its own alive).
      this.bulk = false;
      this.slots = [];
      this.slotOctets = READ_BUFFER_OCTETS;
    }
    const slot = !this.bulk && free(this.quiet) ? this.quiet : (this.slots.find(free) ?? this.grow());
    this.current = slot;
    return slot ? slot.buffer : Buffer.allocUnsafe(this.slotOctets);
  }

  private grow(): Slot | null {
    if (this.slots.length >= READ_BUFFERS) return null;
    const slot = { buffer: Buffer.allocUnsafe(this.slotOctets), lastWrite: 0 };
    this.slots.push(slot);
    return slot;
  }
}
