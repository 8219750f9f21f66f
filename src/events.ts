/**
 * The contracts between whatever produces sessions (the live proxy, capture replay, the mock server) and
 * whatever consumes them (screen, capture file, log, dashboard, text printer). They live here, below both,
 * so that ui/, replay/ and render/ implement them without importing the proxy.
 *
 * Guarantees every producer keeps:
 * - `open` comes first for a session, before any `event` of it;
 * - `event` carries the engine's events in order (data events carry masked bytes only);
 * - every session ends with exactly one `close`, after its last event (its summary is the last event).
 */
import type { EngineEvent } from './analysis/types.js';

export interface SessionStart {
  readonly session: string;
  readonly t: number;
  readonly client: string;
  readonly upstream: string;
  readonly tls: 'none' | 'implicit';
}

export interface SessionEnd {
  readonly session: string;
  readonly t: number;
  readonly by: 'client' | 'server' | 'proxy';
  readonly reason: string;
  /** Set when the server ended TLS with no close_notify before its TCP close (POP3_TLS_UNCLEAN_SHUTDOWN). */
  readonly uncleanTls?: 'server';
}

/**
 * A live sink. Its hooks are called synchronously on the relay path, so it must only queue work, never block;
 * it slows the relay down only through `pressure`. A data event's bytes are valid during the `event` call only:
 * the proxy reads the server into buffers it uses again (proxy/readPool.ts), so a sink that keeps bytes for
 * later copies them (web/feed.ts does; the capture and pcapng writers encode them at once).
 */
export interface ProxySink {
  open?(start: SessionStart): void;
  event?(e: EngineEvent): void;
  close?(end: SessionEnd): void;
  /**
   * A promise while the sink cannot keep up (the capture's file is behind): the relay pauses reading until it
   * settles. Null (or absent) when all is well. Called after every relayed chunk, so it must be cheap.
   */
  pressure?(): Promise<void> | null;
  /** Flush and release whatever the sink holds (the proxy is stopping). */
  stop?(): Promise<void> | void;
}

/** A replay sink: the same hooks, and a returned promise is awaited (that is a replay's backpressure). */
export interface ReplaySink {
  open?(start: SessionStart): void | Promise<void>;
  event?(e: EngineEvent): void | Promise<void>;
  close?(end: SessionEnd): void | Promise<void>;
}
