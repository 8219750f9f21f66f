/** The dashboard's mailbox pane, as the reducer derives it from transactions and the summary. */
import { describe, expect, it } from 'vitest';
import { afterCapture, apply, ev, live, open, txEvent } from './helpers.js';

const listing = (text: string, lines: string[]) => ({
  status: '+OK' as const,
  code: null,
  text,
  multiline: true,
  bodyOctets: lines.reduce((a, l) => a + l.length + 2, 0),
  bodyLines: lines.length,
  complete: true,
  listing: lines,
});
const body = (octets: number) => ({
  status: '+OK' as const,
  code: null,
  text: `${octets} octets`,
  multiline: true,
  bodyOctets: octets,
  bodyLines: 16,
  complete: true,
});

describe('the mailbox model', () => {
  it('ends with both seed messages retrieved and removed, sizes from LIST', () => {
    const x = afterCapture('seed-download-and-delete.jsonl').data.sessions[0]!;
    expect(x.mailbox).toEqual([
      { n: 1, size: 498, retrieved: true, marked: true, removed: true },
      { n: 2, size: 912, retrieved: true, marked: true, removed: true },
    ]);
  });

  it('follows the transactions as they come: DELE marks, RSET unmarks, QUIT removes what is marked', () => {
    const list = txEvent('s1', 1, 'LIST', {
      response: {
        status: '+OK',
        code: null,
        text: '2 messages',
        multiline: true,
        bodyOctets: 14,
        bodyLines: 2,
        complete: true,
        listing: ['1 498', '2 912'],
      },
    });
    let s = apply(live(), [
      open('s1'),
      ev(list),
      ev(txEvent('s1', 2, 'RETR 1')),
      ev(txEvent('s1', 3, 'DELE 1')),
    ]);
    expect(s.data.sessions[0]!.mailbox).toEqual([
      { n: 1, size: 498, retrieved: true, marked: true, removed: false },
      { n: 2, size: 912, retrieved: false, marked: false, removed: false },
    ]);
    s = apply(s, [
      ev(txEvent('s1', 4, 'RSET')),
      ev(txEvent('s1', 5, 'DELE 2')),
      ev(txEvent('s1', 6, 'QUIT')),
    ]);
    expect(s.data.sessions[0]!.mailbox.map((m) => [m.n, m.marked, m.removed])).toEqual([
      [1, false, false],
      [2, true, true],
    ]);
  });

  it('changes nothing on -ERR or outside TRANSACTION', () => {
    const refused = txEvent('s1', 1, 'DELE 1', {
      response: {
        status: '-ERR',
        code: null,
        text: 'no such message',
        multiline: false,
        bodyOctets: 0,
        bodyLines: 0,
        complete: true,
      },
    });
    const early = txEvent('s1', 2, 'DELE 1', { phase: 'AUTHORIZATION' });
    const s = apply(live(), [open('s1'), ev(refused), ev(early)]);
    expect(s.data.sessions[0]!.mailbox).toEqual([]);
  });

  it('takes UIDs from UIDL and keeps messages marked but not removed when the session ends without QUIT', () => {
    const x = afterCapture('buggy-server.jsonl').data.sessions[0]!;
    expect(x.mailbox.find((m) => m.n === 1)).toMatchObject({ retrieved: true, marked: true, removed: false });
    const keep = afterCapture('download-and-keep.jsonl').data.sessions[0]!;
    expect(keep.mailbox.length).toBeGreaterThan(0);
    expect(keep.mailbox.every((m) => m.uid !== undefined && m.retrieved && !m.marked && !m.removed)).toBe(
      true,
    );
  });

  it('creates rows from STAT when nothing else told the count', () => {
    const stat = txEvent('s1', 1, 'STAT', {}, '3 1200');
    const x = apply(live(), [open('s1'), ev(stat)]).data.sessions[0]!;
    expect(x.mailbox.map((m) => m.n)).toEqual([1, 2, 3]);
    expect(x.stat).toEqual({ count: 3, octets: 1200 });
  });

  // Regression (issue 12): STAT +OK 0 0 and an empty LIST still read "nothing known yet".
  it('knows an empty maildrop from STAT 0 0 or from an empty full LIST', () => {
    const stat = txEvent('s1', 1, 'STAT', {}, '0 0');
    const afterStat = apply(live(), [open('s1'), ev(stat)]).data.sessions[0]!;
    expect(afterStat.mailbox).toEqual([]);
    expect(afterStat.mailboxKnown).toBe(true);
    const list = txEvent('s1', 1, 'LIST', { response: listing('0 messages', []) });
    expect(apply(live(), [open('s1'), ev(list)]).data.sessions[0]!.mailboxKnown).toBe(true);
    const cut = txEvent('s1', 1, 'LIST', { response: { ...listing('0 messages', []), complete: false } });
    expect(apply(live(), [open('s1'), ev(cut)]).data.sessions[0]!.mailboxKnown).toBe(false);
    expect(
      apply(live(), [open('s1'), ev(txEvent('s1', 1, 'LIST 1', {}, '1 498'))]).data.sessions[0]!.mailboxKnown,
    ).toBe(false);
  });

  // Regression (issue 12): after UIDL + RETR the size read "?" though RETR delivered 498 octets.
  it('takes a size from a complete RETR when LIST never gave one; LIST keeps its own', () => {
    const uidl = txEvent('s1', 1, 'UIDL', { response: listing('', ['1 a1', '2 b2']) });
    const retr = (seq: number, n: number, octets: number, complete = true) =>
      txEvent('s1', seq, `RETR ${n}`, { response: { ...body(octets), complete } }, `${octets} octets`);
    let x = apply(live(), [open('s1'), ev(uidl), ev(retr(2, 1, 498)), ev(retr(3, 2, 912, false))]).data
      .sessions[0]!;
    expect(x.mailbox).toEqual([
      { n: 1, uid: 'a1', size: 498, retrieved: true, marked: false, removed: false },
      { n: 2, uid: 'b2', retrieved: false, marked: false, removed: false },
    ]);
    const list = txEvent('s1', 1, 'LIST', { response: listing('', ['1 500']) });
    x = apply(live(), [open('s1'), ev(list), ev(retr(2, 1, 498))]).data.sessions[0]!;
    expect(x.mailbox[0]).toMatchObject({ n: 1, size: 500, retrieved: true });
  });
});
