/** Grouping records into sessions: incremental equals whole, interleaving, files apart, summaries end sessions. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupRecords, SessionGrouper, sessionKey } from '../../src/diagram/sessions.js';
import { type JsonRecord, withFile } from '../../src/render/json.js';
import { prng } from '../helpers/prng.js';
import { captureRecords } from './records.js';

/** Two captures' records interleaved at random (each keeps its own order), with a seeded PRNG. */
function interleave(a: readonly JsonRecord[], b: readonly JsonRecord[], seed: number): JsonRecord[] {
  const random = prng(seed);
  const out: JsonRecord[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && random() < 0.5)) out.push(a[i++] as JsonRecord);
    else out.push(b[j++] as JsonRecord);
  }
  return out;
}

const renamed = (records: readonly JsonRecord[], session: string) =>
  records.map((r) => ({ ...r, session }) as JsonRecord);

describe('sessionKey, groupRecords, SessionGrouper', async () => {
  const seed = await captureRecords('seed-download-and-delete');
  const pipelined = await captureRecords('pipelined');
  const curl = await captureRecords('dovecot-curl');

  it('groups a capture by type, in order, the summary last', () => {
    const [s, ...rest] = groupRecords(seed);
    expect(rest).toEqual([]);
    expect(s?.session).toBe('s1');
    expect(s?.file).toBeUndefined();
    expect(s?.transactions.map((t) => t.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(s?.phases.map((p) => p.to)).toEqual(['AUTHORIZATION', 'TRANSACTION', 'UPDATE']);
    expect(s?.summary?.removed).toEqual([1, 2]);
    expect([s?.violations, s?.tls, s?.proxy, s?.alter, s?.injected]).toEqual([[], [], [], [], []]);
  });

  it('several sessions of one capture stay apart, in the order they began', () => {
    const sessions = groupRecords(curl);
    expect(sessions.map((s) => s.session)).toEqual(['s1', 's2']);
    expect(sessions.map((s) => s.transactions.length)).toEqual([5, 5]);
  });

  it('fed one by one equals whole, and every add returns the updated session (a new object)', () => {
    const records = interleave(seed, renamed(pipelined, 's2'), 7);
    const grouper = new SessionGrouper();
    let previous: unknown = null;
    for (const r of records) {
      const s = grouper.add(r);
      expect(s.session).toBe(r.session);
      expect(s).not.toBe(previous);
      expect(grouper.get(sessionKey(r.file, r.session))).toBe(s);
      previous = s;
    }
    expect(grouper.sessions()).toEqual(groupRecords(records));
  });

  it('interleaved sessions come out as if read apart, whatever the interleaving', () => {
    fc.assert(
      fc.property(fc.integer(), (n) => {
        const mixed = groupRecords(interleave(seed, renamed(pipelined, 's2'), n));
        expect(Object.fromEntries(mixed.map((s) => [s.session, s]))).toEqual({
          s1: groupRecords(seed)[0],
          s2: groupRecords(renamed(pipelined, 's2'))[0],
        });
      }),
      { numRuns: 30 },
    );
  });

  it('the same session id in two files stays two sessions, keyed by file', () => {
    const a = seed.map((r) => withFile(r, 'a.jsonl'));
    const b = pipelined.map((r) => withFile(r, 'b.jsonl'));
    const grouper = new SessionGrouper();
    for (const r of interleave(a, b, 3)) grouper.add(r);
    const sessions = grouper.sessions();
    expect(sessions.map((s) => [s.file, s.session])).toHaveLength(2);
    expect(grouper.get(sessionKey('a.jsonl', 's1'))?.transactions).toHaveLength(9);
    expect(grouper.get(sessionKey('b.jsonl', 's1'))?.transactions).toHaveLength(12);
    expect(grouper.get(sessionKey(undefined, 's1'))).toBeUndefined();
    expect(sessionKey(undefined, 's1')).toBe('\u0000s1');
  });

  it('a summary ends a session: a later record of the same key begins a new one', () => {
    const sessions = groupRecords([...seed, ...seed.slice(0, 3)]);
    expect(sessions.map((s) => [s.transactions.length, s.summary === null])).toEqual([
      [9, false],
      [2, true],
    ]);
  });

  it('ignores record types it does not know (a newer writer), without losing the session', () => {
    const odd = { type: 'hologram', session: 's1', version: 1, at: 5 } as unknown as JsonRecord;
    const sessions = groupRecords([seed[0] as JsonRecord, odd, ...seed.slice(1)]);
    expect(sessions).toEqual(groupRecords(seed));
  });
});
