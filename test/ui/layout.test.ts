/** The layout table: every pane fits, none overlaps, at 80x24 and up to a projector. */
import { describe, expect, it } from 'vitest';
import { LAYOUTS, type LayoutContent, layoutFor, REGIONS, type Rect } from '../../src/ui/layout.js';

const SIZES: [number, number][] = [
  [80, 24],
  [90, 30],
  [100, 30],
  [120, 40],
  [159, 44],
  [160, 45],
  [200, 60],
  [300, 90],
];

const overlaps = (a: Rect, b: Rect) =>
  a.left < b.left + b.width &&
  b.left < a.left + a.width &&
  a.top < b.top + b.height &&
  b.top < a.top + a.height;

/** What the panes hold with n sessions and m messages: a header row plus a row each (or a "nothing" row). */
const holding = (sessions: number, messages = 2): LayoutContent => ({
  sessions: 1 + Math.max(1, sessions),
  mailbox: 1 + messages + 1,
});

const CONTENTS: (LayoutContent | undefined)[] = [undefined, holding(0, 0), holding(2), holding(40, 400)];

describe('layoutFor', () => {
  it.each(SIZES.flatMap(([c, r]) => CONTENTS.map((x) => [c, r, x] as const)))(
    '%ix%i (content %o): every region inside the terminal, no two overlapping, the whole screen used',
    (cols, rows, content) => {
      const { rects } = layoutFor(cols, rows, content);
      let area = 0;
      for (const id of REGIONS) {
        const r = rects[id];
        expect(r.left + r.width, id).toBeLessThanOrEqual(cols);
        expect(r.top + r.height, id).toBeLessThanOrEqual(rows);
        area += r.width * r.height;
        for (const other of REGIONS)
          if (other !== id) expect(overlaps(r, rects[other]), `${id} / ${other}`).toBe(false);
      }
      expect(area).toBe(cols * rows);
    },
  );

  it('80x24 is the compact layout: three session rows, a transcript of 8 lines, a 4-line detail', () => {
    const { name, rects } = layoutFor(80, 24);
    expect(name).toBe('compact');
    expect(rects.sessions.height - 2).toBe(4); // header + 3 sessions
    expect(rects.transcript.height - 2).toBe(8);
    expect(rects.detail.height - 2).toBe(4);
    expect(rects.status).toEqual({ top: 23, left: 0, width: 80, height: 1 });
  });

  it('picks bigger layouts for bigger terminals', () => {
    expect(layoutFor(120, 40).name).toBe('medium');
    expect(layoutFor(200, 60).name).toBe('wide');
    expect(LAYOUTS.at(-1)!.minCols).toBe(0);
  });

  it('tiny terminals still give every region at least one cell inside the screen', () => {
    for (const [cols, rows] of [
      [20, 5],
      [1, 1],
      [40, 10],
    ] as const) {
      const { rects } = layoutFor(cols, rows, holding(2));
      for (const id of REGIONS) {
        const r = rects[id];
        expect(r.width, id).toBeGreaterThanOrEqual(1);
        expect(r.height, id).toBeGreaterThanOrEqual(1);
        expect(r.left + r.width, id).toBeLessThanOrEqual(cols);
        expect(r.top + r.height, id).toBeLessThanOrEqual(rows);
      }
    }
  });
});

// Regression (issue 12): at 200x50 the session list kept 12 rows for 2 sessions and the detail stayed 80 columns
// beside a transcript of 120 mostly empty ones.
describe('layoutFor gives space to what has content', () => {
  it.each([
    // cols, rows, sessions, session-list height (border, header, one row each), transcript height
    [80, 24, 0, 4, 12],
    [80, 24, 2, 5, 11],
    [80, 24, 40, 6, 10],
    [120, 40, 0, 4, 34],
    [120, 40, 2, 5, 33],
    [120, 40, 40, 8, 30],
    [200, 50, 0, 4, 44],
    [200, 50, 2, 5, 43],
    [200, 50, 40, 12, 36],
  ])(
    '%ix%i with %i session(s): the session list is %i rows, the transcript %i',
    (cols, rows, n, list, tr) => {
      const { rects } = layoutFor(cols, rows, holding(n));
      expect(rects.sessions.height).toBe(list);
      expect(rects.transcript.top).toBe(1 + list);
      expect(rects.transcript.height).toBe(tr);
    },
  );

  it('200x50: the transcript stops at 100 columns, the mailbox fits its 2 messages, the detail takes the rest', () => {
    const { name, rects } = layoutFor(200, 50, holding(2));
    expect(name).toBe('wide');
    expect(rects.transcript.width).toBe(100);
    expect(rects.detail.width).toBe(100);
    expect(rects.mailbox).toEqual({ top: 6, left: 100, width: 100, height: 6 }); // header, 2 rows, footer
    expect(rects.detail).toEqual({ top: 12, left: 100, width: 100, height: 37 });
  });

  it('a long mailbox is capped, so the detail keeps room', () => {
    expect(layoutFor(200, 50, holding(2, 400)).rects.mailbox.height).toBe(14);
    expect(layoutFor(120, 40, holding(2, 400)).rects.mailbox.height).toBe(10);
    expect(layoutFor(120, 40, holding(2, 0)).rects.mailbox.height).toBe(4);
  });

  it('at 80x24 the mailbox keeps its column and the detail its six rows, whatever they hold', () => {
    const a = layoutFor(80, 24, holding(2, 0)).rects;
    const b = layoutFor(80, 24, holding(2, 400)).rects;
    expect(a.mailbox).toEqual(b.mailbox);
    expect(a.mailbox.width).toBe(32);
    expect(a.detail.height).toBe(6);
  });

  it('below 200 columns the transcript keeps its share (the cap only trims empty width)', () => {
    expect(layoutFor(120, 40, holding(2)).rects.transcript.width).toBe(69);
    expect(layoutFor(160, 45, holding(2)).rects.transcript.width).toBe(96);
  });
});
