/** The layout's bounds: a huge session is cut quickly, session markers are capped. */
import { describe, expect, it } from 'vitest';
import { layoutSession } from '../../src/diagram/layout.js';
import { JSON_VERSION } from '../../src/render/json.js';
import { emptySession, tx } from './records.js';

describe('layoutSession: bounds', () => {
  it('a 100,000-transaction session lays out in well under a second, cut at the default', () => {
    const transactions = [tx(0, null, { startedAt: 0, endedAt: 0 })];
    for (let k = 1; k <= 100_000; k++)
      transactions.push(tx(k, 'NOOP', { startedAt: k * 10, endedAt: k * 10 + 5 }));
    const s = emptySession({ transactions });
    for (const time of ['compact', 'proportional'] as const) {
      const started = performance.now();
      const d = layoutSession(s, { time });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(d.arrows.length).toBe(2000);
      expect(d.omitted).toBe(200_001 - 2000);
    }
  });

  it('session-level markers are capped (MAX_SESSION_MARKERS), each on its own row', () => {
    const base = { session: 's1', version: JSON_VERSION, type: 'violation' } as const;
    const violations = Array.from({ length: 700 }, (_, k) => ({
      ...base,
      at: k,
      code: 'POP3_UNEXPECTED_DATA' as const,
      severity: 'warning' as const,
      message: 'data',
      rfc: 'RFC 1939 §3',
    }));
    const d = layoutSession(emptySession({ violations }));
    expect(d.markers).toHaveLength(500);
    const ys = d.markers.map((m) => m.y);
    expect(new Set(ys).size).toBe(500);
    expect(Math.max(...ys)).toBeLessThan(d.height);
  });
});
