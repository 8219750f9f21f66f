/**
 * A capture's engine events, from a file or a stream — a pop3scope capture or a packet trace, gzipped or not
 * (input.ts): read record by record (so a large file is
 * never held whole) and fed to a CaptureAnalyzer, exactly as `show` and `check` replay it. Every session ends
 * with its summary event, including the sessions the capture never closed, and those a corrupt part of the
 * file cut short (they are told before the CaptureError is thrown).
 */
import type { Readable } from 'node:stream';
import type { EngineEvent } from '../analysis/types.js';
import { CaptureAnalyzer } from './analyze.js';
import { readRecords } from './input.js';
import { openCapture } from './open.js';
import type { TraceOptions } from './pcap/trace.js';
import { CaptureError } from './reader.js';

export interface AnalyzeCaptureOptions {
  /** Only the events of this session id (as `show --session`). */
  readonly session?: string;
  /** Receives problems that lose nothing before them (a cut-short last line); ignored by default. */
  readonly warn?: (message: string) => void;
  /** The capture's name in messages; default the path ("stdin" for "-"), or "stream". */
  readonly name?: string;
  /** How a packet trace (pcap, pcapng) is read: extra POP3 ports, the TLS key log. */
  readonly trace?: TraceOptions;
}

/**
 * Yields the engine events of every session in a capture. `source` is a path ("-" reads stdin) or a readable
 * stream. Throws CaptureError (a one-line message) for a file that cannot be read or is not a capture.
 */
export async function* analyzeCapture(
  source: string | Readable,
  options: AnalyzeCaptureOptions = {},
): AsyncGenerator<EngineEvent> {
  const { session } = options;
  const analyzer = new CaptureAnalyzer(session === undefined ? undefined : (id) => id === session);
  const input = typeof source === 'string' ? await openCapture(source) : source;
  const name = options.name ?? (typeof source !== 'string' ? 'stream' : source === '-' ? 'stdin' : source);
  const records = readRecords(input, name, { warn: options.warn, trace: options.trace });
  try {
    for await (const record of records) yield* analyzer.record(record);
  } catch (error) {
    // A file corrupt part way: the sessions read before the damage are told (ending there), then the error.
    if (error instanceof CaptureError) yield* analyzer.end();
    throw error;
  }
  yield* analyzer.end();
}
