/** The proportional time axis: labels, nice steps, ticks placed between the rows the layout pushed apart. */
import { describe, expect, it } from 'vitest';
import { elapsedLabel, tickStep, timeTicks } from '../../src/diagram/timeAxis.js';

describe('time axis', () => {
  it('labels elapsed time the way people read it', () => {
    expect(
      [0, 1, 250, 999.6, 1000, 1200, 1250, 2000, 59_990, 60_000, 150_000, 3_600_000].map(elapsedLabel),
    ).toEqual([
      '0 ms',
      '1 ms',
      '250 ms',
      '1 s',
      '1 s',
      '1.2 s',
      '1.25 s',
      '2 s',
      '59.99 s',
      '1 min',
      '2 min 30 s',
      '60 min',
    ]);
    expect([Number.NaN, -1, Number.POSITIVE_INFINITY].map(elapsedLabel)).toEqual(['0 ms', '0 ms', '0 ms']);
  });

  it('picks steps of 1, 2, 2.5 or 5 times a power of ten, at least 1 ms', () => {
    expect([
      tickStep(1000, 4),
      tickStep(1000, 8),
      tickStep(7265, 8),
      tickStep(3, 10),
      tickStep(0, 5),
    ]).toEqual([250, 200, 1000, 1, 1]);
    expect(tickStep(1e9, 7)).toBe(2e8);
  });

  it('places a tick between the rows around its moment, skips ticks too close, starts at 0 ms', () => {
    const points = [
      { t: 0, y: 100 },
      { t: 100, y: 200 },
      { t: 200, y: 500 },
    ];
    expect(timeTicks(points, 0, 4)).toEqual([
      { y: 100, label: '0 ms' },
      { y: 150, label: '50 ms' },
      { y: 200, label: '100 ms' },
      { y: 350, label: '150 ms' },
      { y: 500, label: '200 ms' },
    ]);
    // 1 ms steps over 10 ms in 30 units: most would overlap, so only every few is kept.
    const dense = timeTicks(
      [
        { t: 0, y: 0 },
        { t: 10, y: 30 },
      ],
      0,
      10,
    );
    expect(dense.map((t) => t.label)).toEqual(['0 ms', '8 ms']);
    expect(timeTicks([], 0, 5)).toEqual([]);
    expect(timeTicks([{ t: 5, y: 70 }], 5, 5)).toEqual([{ y: 70, label: '0 ms' }]);
  });
});
