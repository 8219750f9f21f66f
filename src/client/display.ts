/**
 * How the line client lays out what it shows: server lines as received (telnet's view), the engine's
 * explanation under a response as `  # ` lines (a comment, as in a --script file), violations as `  ! `
 * lines, wrapped to the terminal's width. Pure; colours are the driver's (cli/client.ts).
 */
import stringWidth from 'string-width';
import type { Shown } from './core.js';

export const EXPLAIN_PREFIX = '  # ';
export const VIOLATION_PREFIX = '  ! ';

/** `text` cut at spaces into lines of at most `width` cells, each starting with `indent` (width 0: no wrap). */
export function wrap(text: string, width: number, indent: string): string[] {
  const room = width - stringWidth(indent);
  if (width <= 0 || room < 20) return [indent + text];
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line === '' ? word : `${line} ${word}`;
    if (line !== '' && stringWidth(next) > room) {
      out.push(indent + line);
      line = word;
    } else {
      line = next;
    }
  }
  out.push(indent + line);
  return out;
}

/** The screen lines of one shown item; `width` 0 when the output is not a terminal (no wrapping). */
export function layout(item: Shown, width: number): string[] {
  switch (item.kind) {
    case 'server':
      // Server lines are never wrapped: the terminal does it, and a copied transcript stays as received.
      return [item.text];
    case 'explain':
      return wrap(item.text, width, EXPLAIN_PREFIX);
    case 'violation':
      return wrap(item.text, width, VIOLATION_PREFIX);
    case 'note':
      return [item.text];
  }
}
