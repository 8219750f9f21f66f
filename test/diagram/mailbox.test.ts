/** mailboxTimeline: when each message was seen, retrieved, marked and removed, from real and hand-made sessions. */
import { describe, expect, it } from 'vitest';
import { mailboxTimeline } from '../../src/diagram/mailbox.js';
import type { SessionRecords } from '../../src/diagram/types.js';
import { captureSession, emptySession, tx } from './records.js';

describe('mailboxTimeline', () => {
  it('the seed: both messages seen at LIST, retrieved at RETR, marked at DELE, removed at QUIT', async () => {
    expect(mailboxTimeline(await captureSession('seed-download-and-delete'))).toEqual([
      { n: 1, size: 498, uid: null, seen: 3, retrieved: 4, marked: 5, removed: 8 },
      { n: 2, size: 912, uid: null, seen: 3, retrieved: 6, marked: 7, removed: 8 },
    ]);
  });

  it('pipelined: STAT shows the count first, LIST the sizes, UIDL the ids', async () => {
    expect(mailboxTimeline(await captureSession('pipelined'))).toEqual([
      { n: 1, size: 498, uid: 'lunch-0001', seen: 4, retrieved: 7, marked: 9, removed: 11 },
      { n: 2, size: 912, uid: 'notes-0002', seen: 4, retrieved: 8, marked: 10, removed: 11 },
    ]);
  });

  it('buggy server: marked but never removed (no QUIT: POP3_NO_UPDATE)', async () => {
    expect(mailboxTimeline(await captureSession('buggy-server'))).toEqual([
      { n: 1, size: expect.any(Number), uid: null, seen: 3, retrieved: 5, marked: 6, removed: null },
    ]);
  });

  it('RSET clears marks; -ERR changes nothing; a later DELE marks again', () => {
    const s = emptySession({
      transactions: [
        tx(0, null),
        tx(1, 'DELE 1'),
        tx(2, 'DELE 2'),
        tx(3, 'RSET'),
        tx(4, 'DELE 2'),
        tx(5, 'DELE 3', { status: '-ERR', text: 'no such message' }),
        tx(6, 'RETR 1', { multiline: true }),
        tx(7, 'QUIT'),
      ],
    });
    expect(mailboxTimeline(s)).toEqual([
      { n: 1, size: null, uid: null, seen: 1, retrieved: 6, marked: null, removed: null },
      { n: 2, size: null, uid: null, seen: 2, retrieved: null, marked: 4, removed: 7 },
    ]);
  });

  it('single-message LIST and UIDL answers, and a QUIT in AUTHORIZATION removes nothing', () => {
    const s = emptySession({
      transactions: [tx(1, 'LIST 3', { text: '3 120' }), tx(2, 'UIDL 3', { text: '3 abc' }), tx(3, 'DELE 3')],
    });
    expect(mailboxTimeline(s)).toEqual([
      { n: 3, size: 120, uid: 'abc', seen: 1, retrieved: null, marked: 3, removed: null },
    ]);
    const quitEarly: SessionRecords = {
      ...s,
      transactions: [...s.transactions, tx(4, 'QUIT', { phase: 'AUTHORIZATION' })],
    };
    expect(mailboxTimeline(quitEarly)[0]?.removed).toBeNull();
    const quit: SessionRecords = { ...s, transactions: [...s.transactions, tx(4, 'QUIT')] };
    expect(mailboxTimeline(quit)[0]?.removed).toBe(4);
  });

  it('once the summary is there its removed list decides; a TOP it counted is a retrieval', async () => {
    const seed = await captureSession('seed-download-and-delete');
    const summary = seed.summary;
    if (summary === null) throw new Error('no summary');
    const onlyOne = { ...seed, summary: { ...summary, removed: [2] } };
    expect(mailboxTimeline(onlyOne).map((r) => r.removed)).toEqual([null, 8]);
    const top = emptySession({
      transactions: [tx(1, 'TOP 1 99999999', { multiline: true }), tx(2, 'TOP 2 0', { multiline: true })],
      summary: { ...summary, retrieved: [1], removed: [] },
    });
    expect(mailboxTimeline(top).map((r) => [r.n, r.retrieved])).toEqual([
      [1, 1],
      [2, null],
    ]);
  });

  it('bad message numbers are ignored, a huge STAT is bounded', () => {
    const s = emptySession({
      transactions: [
        tx(1, 'RETR x'),
        tx(2, 'DELE 0'),
        tx(3, 'DELE -1'),
        tx(4, 'LIST', { listing: ['junk', '1'] }),
      ],
    });
    expect(mailboxTimeline(s)).toEqual([]);
    const huge = emptySession({ transactions: [tx(1, 'STAT', { text: '999999999 1' })] });
    expect(mailboxTimeline(huge)).toHaveLength(10_000);
  });
});
