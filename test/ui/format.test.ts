/**
 * Terminal cell width (string-width's rules) for the dashboard's clipping, padding and wrapping: combining marks
 * and zero-width characters take no cell, emoji sequences two, and plain ASCII never pays for the measuring.
 */
import { describe, expect, it, vi } from 'vitest';

const measured = vi.hoisted(() => ({ calls: 0 }));
vi.mock('string-width', async (importOriginal) => {
  const real = (await importOriginal<typeof import('string-width')>()).default;
  return {
    default: (s: string, o?: Parameters<typeof real>[1]) => {
      measured.calls++;
      return real(s, o);
    },
  };
});

const { cells, clipRow, clipText, padTo, row, span, wrap } = await import('../../src/ui/format.js');

const ACUTE = 'e\u0301'; // e + COMBINING ACUTE ACCENT: one cell
const ZWSP = '\u200b';

describe('cells', () => {
  it('regression: a combining mark takes no cell (was counted as one)', () => {
    expect(cells(ACUTE)).toBe(1);
    expect(cells(`caf${ACUTE}`)).toBe(4);
  });

  it('regression: zero-width characters take none (zero-width space, joiner, BOM)', () => {
    expect(cells(`a${ZWSP}b`)).toBe(2);
    expect(cells('a\u200db')).toBe(2);
    expect(cells('\ufeffabc')).toBe(3);
  });

  it('East Asian wide characters take two', () => {
    expect(cells('漢字ab')).toBe(6);
    expect(cells('한국어')).toBe(6);
    expect(cells('ｱｲ')).toBe(2); // halfwidth katakana: narrow
  });

  it('regression: an emoji sequence is one glyph of two cells (modifiers and ZWJ families were summed)', () => {
    expect(cells('😀')).toBe(2);
    expect(cells('👍🏽')).toBe(2);
    expect(cells('👨‍👩‍👧')).toBe(2);
    expect(cells('🇫🇷')).toBe(2);
    expect(cells('✅')).toBe(2); // U+2705, outside the old regex's ranges
  });

  it('plain ASCII is its length, without calling string-width', () => {
    const before = measured.calls;
    expect(cells('S: +OK 2 messages (1410 octets)')).toBe(31);
    expect(cells('')).toBe(0);
    expect(clipText('abcdef', 4)).toBe('abc…');
    expect(padTo('abc', 6, 'right')).toBe('   abc');
    expect(wrap('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(measured.calls).toBe(before);
    expect(cells('é')).toBe(1);
    expect(measured.calls).toBeGreaterThan(before);
  });
});

describe('clipping, padding and wrapping by cells', () => {
  it('regression: clipping never splits a grapheme from its combining mark', () => {
    expect(clipText(`a${ACUTE}bc`, 3)).toBe(`a${ACUTE}…`);
    expect(clipText(`${ACUTE}${ACUTE}${ACUTE}`, 3)).toBe(`${ACUTE}${ACUTE}${ACUTE}`);
    expect(clipText(`${ACUTE}${ACUTE}${ACUTE}${ACUTE}`, 3)).toBe(`${ACUTE}${ACUTE}…`);
  });

  it('never cuts a wide character or an emoji in half, and stays within the width', () => {
    expect(clipText('漢字漢字', 5)).toBe('漢字…');
    expect(clipText('漢字漢字', 4)).toBe('漢…');
    expect(clipText('漢字', 4)).toBe('漢字');
    expect(clipText('a👨‍👩‍👧b👍🏽c', 5)).toBe('a👨‍👩‍👧b…');
    for (const s of ['漢字漢字漢字', `x${ACUTE}${ZWSP}y😀z`, '👍🏽👍🏽👍🏽', 'plain text'])
      for (let w = 0; w <= 8; w++) expect(cells(clipText(s, w)), `${s} in ${w}`).toBeLessThanOrEqual(w);
  });

  it('clips the same string to each width it is asked for (the clip is remembered per width)', () => {
    const s = `Gr${ACUTE}ße aus München`;
    for (const w of [6, 3, 6, 10, 3]) {
      const clipped = clipText(s, w);
      expect(cells(clipped)).toBe(w);
      expect(clipped.endsWith('…')).toBe(true);
    }
    expect(clipText(s, 6)).toBe(`Gr${ACUTE}ße…`);
    expect(clipText(s, 3)).toBe('Gr…');
  });

  it('pads to exactly the width, counting combining marks and zero-width characters as nothing', () => {
    expect(padTo(ACUTE, 3)).toBe(`${ACUTE}  `);
    expect(padTo(`a${ZWSP}`, 3)).toBe(`a${ZWSP}  `);
    expect(padTo('漢', 3, 'right')).toBe(' 漢');
    for (const s of [ACUTE, '漢字', '😀x', `${ZWSP}`]) expect(cells(padTo(s, 5))).toBe(5);
  });

  it('wraps and clips rows by cells', () => {
    expect(wrap(`caf${ACUTE} cr${ACUTE}me`, 5)).toEqual([`caf${ACUTE}`, `cr${ACUTE}me`]);
    expect(wrap('漢字 漢字', 4)).toEqual(['漢字', '漢字']);
    const clipped = clipRow(row(span(`r${ACUTE}sum${ACUTE} `), span('漢字漢字', 'dim')), 10);
    expect(clipped.spans.map((s) => s.text)).toEqual([`r${ACUTE}sum${ACUTE} `, '漢…']);
  });
});
