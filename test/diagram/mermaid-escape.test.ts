/**
 * Labels from the wire made safe for Mermaid (diagram/mermaidText.ts), as properties over random strings
 * (fast-check, any unicode, control characters and Mermaid's own syntax mixed in): nothing that ends a
 * statement, starts a comment or directive, or is HTML survives; nothing invisible either; the reader gets the
 * very text back once Mermaid decodes its entity codes; labels are clipped. Mermaid's own parser reads the
 * same kind of labels in test/browser/mermaid.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MERMAID_MAX_LABEL } from '../../src/diagram/limits.js';
import { mermaidSequence } from '../../src/diagram/mermaid.js';
import { escapeLabel, mermaidLabel, visible } from '../../src/diagram/mermaidText.js';
import { hostile } from './hostile.js';
import { emptySession, tx } from './records.js';

/** What Mermaid shows for an escaped label: its entity codes decoded (it does that after parsing). */
const decode = (s: string) => s.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));

const RUNS = { numRuns: 2000, seed: 16 } as const;

describe('mermaidLabel', () => {
  it('leaves no statement end, comment, entity start, HTML or line break in the text', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = mermaidLabel(s);
        // Every # begins one of our entity codes; nothing else that Mermaid or HTML would read is left.
        expect(out.replace(/#\d+;/g, '')).not.toMatch(/[#;%<>&\r\n]/);
        // Nothing invisible or a control: those are spelled out (\x1b, \u{202e}).
        expect(out).not.toMatch(/[\p{C}\u2028\u2029]|[^\S ]/u);
        expect(out.trim()).not.toBe('');
        expect(out.trimStart()).not.toMatch(/^:?(no)?wrap:/);
      }),
      RUNS,
    );
  });

  it('gives the reader the visible text back, clipped to MERMAID_MAX_LABEL characters', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const shown = visible(s);
        expect([...shown].length).toBeLessThanOrEqual(MERMAID_MAX_LABEL);
        if (shown.trim() !== '') expect(decode(escapeLabel(shown))).toBe(shown);
      }),
      RUNS,
    );
  });

  it('keeps printable text as it is (readable in the Markdown source) and spells out the rest', () => {
    expect(mermaidLabel('+OK 2 messages (1410 octets)')).toBe('+OK 2 messages (1410 octets)');
    expect(mermaidLabel('é ü 中文 😀 "q" \'s\' `t` \\ {b} -->> end')).toBe(
      'é ü 中文 😀 "q" \'s\' `t` \\ {b} --#62;#62; end',
    );
    expect(mermaidLabel('a;b#c%d<e>f&g')).toBe('a#59;b#35;c#37;d#60;e#62;f#38;g');
    expect(mermaidLabel('x\r\ny\x1b[2J\u202ez\u2028')).toBe('x\\r\\ny\\x1b[2J\\u{202e}z\\u{2028}');
    // Mermaid's own placeholders for entity codes: a label holding them must not turn into another character.
    expect(mermaidLabel('ﬂ°°60¶ß')).toBe('#64258;#176;#176;60#182;#223;');
    expect(mermaidLabel('wrap:yes')).toBe('#119;rap:yes');
    // Regression: Mermaid's check is /^:?wrap:/, so ":wrap:" was read as an instruction too.
    expect(mermaidLabel(':wrap:yes')).toBe('#58;wrap:yes');
    expect(mermaidLabel('')).toBe('(empty)');
    expect(mermaidLabel('   ')).toBe('(empty)');
  });

  it('clips by characters, never inside a surrogate pair, with an ellipsis', () => {
    const long = '😀'.repeat(500);
    const out = mermaidLabel(long);
    expect([...out]).toHaveLength(MERMAID_MAX_LABEL);
    expect(out.endsWith('😀…')).toBe(true);
    expect(mermaidLabel('a'.repeat(MERMAID_MAX_LABEL - 1))).toBe('a'.repeat(MERMAID_MAX_LABEL - 1));
    expect(mermaidLabel('a'.repeat(MERMAID_MAX_LABEL))).toBe('a'.repeat(MERMAID_MAX_LABEL));
    expect(mermaidLabel('a'.repeat(MERMAID_MAX_LABEL + 1))).toBe(`${'a'.repeat(MERMAID_MAX_LABEL - 1)}…`);
    // A spelled-out control character is never cut in half.
    expect(mermaidLabel(`${'a'.repeat(MERMAID_MAX_LABEL - 3)}\x1bzz`)).toBe(
      `${'a'.repeat(MERMAID_MAX_LABEL - 3)}…`,
    );
  });
});

describe('mermaidSequence with hostile labels', () => {
  it('writes one statement per line: every line is a participant, an arrow or a note', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (command, text, message) => {
        const s = emptySession({
          transactions: [
            tx(0, null, { text }),
            tx(1, command, {
              status: '-ERR',
              text,
              violations: [{ code: 'POP3_BAD_STATUS', severity: 'error', message, rfc: 'RFC 1939 §3' }],
            }),
          ],
        });
        for (const line of mermaidSequence(s).split('\n').slice(1)) {
          expect(line).toMatch(
            /^ {4}(participant (Client|Server)|(Client|Server)(->>|-\)|-->>|--x)(Client|Server): |Note (over|right of) [A-Za-z,]+: )/,
          );
        }
      }),
      { numRuns: 500, seed: 16 },
    );
  });
});
