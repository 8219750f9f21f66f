/**
 * The server's bytes read into a few buffers used again and again (net's `onread`), instead of a fresh one for
 * every read. Allocating, accounting and freeing 64 KiB per read was the plain relay's largest cost after the
 * syscalls themselves (docs/benchmarks.md: 0.72–0.84 ms of CPU per MB for a Node relay, 0.50–0.53 reading into
 * one reused buffer).
 *
 * A buffer is read into again only once nothing refers to its bytes any more. Two things see a chunk:
 * - the write to the client, which may keep it queued: the buffer is free once the socket has nothing queued
 *   right after the write (it went to the kernel at once), or once that write's callback came;
 * - inspection, which must be done with it when its call returns: the engine copies whatever it holds
 *   (protocol/tap.ts `own`, the line buffer, the body preview) and sinks copy what they keep (events.ts).
 */
import type { OnReadOpts } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { READ_BUFFER_OCTETS, READ_BUFFERS } from './limits.js';

interface Slot {
  readonly buffer: Buffer;
  /** The number of the last write that carried bytes of this buffer (0: none yet). */
  lastWrite: number;
}

/** Takes one chunk (valid only during the call); false pauses reading until the taker resumes the socket. */
export type Taker = (chunk: Buffer) => boolean;

export class ReadPool {
  private readonly slots: Slot[] = [];
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
    this.attach((chunk) => {
      socket.emit('data', Buffer.from(chunk));
      return true;
    });
  }

  private read(chunk: Buffer): boolean {
    if (this.taker) return this.taker(chunk);
    // Nobody relays yet (or any more): keep a copy, and read no further until someone does.
    this.early.push(Buffer.from(chunk));
    return false;
  }

  private readonly written = (): void => {
    this.called++;
    if (this.called > this.done) this.done = this.called;
  };

  /** The buffer the next read goes into: a free slot, a new one while there are fewer than READ_BUFFERS. */
  private next(): Buffer {
    const free = this.slots.find((s) => s.lastWrite <= this.done) ?? this.grow();
    this.current = free;
    return free ? free.buffer : Buffer.allocUnsafe(READ_BUFFER_OCTETS);
  }

  private grow(): Slot | null {
    if (this.slots.length >= READ_BUFFERS) return null;
    const slot = { buffer: Buffer.allocUnsafe(READ_BUFFER_OCTETS), lastWrite: 0 };
    this.slots.push(slot);
    return slot;
  }
}
