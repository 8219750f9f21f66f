/** Opens the captures named on the command line ("-" is stdin) and drives the engine over them. */
import type { EngineEvent } from '../analysis/types.js';
import { analyzeCapture } from '../capture/analyzeCapture.js';
import type { TraceOptions } from '../capture/pcap/trace.js';
import { CliError } from './errors.js';

/**
 * Feeds every capture to the engine, a fresh analyzer per file (analyzeCapture), and hands each event to
 * `sink`. `session` limits the output to one session id; naming one that no file holds is an error.
 * `fileDone` is called after each file's last event.
 */
export async function analyzeCaptures(
  files: readonly string[],
  session: string | undefined,
  sink: (e: EngineEvent, file: string) => Promise<void> | void,
  warn: (message: string) => void,
  fileDone: (file: string) => Promise<void> | void = () => {},
  trace: TraceOptions = {},
): Promise<void> {
  let found = session === undefined;
  for (const file of files) {
    for await (const e of analyzeCapture(file, { session, warn, trace })) {
      if (e.type === 'summary') found = true;
      await sink(e, file);
    }
    await fileDone(file);
  }
  if (!found) throw new CliError(`no session "${session}" in ${files.join(', ')}`);
}
