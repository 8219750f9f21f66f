/**
 * The faults a capture says were injected. Each run that injected faults records its seed and rules in its
 * header (`header.faults`); a run appended after it writes a header of its own, with or without faults (the
 * writer and the reader see to that), so every session belongs to the run whose header came before its open
 * record. `replay --serve` of a capture reads them here to inject the same faults again.
 */
import type { CaptureRecord, HeaderFaults, HeaderRecord } from './format.js';

/** The faults of the run a session was recorded in, and where the session stood in that run. */
export interface SessionFaults {
  readonly faults: HeaderFaults;
  /** The session's number in its run (1-based, in the order sessions opened): what a `session=N` rule counts. */
  readonly nth: number;
}

/** A header's faults (a copy), or null when its run injected none. */
export function headerFaults(header: HeaderRecord): HeaderFaults | null {
  return header.faults ? { seed: header.faults.seed, rules: [...header.faults.rules] } : null;
}

/** Follows a capture's records as they are read: which faults each run and each session was recorded under. */
export class CaptureFaults {
  /** Every run's faults, in file order (runs without faults are not listed). */
  readonly runs: HeaderFaults[] = [];
  private current: HeaderFaults | null = null;
  private opened = 0;
  // Only sessions of runs with faults are kept: a capture recorded without faults costs nothing here.
  private readonly sessions = new Map<string, SessionFaults>();

  /** Takes one record (any type; only headers and open records matter). */
  record(r: CaptureRecord): void {
    if (r.type === 'header') {
      this.current = headerFaults(r);
      this.opened = 0;
      if (this.current) this.runs.push(this.current);
    } else if (r.type === 'open') {
      this.opened++;
      if (this.current) this.sessions.set(r.session, { faults: this.current, nth: this.opened });
    }
  }

  /** The faults the session was recorded under, or null (none, or a session never seen opening). */
  of(session: string): SessionFaults | null {
    return this.sessions.get(session) ?? null;
  }
}

/** Every run's faults of a capture's records (reads them all), in file order; empty when none were injected. */
export async function captureFaults(records: AsyncIterable<CaptureRecord>): Promise<HeaderFaults[]> {
  const faults = new CaptureFaults();
  for await (const r of records) faults.record(r);
  return faults.runs;
}
