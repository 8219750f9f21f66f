/**
 * Splits the client's byte stream into command lines, however it is chunked (RFC 1939 §3), on top of the
 * engine's LineBuffer: it keeps a bounded prefix of each line (MAX_KEPT_LINE) and counts the rest, so a
 * client that never sends a line ending cannot grow memory. What the server adds is the command rule: a line
 * over MAX_COMMAND_LINE octets, ending included (RFC 2449 §4), is too long and is answered -ERR as a whole.
 *
 * A bare LF also ends a line: RFC 1939 asks for CRLF, but refusing LF-only clients (telnet on some systems,
 * hand-typed tests with nc) helps nobody, and Dovecot accepts them too.
 */
import { MAX_COMMAND_LINE } from '../protocol/limits.js';
import { LineBuffer } from '../protocol/lineBuffer.js';

export interface CommandLine {
  /** The line without its ending, decoded as UTF-8; empty for a line that is too long. */
  readonly text: string;
  /** All octets of the line, ending included. */
  readonly octets: number;
  /** True when the line, ending included, is over MAX_COMMAND_LINE octets. */
  readonly tooLong: boolean;
}

export class CommandFramer {
  private readonly buffer = new LineBuffer();

  /** Octets of the unfinished line waiting for its ending. */
  get pending(): number {
    return this.buffer.pending;
  }

  /** The complete lines in `chunk`; an unfinished tail is held for the next call. */
  push(chunk: Buffer): CommandLine[] {
    const lines: CommandLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const { end, line } = this.buffer.push(chunk, start);
      start = end;
      if (!line) continue;
      const tooLong = line.octets > MAX_COMMAND_LINE;
      // A too-long line is never interpreted, so its kept prefix is not decoded either.
      lines.push({ text: tooLong ? '' : line.content.toString('utf8'), octets: line.octets, tooLong });
    }
    return lines;
  }
}
