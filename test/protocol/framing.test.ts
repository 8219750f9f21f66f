/**
 * Line framing of both directions (RFC 1939 §3): CRLF however the stream is cut, several lines per chunk, bare
 * LF and bare CR accepted but flagged, the 255/512-octet limits of RFC 2449 §4, and lines too long to keep.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Inspector } from '../../src/analysis/inspector.js';
import type { EngineEvent } from '../../src/analysis/types.js';
import { MAX_KEPT_LINE } from '../../src/protocol/limits.js';
import { allCodes, c, codesOf, expectSameEachWay, LOGIN, s, txOf, txsOf } from '../helpers/chunking.js';

describe('CRLF framing', () => {
  it('pairs lines whose CR and LF arrive in different chunks, with no violation', () => {
    expectSameEachWay(
      [
        s('+OK hi\r'),
        s('\n'),
        c('USER bob\r'),
        c('\n'),
        s('+'),
        s('OK\r'),
        s('\n'),
        c('PASS x\r\nST'),
        s('+OK in\r'),
        c('AT\r'),
        s('\n'),
        c('\n'),
        s('+OK 0 0\r\n'),
      ],
      (r) => {
        expect(r.transactions.map((t) => [t.seq, t.command?.line ?? null, t.response.text])).toEqual([
          [0, null, 'hi'],
          [1, 'USER bob', ''],
          [2, 'PASS <redacted 1 octet>', 'in'],
          [3, 'STAT', '0 0'],
        ]);
        expect(allCodes(r)).toEqual([]);
        expect(txOf(r, 'USER').command!.octets).toBe(10);
      },
    );
  });

  it('splits several lines that share one chunk, both ways', () => {
    expectSameEachWay(
      [
        s('+OK hi\r\n'),
        c('USER bob\r\nPASS x\r\nSTAT\r\nNOOP\r\n'),
        s('+OK u\r\n+OK p\r\n+OK 3 30\r\n+OK n\r\n'),
      ],
      (r) => {
        expect(r.transactions.map((t) => `${t.command?.verb ?? 'greeting'}=${t.response.text}`)).toEqual([
          'greeting=hi',
          'USER=u',
          'PASS=p',
          'STAT=3 30',
          'NOOP=n',
        ]);
        expect(txOf(r, 'STAT').phase).toBe('TRANSACTION');
      },
    );
  });

  it('accepts a bare LF from either side and flags it POP3_BARE_LINE_ENDING', () => {
    expectSameEachWay([s('+OK hi\n'), c('USER bob\n'), s('+OK\r\n'), c('PASS x\r\n'), s('+OK in\n')], (r) => {
      const [greeting] = txsOf(r, '');
      expect(greeting!.response.text).toBe('hi');
      expect(codesOf(greeting!)).toEqual(['POP3_BARE_LINE_ENDING']);
      const user = txOf(r, 'USER');
      expect(user.command!.args).toEqual(['bob']);
      expect(user.command!.octets).toBe(9);
      expect(codesOf(user)).toEqual(['POP3_BARE_LINE_ENDING']);
      expect(user.violations[0]!.message).toContain('client ended a line with a bare LF');
      expect(codesOf(txOf(r, 'PASS'))).toEqual(['POP3_BARE_LINE_ENDING']);
      expect(txOf(r, 'PASS').violations[0]!.message).toContain('server ended a line with a bare LF');
      expect(r.summary.phases.map((p) => p.phase)).toEqual(['AUTHORIZATION', 'TRANSACTION']);
    });
  });

  it('flags a bare CR inside a line from either side', () => {
    expectSameEachWay([s('+OK a\rb\r\n'), c('NOOP\rX\r\n'), s('-ERR no\r\n')], (r) => {
      const greeting = txsOf(r, '')[0]!;
      expect(greeting.violations.map((v) => v.message)).toEqual([
        expect.stringContaining('server sent 1 bare CR inside'),
      ]);
      const tx = r.transactions[1]!;
      expect(tx.command!.octets).toBe(8);
      expect(tx.violations.map((v) => v.message)).toContainEqual(
        expect.stringContaining('client sent 1 bare CR inside'),
      );
    });
  });

  it('flags a multi-line body that ends its lines in bare LF, still counting them as CRLF', () => {
    expectSameEachWay([...LOGIN, c('RETR 1\r\n'), s('+OK\r\nSubject: x\n\nbody\r\n.\r\n')], (r) => {
      const retr = txOf(r, 'RETR');
      expect(retr.response.complete).toBe(true);
      expect(retr.response.bodyLines).toBe(3);
      expect(retr.response.bodyOctets).toBe('Subject: x\r\n\r\nbody\r\n'.length);
      expect(codesOf(retr)).toEqual(['POP3_BARE_LINE_ENDING']);
    });
  });

  it('takes a command without CRLF at the end of the stream, flagged', () => {
    expectSameEachWay([...LOGIN, c('QUIT')], (r) => {
      const quit = txOf(r, 'QUIT');
      expect(quit.command!.octets).toBe(4);
      expect(codesOf(quit)).toEqual(['POP3_BARE_LINE_ENDING', 'POP3_NO_RESPONSE']);
    });
  });
});

describe('length limits (RFC 2449 §4)', () => {
  const command = (total: number) => `NOOP ${'x'.repeat(total - 7)}\r\n`;
  const response = (total: number) => `+OK ${'y'.repeat(total - 6)}\r\n`;

  it('allows a 255-octet command and flags POP3_COMMAND_TOO_LONG at 256', () => {
    expectSameEachWay([...LOGIN, c(command(255)), s('+OK\r\n'), c(command(256)), s('+OK\r\n')], (r) => {
      const [ok, long] = txsOf(r, 'NOOP');
      expect(ok!.command!.octets).toBe(255);
      expect(codesOf(ok!)).not.toContain('POP3_COMMAND_TOO_LONG');
      expect(long!.command!.octets).toBe(256);
      expect(codesOf(long!)).toContain('POP3_COMMAND_TOO_LONG');
    });
  });

  it('allows a 512-octet response line and flags POP3_RESPONSE_TOO_LONG at 513, greeting included', () => {
    expectSameEachWay(
      [s(response(513)), c('NOOP\r\n'), s(response(512)), c('NOOP\r\n'), s(response(513))],
      (r) => {
        expect(codesOf(r.transactions[0]!)).toEqual(['POP3_RESPONSE_TOO_LONG']);
        const [ok, long] = txsOf(r, 'NOOP');
        expect(ok!.response.text).toHaveLength(506);
        expect(codesOf(ok!)).not.toContain('POP3_RESPONSE_TOO_LONG');
        expect(codesOf(long!)).toContain('POP3_RESPONSE_TOO_LONG');
      },
    );
  });

  it('does not apply the 512-octet limit to lines inside a body', () => {
    expectSameEachWay([...LOGIN, c('RETR 1\r\n'), s(`+OK\r\n${'z'.repeat(2000)}\r\n.\r\n`)], (r) => {
      const retr = txOf(r, 'RETR');
      expect(codesOf(retr)).toEqual([]);
      expect(retr.response.bodyOctets).toBe(2002);
    });
  });
});

describe('lines longer than what is kept (MAX_KEPT_LINE)', () => {
  const long = 'x'.repeat(3 * MAX_KEPT_LINE);

  it('keeps at most MAX_KEPT_LINE of a long client line, counts all of it, flags POP3_LINE_OVERFLOW', () => {
    expectSameEachWay(
      [...LOGIN, c(`NOOP ${long}\r\n`), s('-ERR too long\r\n'), c('STAT\r\n'), s('+OK 0 0\r\n')],
      (r) => {
        const noop = txOf(r, 'NOOP');
        expect(noop.command!.octets).toBe(long.length + 7);
        expect(noop.command!.line.length).toBeLessThanOrEqual(MAX_KEPT_LINE);
        expect(codesOf(noop)).toEqual(
          expect.arrayContaining(['POP3_LINE_OVERFLOW', 'POP3_COMMAND_TOO_LONG']),
        );
        expect(noop.response.text).toBe('too long');
        expect(txOf(r, 'STAT').response.text).toBe('0 0');
      },
    );
  });

  it('keeps at most MAX_KEPT_LINE of a long server line and flags it', () => {
    expectSameEachWay(
      [...LOGIN, c('NOOP\r\n'), s(`+OK ${long}\r\n`), c('STAT\r\n'), s('+OK 0 0\r\n')],
      (r) => {
        const noop = txOf(r, 'NOOP');
        expect(noop.response.status).toBe('+OK');
        expect(noop.response.text.length).toBeLessThanOrEqual(MAX_KEPT_LINE);
        expect(codesOf(noop)).toEqual(
          expect.arrayContaining(['POP3_LINE_OVERFLOW', 'POP3_RESPONSE_TOO_LONG']),
        );
        expect(txOf(r, 'STAT').response.text).toBe('0 0');
      },
    );
  });

  const TEN_MB = 10 * 1024 * 1024;

  it('handles a 10 MB client line the same each way and flags it when it ends', () => {
    const huge = Buffer.alloc(TEN_MB, 0x61);
    huge.write('NOOP ');
    expectSameEachWay(
      [...LOGIN, c(huge), c('\r\n'), s('-ERR\r\n'), c('QUIT\r\n'), s('+OK\r\n')],
      (r) => {
        const noop = txOf(r, 'NOOP');
        expect(noop.command!.octets).toBe(TEN_MB + 2);
        expect(noop.command!.line.length).toBeLessThanOrEqual(MAX_KEPT_LINE);
        expect(codesOf(noop)).toContain('POP3_LINE_OVERFLOW');
        expect(r.summary.bytes.c2s).toBe(TEN_MB + 2 + 'USER bob\r\nPASS hunter2\r\nQUIT\r\n'.length);
      },
      { numRuns: 4, maxCuts: 20 },
    );
  });

  it('handles a 10 MB server line the same each way and flags it when it ends', () => {
    const huge = Buffer.alloc(TEN_MB, 0x62);
    huge.write('+OK ');
    expectSameEachWay(
      [...LOGIN, c('NOOP\r\n'), s(huge), s('\r\n'), c('QUIT\r\n'), s('+OK bye\r\n')],
      (r) => {
        const noop = txOf(r, 'NOOP');
        expect(noop.response.text.length).toBeLessThanOrEqual(MAX_KEPT_LINE);
        expect(codesOf(noop)).toContain('POP3_LINE_OVERFLOW');
        expect(txOf(r, 'QUIT').response.text).toBe('bye');
      },
      { numRuns: 4, maxCuts: 20 },
    );
  });

  it('keeps memory bounded while a line never ends (10 MB without LF from each side)', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const retained = () => {
      gc();
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    for (const dir of ['c2s', 's2c'] as const) {
      const chunk = Buffer.alloc(64 * 1024, dir === 'c2s' ? 0x61 : 0x62);
      const inspector = new Inspector('m', {}, 0);
      inspector.receive('s2c', Buffer.from('+OK hi\r\n'), 0);
      if (dir === 's2c') inspector.receive('c2s', Buffer.from('NOOP\r\n'), 0);
      const before = retained();
      let out: EngineEvent[] = [];
      for (let fed = 0; fed < TEN_MB; fed += chunk.length) out = inspector.receive(dir, chunk, 1);
      expect(out.filter((e) => e.type !== 'data')).toEqual([]);
      const grown = retained() - before;
      expect(grown, `${dir}: grew by ${grown} bytes`).toBeLessThan(2 * 1024 * 1024);
      const end = inspector.receive(dir, Buffer.from('\r\n'), 2);
      if (dir === 'c2s') end.push(...inspector.receive('s2c', Buffer.from('-ERR\r\n'), 3));
      const overflow = end.flatMap((e) =>
        e.type === 'transaction' ? e.tx.violations.map((v) => v.code) : [],
      );
      expect(overflow).toContain('POP3_LINE_OVERFLOW');
    }
  });
});
