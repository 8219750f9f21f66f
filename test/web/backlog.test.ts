import { describe, expect, it } from 'vitest';
import { Backlog } from '../../src/web/backlog.js';

const ids = (b: Backlog, cursor = 0) => [...b.after(cursor)].map((e) => `${e.session}:${e.id}`);

describe('web/backlog: the records a late page is sent first, bounded', () => {
  it('numbers records from 1 and gives those after a cursor, oldest first', () => {
    const b = new Backlog({ sessions: 10, records: 100, bytes: 1e6 });
    for (const s of ['s1', 's2', 's1']) b.add(s, '{}', false);
    expect(ids(b)).toEqual(['s1:1', 's2:2', 's1:3']);
    expect(ids(b, 2)).toEqual(['s1:3']);
    expect(ids(b, 3)).toEqual([]);
    expect(b.lastId).toBe(3);
  });

  it('over the session bound, drops the oldest ENDED session whole, not a live one before it', () => {
    const b = new Backlog({ sessions: 2, records: 100, bytes: 1e6 });
    b.add('s1', '{"a":1}', false); // s1 live
    b.add('s2', '{"a":2}', false);
    b.add('s2', '{"type":"summary"}', true); // s2 ended
    const { dropped } = b.add('s3', '{"a":3}', false);
    expect(ids(b)).toEqual(['s1:1', 's3:4']);
    expect(dropped).toBe(3);
    expect(b.dropped).toEqual({ sessions: 1, records: 2 });
    // A cursor at 1 (it had s1's first record) missed s2's; one at 3 missed nothing.
    expect(b.missedAfter(1)).toBe(true);
    expect(b.missedAfter(3)).toBe(false);
  });

  it('when every session is live, drops the oldest that is not the one just added to', () => {
    const b = new Backlog({ sessions: 2, records: 100, bytes: 1e6 });
    b.add('s1', '{}', false);
    b.add('s2', '{}', false);
    b.add('s1', '{}', false);
    b.add('s3', '{}', false);
    expect(ids(b)).toEqual(['s2:2', 's3:4']);
    expect(b.sessionCount).toBe(2);
  });

  it('over the record bound with one session left, drops its oldest records (and says how many)', () => {
    const b = new Backlog({ sessions: 10, records: 3, bytes: 1e6 });
    for (let i = 0; i < 5; i++) b.add('s1', `{"n":${i}}`, false);
    expect(ids(b)).toEqual(['s1:3', 's1:4', 's1:5']);
    expect(b.dropped).toEqual({ sessions: 0, records: 2 });
    expect(b.size).toBe(3);
  });

  it('bounds octets too: a few huge records push older sessions out', () => {
    const big = `"${'x'.repeat(1000)}"`;
    const b = new Backlog({ sessions: 10, records: 1000, bytes: 2500 });
    b.add('s1', big, true);
    b.add('s2', big, true);
    b.add('s3', big, true);
    expect(ids(b)).toEqual(['s2:2', 's3:3']);
    expect(b.dropped.sessions).toBe(1);
  });

  it('stays in id order and keeps finding cursors after many drops and compactions', () => {
    const b = new Backlog({ sessions: 3, records: 50, bytes: 1e9 });
    for (let i = 0; i < 5000; i++) b.add(`s${i % 4}`, '{}', i % 7 === 0);
    const kept = [...b.after(0)].map((e) => e.id);
    expect(kept).toEqual([...kept].sort((x, y) => x - y));
    expect(kept.length).toBeLessThanOrEqual(50);
    expect(b.sessionCount).toBeLessThanOrEqual(3);
    const mid = kept[Math.floor(kept.length / 2)]!;
    expect([...b.after(mid)].map((e) => e.id)).toEqual(kept.filter((id) => id > mid));
  });
});
