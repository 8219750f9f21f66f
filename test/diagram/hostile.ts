/**
 * Hostile label text for the Mermaid tests (unit and browser): random strings of any unicode, control
 * characters, and pieces that mean something to Mermaid, HTML or a terminal mixed in.
 */
import fc from 'fast-check';

/** Pieces that mean something to Mermaid, to HTML or to a terminal, to mix into random text. */
export const NASTY = [
  ';',
  '#',
  '#59;',
  '#quot;',
  '%%',
  '%%{init: {"securityLevel":"loose","theme":"dark"}}%%',
  '<br>',
  '<br/>',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '&amp;',
  '-->>',
  '->>',
  '--x',
  'end',
  'Note over Client',
  'participant X',
  'wrap:',
  ':wrap:',
  'nowrap:',
  ':',
  '\r\n',
  '\n',
  '\r',
  '\x00',
  '\x1b[2J',
  '\u2028',
  '\u202e',
  '\u200b',
  '\ud800',
  'ﬂ°°',
  '¶ß',
  '😀',
  '中文',
  '```',
  'sequenceDiagram',
];

/** A string of up to 12 pieces: random (any code unit, lone surrogates too), nasty, or plain. */
export const hostile = fc
  .array(fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom(...NASTY), fc.string()), { maxLength: 12 })
  .map((parts) => parts.join(''));
