/**
 * A capture's engine events, from a file or a stream: read record by record (readCapture, so a large file is
 * never held whole) and fed to a CaptureAnalyzer, exactly as `show` and `check` replay it. Every session ends
 * with its summary event, including the sessions the capture never closed.
 */
import type { Readable } from 'node:stream';
import type { EngineEvent } from '../analysis/types.js';
import { CaptureAnalyzer } from './analyze.js';
import { openCapture } from './open.js';
import { readCapture } from './reader.js';

export interface AnalyzeCaptureOptions {
  /** Only the events of this session id (as `show --session`). */
  readonly session?: string;
  /** Receives problems that lose nothing before them (a cut-short last line); ignored by default. */
  readonly warn?: (message: string) => void;
  /** The capture's name in messages; default the path ("stdin" for "-"), or "stream". */
  readonly name?: string;
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
  for await (const record of readCapture(input, name, options.warn)) yield* analyzer.record(record);
  yield* analyzer.end();
}
