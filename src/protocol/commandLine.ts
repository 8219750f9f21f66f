/**
 * A masked client command line as it is shown: verb, arguments and line bounded in length, a redacted secret
 * of a line too long to keep described with its real length, and the detail of an unknown command.
 */
import { showCommand } from './clientLines.js';
import { MAX_SHOWN_COMMAND } from './limits.js';
import { endingLength, type Line } from './lineBuffer.js';
import { isMasked } from './redact.js';
import { secretStart } from './secrecy.js';

export interface ShownCommand {
  verb: string;
  /** The arguments as masked, for the grammar check. */
  rawArgs: string[];
  /** The arguments as shown: secrets replaced by a descriptor. */
  args: string[];
  line: string;
}

/** How a masked command line is shown; `line` is the line as framed (its octets, whether it overflowed). */
export function shownCommand(line: Line, masked: Buffer): ShownCommand {
  const shown = showCommand(masked);
  if (line.overflow) fullSecretLength(shown, masked, line);
  shown.line = clip(shown.line);
  shown.verb = clip(shown.verb, 40);
  shown.args = shown.args.map((a) => clip(a));
  shown.rawArgs = shown.rawArgs.map((a) => clip(a));
  return shown;
}

/** The detail of POP3_UNKNOWN_COMMAND; a line masked whole is described, never quoted. */
export function unknownDetail(verb: string): string {
  if (verb === '') return 'empty line';
  if (isMasked(Buffer.from(verb, 'latin1')))
    return 'a line that may hold a credential (hidden: it came after a login step and is no known command)';
  return `"${verb}"`;
}

/** For a line too long to keep, a redacted secret is described with its real length, not the kept one. */
function fullSecretLength(shown: { args: string[]; line: string }, masked: Buffer, line: Line): void {
  const from = secretStart(masked);
  if (from < 0) return;
  const real = `<redacted ${line.octets - endingLength(line) - from} octets>`;
  const kept = /<redacted \d+ octets?(, non-ASCII)?>/;
  shown.line = shown.line.replace(kept, real);
  shown.args = shown.args.map((a) => a.replace(kept, real));
}

/** Keeps what is shown of a command bounded (a legitimate one is under 255 octets). */
function clip(text: string, max = MAX_SHOWN_COMMAND): string {
  if (text.length <= max) return text;
  // A fresh string: a plain slice would keep the whole long original alive inside V8.
  const head = Buffer.from(text.slice(0, max), 'utf8').toString('utf8');
  return `${head}… (${text.length} characters)`;
}
