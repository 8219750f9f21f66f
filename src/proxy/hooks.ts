/**
 * The typed hooks a proxy offers its sinks (screen, capture, log, dashboard). Guarantees:
 * - `open` comes first for a session, before any `event` of it;
 * - `event` carries the engine's events in order (data events carry masked bytes only);
 * - every session ends with exactly one `close`, after its last event (its summary is the last event);
 * - hooks are called synchronously on the relay path, so a sink must only queue work, never block.
 */
import type { EngineEvent } from '../analysis/types.js';

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

/** Fans one hook call out to every sink; a sink that throws is reported and never breaks the relay. */
export class Hooks {
  constructor(
    private readonly sinks: ProxySink[],
    private readonly onSinkError: (error: unknown) => void = () => {},
  ) {}

  add(sink: ProxySink): void {
    this.sinks.push(sink);
  }

  open(start: SessionStart): void {
    for (const s of this.sinks) this.guard(() => s.open?.(start));
  }

  event(e: EngineEvent): void {
    for (const s of this.sinks) this.guard(() => s.event?.(e));
  }

  close(end: SessionEnd): void {
    for (const s of this.sinks) this.guard(() => s.close?.(end));
  }

  /** What the relay must wait for before reading on (ProxySink.pressure), or null. */
  pressure(): Promise<void> | null {
    const waits: Promise<void>[] = [];
    for (const s of this.sinks) {
      const p = s.pressure ? this.guard(() => s.pressure!()) : null;
      if (p) waits.push(p);
    }
    if (waits.length === 0) return null;
    return waits.length === 1 ? waits[0]! : Promise.all(waits).then(() => {});
  }

  async stop(): Promise<void> {
    for (const s of this.sinks) await Promise.resolve(this.guard(() => s.stop?.()));
  }

  private guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      this.onSinkError(error);
      return undefined;
    }
  }
}
