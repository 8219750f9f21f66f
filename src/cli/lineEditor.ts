/**
 * The line editor of `pop3scope client`: node:readline with Tab completion and an in-memory history, whose echo
 * and history never hold a secret. What is secret, and what Tab offers, is the sans-IO core's (client/typing.ts);
 * this file only wires it into readline.
 */
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { HISTORY_SIZE } from '../client/limits.js';

/** What the editor asks of the client core. */
export interface Typing {
  /** The line as it may be shown and kept: its secret masked. */
  mask(line: string): string;
  /** Tab's candidates for the line typed so far, and the text they replace. */
  complete(line: string): [string[], string];
}

export interface LineEditorOptions {
  readonly input: Readable;
  readonly output: Writable;
  /** A terminal: echo, prompt, Tab and history; otherwise lines are read as they come (piped input). */
  readonly terminal: boolean;
  readonly typing: Typing;
}

type Internals = readline.Interface & { _writeToOutput(s: string): void; line: string; cursor: number };

export function lineEditor(o: LineEditorOptions): readline.Interface {
  const rl = readline.createInterface({
    input: o.input,
    output: o.output,
    terminal: o.terminal,
    // In memory only: a history file would be one more place a password could land.
    historySize: o.terminal ? HISTORY_SIZE : 0,
    completer: (line: string) => o.typing.complete(line),
    prompt: '',
  });
  if (o.terminal) maskEcho(rl as Internals, o.typing);
  // A PASS line is kept masked: Up shows `pass ******`, never the password. readline takes the line it hands to
  // 'line' before it tells 'history' listeners, so the real line still goes out (Node documents this use).
  rl.on('history', (history: string[]) => {
    if (history[0] !== undefined) history[0] = o.typing.mask(history[0]);
  });
  return rl;
}

/**
 * readline echoes what is typed through _writeToOutput: a redraw writes the prompt and the whole line, typing
 * at the end only the characters typed. Either way the secret part is written as `*`.
 */
function maskEcho(rl: Internals, typing: Typing): void {
  const write = rl._writeToOutput.bind(rl);
  rl._writeToOutput = (s: string) => {
    const line = rl.line;
    const masked = typing.mask(line);
    if (masked === line) return write(s);
    const prompt = rl.getPrompt();
    if (s === prompt + line) return write(prompt + masked);
    if (rl.cursor === line.length && line.endsWith(s)) {
      const before = typing.mask(line.slice(0, line.length - s.length));
      if (masked.startsWith(before)) return write(masked.slice(before.length));
      // The secret began earlier than it seemed (AUTH's blob after a word that looked like a mechanism).
      return write(`\x1b[1G\x1b[0J${prompt}${masked}`);
    }
    write(s);
  };
}
