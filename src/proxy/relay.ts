/**
 * Byte relay between two duplex streams, with inspection beside it. Every chunk is written to the other side
 * first, exactly as received, and only then handed to `inspect`: inspection can never delay, reframe or drop
 * a byte. Backpressure: when the receiving side's buffer is full, the sending side is paused until it drains,
 * so a slow reader never makes the proxy buffer without bound; likewise while a sink says it cannot keep up
 * (`pressure`). End-of-stream (half-close) is passed on.
 */
import type { Duplex } from 'node:stream';
import type { ReadPool } from './readPool.js';

export type Side = 'client' | 'upstream';

/** What a gate lets through a chunk (proxy/stlsGate.ts decides it). */
export interface Gated {
  /** The bytes to write to the other side; null or empty: nothing. */
  readonly forward: Buffer | null;
  /** False: the gate did not inspect the chunk, so it is inspected after the write, as usual. */
  readonly inspected: boolean;
}

export interface RelayHandlers {
  /** Called with each chunk after it was written on; `from` says who sent it. */
  inspect(from: Side, chunk: Buffer): void;
  /**
   * When set (only while STLS needs the proxy to take part), it sees each chunk BEFORE it is written and says
   * what to forward: the proxy then takes part in the protocol instead of only watching it.
   */
  gate?(from: Side, chunk: Buffer): Gated;
  /**
   * Asked after each inspected chunk: a promise means a sink cannot keep up (the capture writer is congested),
   * and the sender stays paused until it settles, so mail flows at the sink's speed instead of being dropped.
   */
  pressure?(): Promise<void> | null;
  /** The sender half-closed (FIN); the end was passed on. */
  ended(from: Side): void;
}

/**
 * Relays `from` → `to`. Returns a function that stops relaying (used when the proxy takes over a side). With
 * `pool`, `from` was opened with `pool.onread`: its chunks come from there, in buffers used again (readPool.ts).
 */
export function pipeSide(
  fromSide: Side,
  from: Duplex,
  to: Duplex,
  handlers: RelayHandlers,
  pool?: ReadPool,
): () => void {
  let waiting = false;
  let held = false;
  let stopped = false;
  const resume = () => {
    waiting = false;
    if (!held && !stopped) from.resume();
  };
  const release = () => {
    held = false;
    if (!waiting && !stopped) from.resume();
  };
  const onData = (chunk: Buffer) => {
    const gated = handlers.gate ? handlers.gate(fromSide, chunk) : null;
    const out = gated ? gated.forward : chunk;
    if (out && out.length > 0 && !to.destroyed && !(pool ? pool.write(to, out) : to.write(out)) && !waiting) {
      waiting = true;
      from.pause();
      to.once('drain', resume);
    }
    if (!gated?.inspected) handlers.inspect(fromSide, chunk);
    const slow = held ? null : handlers.pressure?.();
    if (slow) {
      held = true;
      from.pause();
      slow.then(release, release);
    }
  };
  const onEnd = () => {
    if (!to.destroyed && !to.writableEnded) to.end();
    handlers.ended(fromSide);
  };
  if (pool) {
    // Pausing is onData's (from.pause() stops reading); chunks read before the relay began come first.
    pool.attach(onData);
    if (!waiting && !held) from.resume();
  } else from.on('data', onData);
  from.on('end', onEnd);
  return () => {
    // Whoever takes the sockets over (STLS) decides when they flow again: no late resume from here.
    stopped = true;
    pool?.detach();
    from.off('data', onData);
    from.off('end', onEnd);
    to.off('drain', resume);
  };
}
