/**
 * The checks the engine makes on top of framing: the mailbox model (RFC 1939 §5, §7, §11: ranges, deletion
 * marks, sizes, STAT, TOP, UIDs) and the client-side rules (state, arguments, USER before PASS, pipelining,
 * status words, truncation).
 */
import { describe, expect, it } from 'vitest';
import {
  allCodes,
  c,
  codesOf,
  expectSameEachWay,
  GREETING,
  LOGIN,
  messageSize,
  multiline,
  type RunResult,
  s,
  txOf,
  txsOf,
} from '../helpers/chunking.js';

const msg = ['Subject: hi', '', 'hello', '.dot line'];
const size = messageSize(msg);
const retr = (n: number, lines = msg) => [c(`RETR ${n}\r\n`), s(`+OK\r\n${multiline(lines)}`)];
const codes = (r: RunResult, verb: string, i = 0) => codesOf(txsOf(r, verb)[i]!);

describe('mailbox model checks', () => {
  it('POP3_MESSAGE_OUT_OF_RANGE once STAT or LIST told how many messages there are', () => {
    expectSameEachWay(
      [
        ...LOGIN,
        c('RETR 3\r\n'),
        s('-ERR no such message\r\n'),
        c('STAT\r\n'),
        s(`+OK 2 ${2 * size}\r\n`),
        c('RETR 3\r\n'),
        s('-ERR no such message\r\n'),
        ...retr(3),
        c('DELE 2\r\n'),
        s('+OK\r\n'),
      ],
      (r) => {
        expect(codes(r, 'RETR', 0)).toEqual([]);
        expect(codes(r, 'RETR', 1)).toEqual(['POP3_MESSAGE_OUT_OF_RANGE']);
        expect(txsOf(r, 'RETR')[1]!.violations[0]!.message).toContain('the client asked for it');
        expect(codes(r, 'RETR', 2)).toEqual(['POP3_MESSAGE_OUT_OF_RANGE']);
        expect(txsOf(r, 'RETR')[2]!.violations[0]!.message).toContain('the server answered +OK');
        expect(codes(r, 'DELE')).toEqual([]);
      },
    );
  });

  it('POP3_DELETED_MESSAGE when a message marked by DELE is served again, not when refused', () => {
    expectSameEachWay(
      [
        ...LOGIN,
        ...retr(1),
        c('DELE 1\r\n'),
        s('+OK marked\r\n'),
        c('RETR 1\r\n'),
        s('-ERR message 1 already deleted\r\n'),
        ...retr(1),
        c('TOP 1 0\r\n'),
        s('+OK\r\nSubject: hi\r\n\r\n.\r\n'),
        c('LIST 1\r\n'),
        s('-ERR deleted\r\n'),
      ],
      (r) => {
        expect(codes(r, 'RETR', 0)).toEqual([]);
        expect(codes(r, 'RETR', 1)).toEqual([]);
        expect(codes(r, 'RETR', 2)).toEqual(['POP3_DELETED_MESSAGE']);
        expect(codes(r, 'TOP')).toEqual(['POP3_DELETED_MESSAGE']);
        expect(codes(r, 'LIST')).toEqual([]);
      },
    );
  });

  it('RSET takes marks back: no POP3_DELETED_MESSAGE afterwards, nothing marked', () => {
    expectSameEachWay(
      [
        ...LOGIN,
        c('DELE 1\r\n'),
        s('+OK\r\n'),
        c('RSET\r\n'),
        s('+OK\r\n'),
        ...retr(1),
        c('QUIT\r\n'),
        s('+OK\r\n'),
      ],
      (r) => {
        expect(allCodes(r)).toEqual([]);
        expect(r.summary).toMatchObject({
          marked: [],
          removed: [],
          retrieved: [1],
          mode: 'download-and-keep',
        });
      },
    );
  });

  it('POP3_SIZE_MISMATCH when RETR delivers other than the LIST size; none when sizes agree', () => {
    expectSameEachWay(
      [
        ...LOGIN,
        c('LIST\r\n'),
        s(`+OK\r\n1 ${size}\r\n2 ${size + 10}\r\n.\r\n`),
        ...retr(1),
        ...retr(2),
        c('LIST 1\r\n'),
        s('+OK 1 3\r\n'),
        ...retr(1),
      ],
      (r) => {
        const [one, two, again] = txsOf(r, 'RETR');
        expect(one!.response.bodyOctets).toBe(size);
        expect(codesOf(one!)).toEqual([]);
        expect(codesOf(two!)).toEqual(['POP3_SIZE_MISMATCH']);
        expect(two!.violations[0]!.message).toContain(
          `LIST said message 2 is ${size + 10} octets, RETR delivered ${size}`,
        );
        expect(codesOf(again!)).toEqual(['POP3_SIZE_MISMATCH']);
      },
    );
  });

  it('POP3_STAT_MISMATCH when STAT disagrees with LIST under the same marks; none after a DELE', () => {
    expectSameEachWay(
      [
        ...LOGIN,
        c('STAT\r\n'),
        s('+OK 2 300\r\n'),
        c('LIST\r\n'),
        s('+OK\r\n1 100\r\n2 150\r\n.\r\n'),
        c('DELE 1\r\n'),
        s('+OK\r\n'),
        c('STAT\r\n'),
        s('+OK 1 150\r\n'),
        c('LIST\r\n'),
        s('+OK\r\n2 150\r\n.\r\n'),
      ],
      (r) => {
        expect(codes(r, 'LIST', 0)).toEqual(['POP3_STAT_MISMATCH']);
        expect(txsOf(r, 'LIST')[0]!.violations[0]!.message).toContain(
          'STAT said 2 messages, 300 octets; LIST shows 2, 250 octets',
        );
        expect(codes(r, 'STAT', 1)).toEqual([]);
        expect(codes(r, 'LIST', 1)).toEqual([]);
      },
    );
  });

  it('POP3_TOP_TOO_LONG when TOP returns more body lines than asked for (TOP n 0 returning the body)', () => {
    const top = (n: number) => [c(`TOP 1 ${n}\r\n`), s('+OK\r\nSubject: a\r\n\r\nline 1\r\nline 2\r\n.\r\n')];
    expectSameEachWay([...LOGIN, ...top(0), ...top(2), ...top(5)], (r) => {
      expect(codes(r, 'TOP', 0)).toEqual(['POP3_TOP_TOO_LONG']);
      expect(txsOf(r, 'TOP')[0]!.violations[0]!.message).toContain('asked for 0 body lines, got 2');
      expect(codes(r, 'TOP', 1)).toEqual([]);
      expect(codes(r, 'TOP', 2)).toEqual([]);
    });
  });

  it('POP3_UIDL_INVALID for a too long UID or one with characters outside 0x21-0x7E', () => {
    const long = 'u'.repeat(71);
    expectSameEachWay(
      [
        ...LOGIN,
        c('UIDL\r\n'),
        s(`+OK\r\n1 ${'k'.repeat(70)}\r\n2 ${long}\r\n3 ok\x01\r\n.\r\n`),
        c('UIDL 1\r\n'),
        s('+OK 1 caf\xe9\r\n'),
      ],
      (r) => {
        const list = txsOf(r, 'UIDL')[0]!;
        expect(codesOf(list)).toEqual(['POP3_UIDL_INVALID', 'POP3_UIDL_INVALID']);
        expect(list.violations[0]!.message).toContain('message 2');
        expect(list.violations[1]!.message).toContain('message 3');
        expect(codes(r, 'UIDL', 1)).toEqual(['POP3_UIDL_INVALID']);
      },
    );
  });

  it('POP3_UIDL_DUPLICATE when two messages share a UID, across listing and single answers', () => {
    expectSameEachWay(
      [
        ...LOGIN,
        c('UIDL\r\n'),
        s('+OK\r\n1 aaa\r\n2 bbb\r\n3 aaa\r\n4 ccc\r\n.\r\n'),
        c('UIDL 4\r\n'),
        s('+OK 4 bbb\r\n'),
        c('UIDL 2\r\n'),
        s('+OK 2 bbb\r\n'),
      ],
      (r) => {
        expect(codes(r, 'UIDL', 0)).toEqual(['POP3_UIDL_DUPLICATE']);
        expect(txsOf(r, 'UIDL')[0]!.violations[0]!.message).toContain('messages 1 and 3 both have UID "aaa"');
        expect(codes(r, 'UIDL', 1)).toEqual(['POP3_UIDL_DUPLICATE']);
        expect(codes(r, 'UIDL', 2)).toEqual([]);
      },
    );
  });

  it('POP3_MALFORMED_RESPONSE for a STAT or listing line of the wrong form', () => {
    expectSameEachWay(
      [
        ...LOGIN,
        c('STAT\r\n'),
        s('+OK two messages\r\n'),
        c('LIST\r\n'),
        s('+OK\r\n1 1.5k\r\nnonsense\r\n.\r\n'),
      ],
      (r) => {
        expect(codes(r, 'STAT')).toEqual(['POP3_MALFORMED_RESPONSE']);
        expect(codes(r, 'LIST')).toEqual(['POP3_MALFORMED_RESPONSE', 'POP3_MALFORMED_RESPONSE']);
      },
    );
  });
});

