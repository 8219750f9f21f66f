/**
 * Text that came off the wire, made safe for a Mermaid sequenceDiagram (diagram/mermaid.ts). A label can hold
 * anything a server or a client sent — already redacted, but otherwise hostile: `;` ends a Mermaid statement,
 * `#` starts an entity code, `%%{` a directive (a theme, a security level) anywhere in the text, `<br>` a line
 * break, `<`/`&` HTML; a line ending starts a new statement. Mermaid's own way out is its entity codes
 * (`#59;` for `;`, `#35;` for `#`: mermaid.js.org/syntax/sequenceDiagram, "Entity codes to escape
 * characters"), which it decodes only after parsing. Pure; runs in the browser too.
 */
import { MERMAID_MAX_LABEL } from './limits.js';

/**
 * ASCII that means something to Mermaid or to the HTML it renders into (`:` is safe after the message's first
 * colon, `-->>` and `end` are plain text there). The rest stays as it is, so the Markdown source reads well.
 */
const SPECIAL = new Set(['#', ';', '%', '<', '>', '&']);

/**
 * Mermaid hides entity codes behind these four characters while it parses (ﬂ°°60¶ß for #60;) and turns them
 * back afterwards: a label holding them itself would come out as a different character.
 */
const PLACEHOLDER = new Set(['\uFB02', '\u00B0', '\u00B6', '\u00DF']);

/** A code point as a Mermaid entity code: decimal, as Mermaid's docs write them (#9829; for ♥). */
const entity = (cp: number) => `#${cp};`;

/**
 * Control characters as the transcript shows them (`\r`, `\x1b`), invisible and format characters (a
 * right-to-left override, a zero-width space, U+2028 which ends a JavaScript line) as `\u{202e}`: visible in
 * the diagram, and never a byte Mermaid's lexer or an XML parser could trip on.
 */
function visibleChar(ch: string, cp: number): string {
  if (ch === '\r') return '\\r';
  if (ch === '\n') return '\\n';
  if (ch === '\t') return '\\t';
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch)) return `\\u{${cp.toString(16)}}`;
  return ch;
}

/**
 * The label as a person should read it: control and invisible characters spelled out, at most `max`
 * characters, clipped with "…" (never inside a spelled-out character or a surrogate pair).
 */
export function visible(text: string, max = MERMAID_MAX_LABEL): string {
  const parts: string[] = [];
  const counts: number[] = [];
  let n = 0;
  for (const ch of text) {
    const shown = visibleChar(ch, ch.codePointAt(0) ?? 0);
    // A spelled-out character is ASCII: its length is its count of characters.
    const count = shown === ch ? 1 : shown.length;
    if (n + count > max) {
      while (parts.length > 0 && n + 1 > max) {
        parts.pop();
        n -= counts.pop() ?? 0;
      }
      return `${parts.join('')}…`;
    }
    parts.push(shown);
    counts.push(count);
    n += count;
  }
  return parts.join('');
}

/** A visible label as Mermaid text: its specials as entity codes, nothing else touched (it stays readable). */
export function escapeLabel(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    out += SPECIAL.has(ch) || PLACEHOLDER.has(ch) ? entity(cp) : ch;
  }
  // Mermaid reads a message beginning "wrap:", "nowrap:" (or ":wrap:") as a wrapping instruction, not as text.
  const wrap = /^\s*:?(no)?wrap:/i.exec(out);
  if (wrap) {
    const at = out.search(/\S/);
    out = `${out.slice(0, at)}${entity(out.charCodeAt(at))}${out.slice(at + 1)}`;
  }
  // An empty message is legal but draws nothing to click on or read.
  return out.trim() === '' ? '(empty)' : out;
}

/** Wire text to a Mermaid label: visible, clipped, escaped. */
export function mermaidLabel(text: string, max = MERMAID_MAX_LABEL): string {
  return escapeLabel(visible(text, max));
}
