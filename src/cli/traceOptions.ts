/**
 * The flags of every command that reads packet traces (show, check, replay, export): `--port N` (repeatable)
 * reads another port as POP3, `--tls-keylog FILE` decrypts TLS. The key log is read before anything else, so
 * a missing file is one line and exit 2, not a half-printed transcript.
 */
import { readFile, stat } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { KeyLog } from '../capture/pcap/keylog.js';
import type { TraceOptions } from '../capture/pcap/trace.js';
import { counted } from '../words.js';
import { CliError } from './errors.js';
import { MAX_KEYLOG_BYTES } from './limits.js';
import { portNumber } from './parsers.js';

export interface TraceFlags {
  port?: number[];
  tlsKeylog?: string;
}

/** Adds --port and --tls-keylog to `command`. */
export function addTraceOptions(command: Command): Command {
  const port = portNumber('--port');
  return command
    .addOption(
      new Option(
        '--port <n>',
        'packet traces: read this TCP port as POP3 too (repeatable; 110 and 995 always are)',
      ).argParser((text: string, previous: number[] | undefined) => [...(previous ?? []), port(text)]),
    )
    .option(
      '--tls-keylog <file>',
      'packet traces: decrypt TLS with this key log (SSLKEYLOGFILE format, as curl, Firefox and Node write it)',
    );
}

/** The trace options the flags ask for; reads the key log. Throws CliError (one line). */
export async function traceOptions(
  flags: TraceFlags,
  warn: (message: string) => void,
): Promise<TraceOptions> {
  const ports = flags.port ?? [];
  if (flags.tlsKeylog === undefined) return { ports };
  const file = flags.tlsKeylog;
  let text: string;
  try {
    const size = (await stat(file)).size;
    if (size > MAX_KEYLOG_BYTES)
      throw new CliError(
        `--tls-keylog ${file}: ${size} bytes, more than a key log holds (${MAX_KEYLOG_BYTES})`,
      );
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      `--tls-keylog ${file}: cannot read it (${code === 'ENOENT' ? 'no such file' : (code ?? String(error))})`,
    );
  }
  const keylog = KeyLog.parse(text);
  if (keylog.badLines > 0) {
    const first = keylog.problems[0];
    warn(
      `--tls-keylog ${file}: ${counted(keylog.badLines, 'line')} not understood${first ? ` (line ${first.line}: ${first.why})` : ''}`,
    );
  }
  return { ports, keylog };
}