describe('client and server rules', () => {
  it('POP3_INVALID_ARGUMENT for RETR 0, RETR x, TOP 1, STAT 1; POP3_UNKNOWN_COMMAND for FOO and an empty line', () => {
    const bad = ['RETR 0', 'RETR x', 'TOP 1', 'STAT 1', 'DELE', 'FOO bar', ''];
    expectSameEachWay(
      [...LOGIN, ...bad.flatMap((cmd) => [c(`${cmd}\r\n`), s('-ERR\r\n')]), c('TOP 1 0\r\n'), s('-ERR\r\n')],
      (r) => {
        const got = r.transactions.slice(3).map((t) => [t.command!.line, codesOf(t)]);
        expect(got).toEqual([
          ['RETR 0', ['POP3_INVALID_ARGUMENT']],
          ['RETR x', ['POP3_INVALID_ARGUMENT']],
          ['TOP 1', ['POP3_INVALID_ARGUMENT']],
          ['STAT 1', ['POP3_INVALID_ARGUMENT']],
          ['DELE', ['POP3_INVALID_ARGUMENT']],
          ['FOO bar', ['POP3_UNKNOWN_COMMAND']],
          ['', ['POP3_UNKNOWN_COMMAND']],
          ['TOP 1 0', []],
        ]);
      },
    );
  });

  it('POP3_PASS_WITHOUT_USER: PASS with no USER, or after a refused USER', () => {
    expectSameEachWay(
      [
        s(GREETING),
        c('PASS a\r\n'),
        s('-ERR\r\n'),
        c('USER x\r\n'),
        s('-ERR\r\n'),
        c('PASS b\r\n'),
        s('-ERR\r\n'),
        c('USER bob\r\n'),
        s('+OK\r\n'),
        c('PASS c\r\n'),
        s('+OK\r\n'),
      ],
      (r) => {
        const [first, second, third] = txsOf(r, 'PASS');
        expect(codesOf(first!)).toEqual(['POP3_PASS_WITHOUT_USER']);
        expect(first!.violations[0]!.message).toContain('no USER came before');
        expect(codesOf(second!)).toEqual(['POP3_PASS_WITHOUT_USER']);
        expect(second!.violations[0]!.message).toContain('USER was refused');
        expect(codesOf(third!)).toEqual([]);
      },
    );
  });

  it('POP3_PIPELINING_NOT_ADVERTISED once, when the server never listed PIPELINING', () => {
    expectSameEachWay(
      [
        s(GREETING),
        c('CAPA\r\n'),
        s('+OK\r\nUSER\r\n.\r\n'),
        c('USER bob\r\nPASS x\r\nSTAT\r\n'),
        s('+OK\r\n+OK\r\n+OK 0 0\r\n'),
      ],
      (r) => {
        expect(codes(r, 'PASS')).toEqual(['POP3_PIPELINING_NOT_ADVERTISED']);
        expect(txOf(r, 'PASS').violations[0]!.message).toContain('CAPA did not list PIPELINING');
        expect(codes(r, 'STAT')).toEqual([]);
        expect(txOf(r, 'STAT').command!.pipelined).toBe(true);
      },
    );
  });

  it('does not flag pipelining when CAPA listed PIPELINING', () => {
    expectSameEachWay(
      [
        s(GREETING),
        c('CAPA\r\n'),
        s('+OK\r\nUSER\r\nPIPELINING\r\n.\r\n'),
        c('USER bob\r\nPASS x\r\nSTAT\r\n'),
        s('+OK\r\n+OK\r\n+OK 0 0\r\n'),
      ],
      (r) => {
        expect(allCodes(r)).toEqual([]);
        expect(txOf(r, 'PASS').command!.pipelined).toBe(true);
      },
    );
  });

  it('POP3_BAD_STATUS for "+ok" (still understood as +OK) and "+ERR" (not understood)', () => {
    expectSameEachWay(
      [
        s(GREETING),
        c('USER bob\r\n'),
        s('+ok\r\n'),
        c('PASS x\r\n'),
        s('+ok in\r\n'),
        c('NOOP\r\n'),
        s('+ERR what\r\n'),
        c('NOOP\r\n'),
        s('-err no\r\n'),
      ],
      (r) => {
        expect(txOf(r, 'USER').response.status).toBe('+OK');
        expect(codes(r, 'USER')).toEqual(['POP3_BAD_STATUS']);
        expect(r.summary.phases.map((p) => p.phase)).toEqual(['AUTHORIZATION', 'TRANSACTION']);
        const [plusErr, lower] = txsOf(r, 'NOOP');
        expect(plusErr!.response.status).toBeNull();
        expect(codesOf(plusErr!)).toEqual(['POP3_BAD_STATUS']);
        expect(lower!.response.status).toBe('-ERR');
        expect(codesOf(lower!)).toEqual(['POP3_BAD_STATUS']);
      },
    );
  });

  it('POP3_TRUNCATED_RESPONSE when the connection closes mid-RETR or mid-listing', () => {
    expectSameEachWay(
      [
        ...LOGIN,
        c('LIST\r\n'),
        s('+OK\r\n1 500\r\n.\r\n'),
        c('RETR 1\r\n'),
        s('+OK\r\nSubject: hi\r\n\r\npart'),
      ],
      (r) => {
        const t = txOf(r, 'RETR');
        expect(t.response.complete).toBe(false);
        expect(t.response.bodyLines).toBe(2);
        expect(codesOf(t)).toEqual(['POP3_TRUNCATED_RESPONSE']);
        expect(t.violations[0]!.message).toContain('ended inside a line of 4 octets');
        expect(r.summary.retrieved).toEqual([]);
      },
    );
    expectSameEachWay([...LOGIN, c('UIDL\r\n'), s('+OK\r\n1 a\r\n')], (r) => {
      const t = txOf(r, 'UIDL');
      expect(t.response.complete).toBe(false);
      expect(codesOf(t)).toEqual(['POP3_TRUNCATED_RESPONSE']);
    });
  });

  it('reports a body that ends with ".\\r" and no LF as truncated', () => {
    expectSameEachWay([...LOGIN, c('RETR 1\r\n'), s('+OK\r\nhi\r\n.\r')], (r) => {
      const t = txOf(r, 'RETR');
      expect(t.response.complete).toBe(false);
      expect(t.violations[0]!.message).toContain('ended with ".\\r" and no LF');
    });
  });
});
