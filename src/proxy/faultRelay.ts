/**
 * The server → client relay when faults are injected (`--fault`): each chunk from the server is inspected as it
 * came (the engine judges the server on what it really sent), then handed to the injector, whose steps are
 * carried out in order — send, wait, close, stall — while the server is paused if they take time. With no rule
 * matching, every chunk goes out as received (the injector hands back the very chunk). The client → server
 * direction is relayed by pipeSide as always; the injector only watches it (which command each answer is for).
 */

import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultStep, Injector } from '../faults/types.js';
import type { Gated, RelayHandlers } from './relay.js';

export type { Injector, InjectorFactory } from '../faults/types.js';

/** What the session does for the steps that are not bytes. */
export interface FaultActions {
  /** A rule fired: report it (an engine event, recorded and shown). */
  injected(step: Extract<FaultStep, { type: 'injected' }>): void;
  /** Close the client connection now (with a RST when asked). */
  close(rst: boolean): void;
  /** STLS is about to start TLS with the client: make it fail instead. */
  tlsFail(): void;
}

/** Relays server → client through the injector. Returns a function that stops relaying. */
export function pipeWithFaults(
  from: Duplex,
  to: Duplex,
  handlers: RelayHandlers,
  injector: Injector,
  actions: FaultActions,
): () => void {
  const queue: FaultStep[] = [];
  let running = false;
  let stopped = false;
  let stalled = false;
  let ended = false;

  const run = async () => {
    running = true;
    from.pause();
    while (queue.length > 0 && !stopped) {
      const step = queue.shift()!;
      if (stalled) continue;
      switch (step.type) {
        case 'send':
          if (!to.destroyed && !to.write(step.bytes)) await onceDrained(to);
          break;
        case 'wait':
          await sleep(step.ms);
          break;
        case 'close':
          stalled = true;
          actions.close(step.rst);
          break;
        case 'stall':
          stalled = true;
          break;
        case 'tls-fail':
          actions.tlsFail();
          break;
        case 'injected':
          actions.injected(step);
          break;
      }
    }
    running = false;
    if (stopped) return;
    if (ended && !stalled && !to.destroyed && !to.writableEnded) to.end();
    from.resume();
  };

  const onData = (chunk: Buffer) => {
    const gated: Gated | null = handlers.gate ? handlers.gate('upstream', chunk) : null;
    const out = gated ? gated.forward : chunk;
    if (!gated?.inspected) handlers.inspect('upstream', chunk);
    if (out && out.length > 0) for (const step of injector.server(out)) queue.push(step);
    if (!running) {
      // The common case: nothing but bytes to send — written at once, as pipeSide would; only a full client
      // buffer, or a step that takes time, pauses the server.
      let full = false;
      while (!full && queue.length > 0 && queue[0]!.type === 'send' && !stalled) {
        const step = queue.shift() as Extract<FaultStep, { type: 'send' }>;
        full = !to.destroyed && !to.write(step.bytes);
      }
      if (stalled) queue.length = 0;
      if (full) {
        running = true;
        from.pause();
        void onceDrained(to).then(() => {
          running = false;
          if (queue.length > 0) void run();
          else if (!stopped) from.resume();
        });
      } else if (queue.length > 0) void run();
    }
    const slow = handlers.pressure?.();
    if (slow) {
      from.pause();
      slow.then(
        () => !running && !stopped && from.resume(),
        () => !running && !stopped && from.resume(),
      );
    }
  };
  const onEnd = () => {
    ended = true;
    // A stalled connection stays open: the client must notice the silence itself (that is the point).
    if (!running && !stalled && !to.destroyed && !to.writableEnded) to.end();
    handlers.ended('upstream');
  };
  from.on('data', onData);
  from.on('end', onEnd);
  return () => {
    stopped = true;
    from.off('data', onData);
    from.off('end', onEnd);
  };
}

function onceDrained(to: Duplex): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      to.off('drain', done);
      to.off('close', done);
      resolve();
    };
    to.on('drain', done);
    to.on('close', done);
  });
}
