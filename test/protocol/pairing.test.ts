/**
 * Pairing responses with commands (RFC 2449 §6.6 pipelining), and knowing from the command whether a +OK
 * starts a multi-line body (RFC 1939 §3): listings, message bodies, dot-stuffing and octet counts.
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

const summaryOf = (r: RunResult) =>
  r.transactions.map((t) => [
    t.command?.line ?? null,
    t.response.status,
    t.response.text,
    t.response.multiline,
  ]);

describe('pairing', () => {
  it('makes the greeting transaction 0 and numbers commands from 1', () => {
    expectSameEachWay(
      [s(GREETING), c('CAPA\r\n'), s('+OK\r\nTOP\r\n.\r\n'), c('QUIT\r\n'), s('+OK bye\r\n')],
      (r) => {
        expect(r.transactions.map((t) => [t.seq, t.command?.verb ?? null])).toEqual([
          [0, null],
          [1, 'CAPA'],
          [2, 'QUIT'],
        ]);
        expect(r.transactions[0]!.latencyMs).toBeNull();
        expect(r.transactions[0]!.response.text).toBe('POP3 ready <1896.697170952@example.org>');
        const commands = r.raw.flatMap((e) => (e.type === 'command' ? [e.seq] : []));
        expect(commands).toEqual([1, 2]);
      },
    );
  });

  it('pairs pipelined commands sent in one chunk with responses that arrive in one chunk', () => {
    expectSameEachWay(
      [
        s(GREETING),
        c('CAPA\r\n'),
        s('+OK\r\nUSER\r\nPIPELINING\r\n.\r\n'),
        c('USER bob\r\nPASS hunter2\r\nSTAT\r\nLIST\r\nUIDL 2\r\nNOOP\r\nLIST 1\r\n'),
        s(
          '+OK user ok\r\n+OK pass ok\r\n+OK 2 30\r\n+OK 2 msgs\r\n1 10\r\n2 20\r\n.\r\n+OK 2 uid-b\r\n+OK noop\r\n-ERR nope\r\n',
        ),
      ],
      (r) => {
        expect(summaryOf(r).slice(2)).toEqual([
          ['USER bob', '+OK', 'user ok', false],
          ['PASS <redacted 7 octets>', '+OK', 'pass ok', false],
          ['STAT', '+OK', '2 30', false],
          ['LIST', '+OK', '2 msgs', true],
          ['UIDL 2', '+OK', '2 uid-b', false],
          ['NOOP', '+OK', 'noop', false],
          ['LIST 1', '-ERR', 'nope', false],
        ]);
        expect(txOf(r, 'STAT').command!.pipelined).toBe(true);
        expect(txOf(r, 'USER').command!.pipelined).toBe(false);
        expect(txsOf(r, 'LIST')[0]!.response.listing).toEqual(['1 10', '2 20']);
        expect(allCodes(r)).toEqual([]);
      },
    );
  });

  it('pairs responses split at odd places across chunks', () => {
    expectSameEachWay(
      [
        ...LOGIN,
        c('STAT\r\nLIST\r\nRETR 1\r\n'),
        s('+OK 1 5\r\n+OK\r\n1'),
        s(' 5\r\n.'),
        s('\r\n+OK\r\nab'),
        s('c\r\n.'),
        s('\r'),
        s('\n'),
      ],
      (r) => {
        expect(txOf(r, 'STAT').response.text).toBe('1 5');
        expect(txOf(r, 'LIST').response.listing).toEqual(['1 5']);
        const retr = txOf(r, 'RETR');
        expect(retr.response.complete).toBe(true);
        expect(retr.response.bodyOctets).toBe(5);
        expect(retr.response.preview).toBe('abc\r\n.\r\n');
        expect(allCodes(r)).toEqual(['POP3_PIPELINING_NOT_ADVERTISED']);
      },
    );
  });

  it('flags a response that no command waits for as POP3_UNEXPECTED_DATA and keeps pairing afterwards', () => {
    expectSameEachWay([...LOGIN, s('+OK surprise\r\n'), c('NOOP\r\n'), s('+OK noop\r\n')], (r) => {
      const stray = r.transactions.find((t) => t.command === null && t.seq !== 0)!;
      expect(stray.response.text).toBe('surprise');
      expect(codesOf(stray)).toEqual(['POP3_UNEXPECTED_DATA']);
      const noop = txOf(r, 'NOOP');
      expect(noop.response.text).toBe('noop');
      expect(noop.seq).toBeGreaterThan(stray.seq);
      expect(codesOf(noop)).toEqual([]);
    });
  });

  it('reports a command that was never answered as POP3_NO_RESPONSE', () => {
    expectSameEachWay([...LOGIN, c('STAT\r\n')], (r) => {
      const stat = txOf(r, 'STAT');
      expect(stat.response.status).toBeNull();
      expect(stat.response.complete).toBe(false);
      expect(codesOf(stat)).toEqual(['POP3_NO_RESPONSE']);
    });
  });
});

describe('single-line or multi-line, decided by the command', () => {
  it('LIST and UIDL: a body without an argument, a single line with one', () => {
    expectSameEachWay(
      [
        ...LOGIN,
        c('LIST\r\n'),
        s('+OK\r\n1 10\r\n.\r\n'),
        c('LIST 1\r\n'),
        s('+OK 1 10\r\n'),
        c('UIDL\r\n'),
        s('+OK\r\n1 abc\r\n.\r\n'),
        c('UIDL 1\r\n'),
        s('+OK 1 abc\r\n'),
        c('NOOP\r\n'),
        s('+OK\r\n'),
      ],
      (r) => {
        expect(summaryOf(r).slice(3)).toEqual([
          ['LIST', '+OK', '', true],
          ['LIST 1', '+OK', '1 10', false],
          ['UIDL', '+OK', '', true],
          ['UIDL 1', '+OK', '1 abc', false],
          ['NOOP', '+OK', '', false],
        ]);
        expect(allCodes(r)).toEqual([]);
      },
    );
  });

  it('CAPA, bare AUTH, LANG without argument and XTND XLST have bodies; LANG with one does not', () => {
    expectSameEachWay(
      [
        s(GREETING),
        c('CAPA\r\n'),
        s('+OK\r\nSASL PLAIN\r\n.\r\n'),
        c('AUTH\r\n'),
        s('+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n'),
        c('LANG\r\n'),
        s('+OK\r\nen English\r\n.\r\n'),
        c('LANG en\r\n'),
        s('+OK en\r\n'),
        c('USER bob\r\n'),
        s('+OK\r\n'),
        c('PASS x\r\n'),
        s('+OK\r\n'),
        c('XTND XLST Subject\r\n'),
        s('+OK\r\n1 Subject: hi\r\n.\r\n'),
        c('NOOP\r\n'),
        s('+OK done\r\n'),
      ],
      (r) => {
        expect(txOf(r, 'CAPA').response.listing).toEqual(['SASL PLAIN']);
        expect(txOf(r, 'AUTH').response.listing).toEqual(['PLAIN', 'LOGIN']);
        expect(txOf(r, 'AUTH').sasl).toBeUndefined();
        const [langs, lang] = txsOf(r, 'LANG');
        expect(langs!.response.listing).toEqual(['en English']);
        expect(lang!.response.multiline).toBe(false);
        expect(lang!.response.text).toBe('en');
        expect(txOf(r, 'XTND').response.listing).toEqual(['1 Subject: hi']);
        expect(txOf(r, 'NOOP').response.text).toBe('done');
        expect(r.summary.phases.map((p) => p.phase)).toEqual(['AUTHORIZATION', 'TRANSACTION']);
      },
    );
  });

  it('-ERR is always single-line, even for commands whose +OK has a body', () => {
    expectSameEachWay(
      [
        s(GREETING),
        c('CAPA\r\n'),
        s('-ERR no\r\n'),
        c('USER bob\r\n'),
        s('+OK\r\n'),
        c('PASS x\r\n'),
        s('+OK\r\n'),
      ]
        .concat(
          ['LIST', 'UIDL', 'RETR 1', 'TOP 1 0', 'XTND XLST a'].flatMap((cmd) => [
            c(`${cmd}\r\n`),
            s(`-ERR ${cmd}\r\n`),
          ]),
        )
        .concat([c('NOOP\r\n'), s('+OK last\r\n')]),
      (r) => {
        for (const t of r.transactions
          .slice(1, -1)
          .filter((t) => t.command?.verb !== 'USER' && t.command?.verb !== 'PASS')) {
          expect(t.response.status, t.command!.line).toBe('-ERR');
          expect(t.response.multiline).toBe(false);
          expect(t.response.complete).toBe(true);
          expect(t.response.listing).toBeUndefined();
        }
        expect(txOf(r, 'RETR').response.text).toBe('RETR 1');
        expect(txOf(r, 'NOOP').response.text).toBe('last');
      },
    );
  });

  it('takes an empty listing "+OK CRLF . CRLF" as complete', () => {
    expectSameEachWay(
      [...LOGIN, c('LIST\r\n'), s('+OK 0 messages\r\n.\r\n'), c('UIDL\r\n'), s('+OK\r\n.\r\n')],
      (r) => {
        for (const verb of ['LIST', 'UIDL']) {
          const t = txOf(r, verb);
          expect(t.response.complete).toBe(true);
          expect(t.response.listing).toEqual([]);
          expect(t.response.bodyLines).toBe(0);
          expect(t.response.bodyOctets).toBe(0);
        }
      },
    );
  });
});

describe('message bodies', () => {
  const lines = [
    'From: a@example.org',
    'Subject: dots',
    '',
    '.starts with a dot',
    '..two dots',
    '.',
    'end',
    '',
  ];

  it('counts the unstuffed body with CRLF endings, without the terminator', () => {
    const wire = multiline(lines);
    expect(wire).toContain('\r\n...two dots\r\n..\r\n');
    expectSameEachWay(
      [
        ...LOGIN,
        c('RETR 1\r\n'),
        s(`+OK ${messageSize(lines)} octets\r\n${wire}`),
        c('NOOP\r\n'),
        s('+OK\r\n'),
      ],
      (r) => {
        const retr = txOf(r, 'RETR');
        expect(retr.response.complete).toBe(true);
        expect(retr.response.bodyOctets).toBe(messageSize(lines));
        expect(retr.response.bodyLines).toBe(lines.length);
        expect(retr.response.preview).toBe(wire);
        expect(codesOf(retr)).toEqual([]);
        expect(txOf(r, 'NOOP').response.status).toBe('+OK');
      },
    );
  });

  it('does not end the body at lines that merely start with a dot or look like status lines', () => {
    const tricky = '+OK fake\r\n-ERR fake\r\n. \r\n.\r\r\n..\r\nlast\r\n.\r\n';
    expectSameEachWay(
      [...LOGIN, c('RETR 1\r\n'), s(`+OK\r\n${tricky}`), c('NOOP\r\n'), s('+OK real\r\n')],
      (r) => {
        const retr = txOf(r, 'RETR');
        expect(retr.response.bodyLines).toBe(6);
        // "+OK fake", "-ERR fake", " " (". " unstuffed), "\r" (".\r" unstuffed), ".", "last": each + CRLF.
        expect(retr.response.bodyOctets).toBe(8 + 9 + 1 + 1 + 1 + 4 + 6 * 2);
        expect(codesOf(retr)).toEqual(['POP3_UNSTUFFED_DOT']);
        expect(txOf(r, 'NOOP').response.text).toBe('real');
      },
    );
  });

  it('unstuffs listing lines', () => {
    expectSameEachWay([s(GREETING), c('CAPA\r\n'), s('+OK\r\n..X-DOT\r\nTOP\r\n.\r\n')], (r) => {
      const capa = txOf(r, 'CAPA');
      expect(capa.response.listing).toEqual(['.X-DOT', 'TOP']);
      expect(capa.response.bodyOctets).toBe('.X-DOT\r\nTOP\r\n'.length);
    });
  });

  it('counts TOP headers and body lines', () => {
    const top = ['Subject: a', 'From: b', '', 'line 1', 'line 2'];
    expectSameEachWay([...LOGIN, c('TOP 1 2\r\n'), s(`+OK\r\n${multiline(top)}`)], (r) => {
      const t = txOf(r, 'TOP');
      expect(t.response.bodyLines).toBe(5);
      expect(t.response.bodyOctets).toBe(messageSize(top));
      expect(codesOf(t)).toEqual([]);
    });
  });

  it('keeps a body split just before, inside and after its terminator together', () => {
    expectSameEachWay(
      [
        ...LOGIN,
        c('RETR 1\r\n'),
        s('+OK\r\nhello\r\n'),
        s('.'),
        s('\r'),
        s('\n'),
        c('NOOP\r\n'),
        s('+OK n\r\n'),
      ],
      (r) => {
        expect(txOf(r, 'RETR').response.bodyOctets).toBe(7);
        expect(txOf(r, 'RETR').response.complete).toBe(true);
        expect(txOf(r, 'NOOP').response.text).toBe('n');
        expect(allCodes(r)).toEqual([]);
      },
    );
  });
});
