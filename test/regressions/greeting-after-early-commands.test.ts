/**
 * Regression: a client that sends its commands before the server's greeting arrives (a fast script, or the
 * proxy's own tests) had the greeting paired with its first command, shifting every response by one — DELE's
 * +OK was read as LIST's, and the marked message vanished from the summary. The greeting is always first.
 */
import { describe, expect, it } from 'vitest';
import { c, expectSameEachWay, s } from '../helpers/chunking.js';

describe('greeting after early client commands', () => {
  it('pairs the greeting as transaction 0 and each later response with its own command', () => {
    expectSameEachWay(
      [
        c('USER bob\r\nPASS x\r\nLIST\r\nDELE 1\r\n'),
        s('+OK hi\r\n+OK\r\n+OK in\r\n+OK 1 msg\r\n1 10\r\n.\r\n+OK marked\r\n'),
      ],
      (r) => {
        expect(r.transactions.map((t) => [t.seq, t.command?.verb ?? null, t.response.text])).toEqual([
          [0, null, 'hi'],
          [1, 'USER', ''],
          [2, 'PASS', 'in'],
          [3, 'LIST', '1 msg'],
          [4, 'DELE', 'marked'],
        ]);
        expect(r.summary.marked).toEqual([1]);
        expect(r.summary.discarded).toEqual([1]);
      },
    );
  });
});
