/** The dashboard's state stays bounded: capped sessions, entries, previews and listings. */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/analysis/types.js';
import {
  MAX_ENDED_SESSIONS,
  MAX_ENTRIES_ENDED,
  MAX_ENTRIES_PER_SESSION,
  MAX_PREVIEW_LINES,
} from '../../src/ui/limits.js';
import { reduce } from '../../src/ui/reducer.js';
import { apply, ev, live, open, summary, txEvent } from './helpers.js';

describe('memory stays bounded', () => {
  it('keeps previews of bodies, never the bodies', () => {
    const body = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(300)}`).join('\r\n');
    const retr = txEvent('s1', 1, 'RETR 1', {
      response: {
        status: '+OK',
        code: null,
        text: '',
        multiline: true,
        bodyOctets: body.length,
        bodyLines: 5000,
        complete: true,
        preview: body.slice(0, 2048),
      },
    });
    const x = apply(live(), [open('s1'), ev(retr)]).data.sessions[0]!;
    const entry = x.entries[0]!;
    if (entry.kind !== 'tx') throw new Error('expected a transaction');
    expect(entry.tx.preview!.length).toBeLessThanOrEqual(MAX_PREVIEW_LINES);
    expect(JSON.stringify(x).length).toBeLessThan(4000);
  });

  it(`caps a session's transcript at ${MAX_ENTRIES_PER_SESSION} entries and counts the rest`, () => {
    const actions = [open('s1')];
    for (let i = 1; i <= MAX_ENTRIES_PER_SESSION + 50; i++)
      actions.push(ev(txEvent('s1', i, 'NOOP')) as never);
    const x = apply(live(), actions).data.sessions[0]!;
    expect(x.entries).toHaveLength(MAX_ENTRIES_PER_SESSION);
    expect(x.droppedEntries).toBe(50);
    expect(x.commands).toBe(0); // counted from command events, which this feed has none of
  });

  it('with many long sessions the state stays within a fixed size (ended sessions keep their last entries)', () => {
    const listing = Array.from({ length: 200 }, (_, i) => `${i + 1} ${'u'.repeat(70)}`);
    const body = 'x'.repeat(2048);
    let s = live();
    let bytes = 0;
    for (let n = 1; n <= MAX_ENDED_SESSIONS + 20; n++) {
      const id = `s${n}`;
      s = reduce(s, open(id, n));
      for (let i = 1; i <= 450; i++) {
        const big =
          i % 2
            ? txEvent(id, i, 'UIDL', {
                response: {
                  status: '+OK',
                  code: null,
                  text: '',
                  multiline: true,
                  bodyOctets: 15_000,
                  bodyLines: 200,
                  complete: true,
                  listing,
                },
              })
            : txEvent(id, i, 'RETR 1', {
                response: {
                  status: '+OK',
                  code: null,
                  text: '',
                  multiline: true,
                  bodyOctets: 1e6,
                  bodyLines: 20_000,
                  complete: true,
                  preview: body,
                },
              });
        s = reduce(s, ev(big));
      }
      s = reduce(s, ev(summary(id)));
      if (n === 1) bytes = JSON.stringify(s.data.sessions[0]).length;
    }
    expect(s.data.sessions).toHaveLength(MAX_ENDED_SESSIONS);
    expect(s.data.hidden).toBe(20);
    expect(s.data.sessions[0]!.entries.length).toBeLessThanOrEqual(MAX_ENTRIES_ENDED);
    expect(s.data.sessions[0]!.droppedEntries).toBe(451 - MAX_ENTRIES_ENDED);
    // One ended session: under 400 kB whatever it carried (266 kB here); all of them: a hundred times that at most.
    expect(bytes).toBeLessThan(400_000);
    expect(JSON.stringify(s).length).toBeLessThan(MAX_ENDED_SESSIONS * 400_000);
  });

  it('drops the pending commands a pipelining client queued once their responses arrive', () => {
    const cmd = (seq: number, line: string): EngineEvent => ({
      type: 'command',
      session: 's1',
      seq,
      command: { verb: line, args: [], line, octets: 6, at: seq, pipelined: true },
    });
    let s = apply(live(), [open('s1'), ev(cmd(1, 'STAT')), ev(cmd(2, 'LIST')), ev(cmd(3, 'UIDL'))]);
    expect(s.data.sessions[0]!.pending.map((p) => p.seq)).toEqual([1, 2, 3]);
    s = apply(s, [ev(txEvent('s1', 2, 'LIST'))]);
    expect(s.data.sessions[0]!.pending.map((p) => p.seq)).toEqual([3]);
    expect(s.data.sessions[0]!.commands).toBe(3);
  });
});
