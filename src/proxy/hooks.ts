/**
 * The proxy's side of the sink contract (src/events.ts): one call fanned out to every sink, each guarded, so a
 * sink that throws never breaks the relay. Hooks are called synchronously on the relay path.
 */
import type { EngineEvent } from '../analysis/types.js';
import type { ProxySink, SessionEnd, SessionStart } from '../events.js';

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
