/** The layout table: every pane fits, none overlaps, at 80x24 and up to a projector. */
import { describe, expect, it } from 'vitest';
import { LAYOUTS, layoutFor, REGIONS, type Rect, resolve } from '../../src/ui/layout.js';

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

describe('layoutFor', () => {
  it.each(SIZES)(
    '%ix%i: every region inside the terminal, no two overlapping, the whole screen used',
    (cols, rows) => {
      const { rects } = layoutFor(cols, rows);
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

  it('resolves cells, percentages and percentages minus cells', () => {
    expect(resolve(7, 100)).toBe(7);
    expect(resolve('60%', 120)).toBe(72);
    expect(resolve('100%-8', 40)).toBe(32);
    expect(() => resolve('half', 10)).toThrow(/bad layout position/);
  });
});
