/**
 * What the person at the keyboard sees of what they type: the echo with its secret masked (the password after
 * PASS, APOP's digest, AUTH's initial response, a whole SASL response line), and the commands Tab offers, from
 * the command table, for the phase the engine says the session is in. Pure: readline (cli/client.ts) calls it.
 */

import stringWidth from 'string-width';
import { COMMANDS, type Phase } from '../protocol/commands.js';
import { secretStart } from '../protocol/secrecy.js';

const MASK = '*';

/**
 * Where the secret of a typed line begins, as a string index (-1: none). The engine's own rule
 * (protocol/secrecy.ts) decides, on the line typed so far, so the echo hides exactly what the engine hides.
 * `saslResponse`: the line answers a server's "+ " challenge, so all of it is secret.
 */
export function secretFrom(line: string, saslResponse: boolean): number {
  if (saslResponse) return line.length === 0 ? -1 : 0;
  const bytes = Buffer.from(line, 'utf8');
  const start = secretStart(bytes);
  if (start < 0 || start >= bytes.length) return -1;
  // The byte offset sits at a character boundary (after an ASCII separator or letter): find its index.
  let octets = 0;
  let i = 0;
  for (const ch of line) {
    if (octets >= start) return i;
    octets += Buffer.byteLength(ch, 'utf8');
    i += ch.length;
  }
  return -1;
}

/**
 * The line as it is echoed and kept in history: each character of the secret replaced by as many `*` as the
 * cells it takes (one for "hungry"'s letters, two for a wide CJK character), so readline, which places the
 * cursor by the real line, and the masked echo stay aligned.
 */
export function maskTyped(line: string, saslResponse: boolean): string {
  const from = secretFrom(line, saslResponse);
  if (from < 0) return line;
  let masked = line.slice(0, from);
  for (const ch of line.slice(from)) masked += MASK.repeat(ch === '\t' ? 1 : stringWidth(ch));
  return masked;
}

/**
 * The commands valid in `phase` that start like the first word typed, for readline's completer: the
 * candidates and the text they replace. A verb that needs an argument comes with a space after it. Nothing
 * is offered after the first word, before the greeting, or during a SASL exchange (the line is a response).
 */
export function completions(line: string, phase: Phase | null, saslResponse: boolean): [string[], string] {
  // Leading blanks are skipped: a pasted Tab (readline inserts it as text) must not end completion for the line.
  const word = line.trimStart();
  if (phase === null || saslResponse || /\s/.test(word)) return [[], word];
  const typed = word.toUpperCase();
  const hits = [...COMMANDS.values()]
    .filter((c) => c.phases.includes(phase) && !c.legacy && c.verb.startsWith(typed))
    .map((c) => (c.required.length > 0 ? `${c.verb} ` : c.verb))
    .sort();
  return [hits, word];
}
