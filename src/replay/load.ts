/**
 * Reading the sessions to replay from a capture file, with one-line errors. Unlike `show`, replay keeps the
 * chosen sessions' bytes in memory (it must send them again), so `--session` also keeps memory small.
 */
import { CaptureFaults, type SessionFaults } from '../capture/faults.js';
import type { CaptureRecord } from '../capture/format.js';
import { openRecords } from '../capture/input.js';
import type { TraceOptions } from '../capture/pcap/trace.js';
import { type RecordedSession, recordedSessions } from './script.js';

/** A session to replay, with the faults its recording says were injected into it (or null). */
export interface LoadedSession extends RecordedSession {
  readonly recordedFaults: SessionFaults | null;
}

/** A problem that stops a replay before it starts: the message is one line; the CLI exits 2 with it. */
export class ReplayError extends Error {}

/**
 * The sessions of `file` to replay: the one named `session` (every session that had that id), or all of them
 * in the order they opened. Refuses, in one line, a capture without sessions and sessions replay cannot
 * reproduce (STLS, opaque TLS).
 */
export async function loadSessions(
  file: string,
  session: string | undefined,
  warn: (m: string) => void,
  trace?: TraceOptions,
): Promise<LoadedSession[]> {
  const name = file === '-' ? 'stdin' : file;
  const wanted = session === undefined ? undefined : (id: string) => id === session;
  // The faults each session was recorded under (its run's header), so --serve can inject them again.
  const faults = new CaptureFaults();
  const records = await openRecords(file, { warn, trace });
  async function* watched(): AsyncGenerator<CaptureRecord> {
    for await (const r of records) {
      faults.record(r);
      yield r;
    }
  }
  const sessions = (await recordedSessions(watched(), wanted)).map((s) => ({
    ...s,
    recordedFaults: faults.of(s.id),
  }));
  if (sessions.length === 0) {
    throw new ReplayError(
      session === undefined ? `${name} holds no session to replay` : `no session "${session}" in ${name}`,
    );
  }
  for (const s of sessions) {
    if (s.unsupported) throw new ReplayError(`cannot replay session ${s.id} of ${name}: ${s.unsupported}`);
  }
  return sessions;
}
