/** Opens the captures named on the command line ("-" is stdin) and drives the engine over them. */
import type { EngineEvent } from '../analysis/types.js';
import { CaptureAnalyzer } from '../capture/analyze.js';
import { openCapture } from '../capture/open.js';
import { readCapture } from '../capture/reader.js';
import { CliError } from './errors.js';

/**
 * Feeds every record of every capture to a fresh analyzer per file and hands each event to `sink`.
 * `session` limits the output to one session id; naming one that no file holds is an error. `fileDone` is
 * called after each file's last event.
 */
export async function analyzeCaptures(
  files: readonly string[],
  session: string | undefined,
  sink: (e: EngineEvent, file: string) => Promise<void> | void,
  warn: (message: string) => void,
  fileDone: (file: string) => Promise<void> | void = () => {},
): Promise<void> {
  let found = session === undefined;
  for (const file of files) {
    const analyzer = new CaptureAnalyzer(session === undefined ? undefined : (id) => id === session);
    const input = await openCapture(file);
    const name = file === '-' ? 'stdin' : file;
    for await (const record of readCapture(input, name, warn)) {
      for (const e of analyzer.record(record)) {
        if (e.type === 'summary') found = true;
        await sink(e, file);
      }
    }
    for (const e of analyzer.end()) {
      if (e.type === 'summary') found = true;
      await sink(e, file);
    }
    await fileDone(file);
  }
  if (!found) throw new CliError(`no session "${session}" in ${files.join(', ')}`);
}
