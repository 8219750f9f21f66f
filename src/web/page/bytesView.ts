/**
 * Bytes as the detail pane shows them: exactly, visibly. The records hold bytes as strings of one char per
 * octet (latin1; render/wireBytes.ts). CR is shown as ␍, LF as ␊ and a line break, a backslash doubled, every
 * other control or non-ASCII octet as \xNN — so a bare CR, a missing CR before LF, a NUL or a UTF-8 subject
 * line are all visible, and nothing shown can be mistaken for another byte.
 */
import { MAX_SHOWN_OCTETS } from './limits.js';

const hex = (code: number) => code.toString(16).toUpperCase().padStart(2, '0');

/** One octet (or, for text that was never bytes, one char) as shown. */
function shownChar(code: number): string {
  if (code === 0x0d) return '␍';
  if (code === 0x0a) return '␊\n';
  if (code === 0x5c) return '\\\\';
  if (code >= 0x20 && code < 0x7f) return String.fromCharCode(code);
  if (code <= 0xff) return `\\x${hex(code)}`;
  return `\\u{${code.toString(16).toUpperCase()}}`;
}

export interface ShownBytes {
  readonly text: string;
  /** Octets of the input not shown (beyond `max`). */
  readonly cut: number;
}

/** `bytes` as visible text, at most `max` octets of it. */
export function visibleBytes(bytes: string, max = MAX_SHOWN_OCTETS): ShownBytes {
  const end = Math.min(bytes.length, max);
  let text = '';
  let run = 0;
  // Printable runs are copied whole: a 64 KiB body is not 64 Ki string concatenations.
  for (let i = 0; i < end; i++) {
    const code = bytes.charCodeAt(i);
    if (code >= 0x20 && code < 0x7f && code !== 0x5c) continue;
    if (i > run) text += bytes.slice(run, i);
    text += shownChar(code);
    run = i + 1;
  }
  if (end > run) text += bytes.slice(run, end);
  return { text, cut: bytes.length - end };
}
