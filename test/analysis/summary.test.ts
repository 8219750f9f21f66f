/**
 * The session summary: what happened to the mail (retrieved, marked, removed only after a successful QUIT from
 * TRANSACTION, discarded marks otherwise), the client's mode, and the facts around it.
 */
import { describe, expect, it } from 'vitest';
import {
  allCodes,
  c,
  codesOf,
  expectSameEachWay,
  LOGIN,
  multiline,
  type RunResult,
  s,
  txOf,
} from '../helpers/chunking.js';

const body = multiline(['Subject: x', '', 'line 1', 'line 2']);
const retr = (n: number) => [c(`RETR ${n}\r\n`), s(`+OK\r\n${body}`)];
const dele = (n: number) => [c(`DELE ${n}\r\n`), s('+OK marked\r\n')];
const quit = [c('QUIT\r\n'), s('+OK bye\r\n')];
const noUpdate = (r: RunResult) =>
  r.raw.flatMap((e) => (e.type === 'violation' && e.violation.code === 'POP3_NO_UPDATE' ? [e] : []));

describe('what happened to the mail', () => {
  it('download-and-delete: marked messages are removed after QUIT +OK', () => {
    expectSameEachWay([...LOGIN, ...retr(1), ...dele(1), ...retr(2), ...dele(2), ...quit], (r) => {
      expect(r.summary).toMatchObject({
        retrieved: [1, 2],
        marked: [1, 2],
        removed: [1, 2],
        discarded: [],
        mode: 'download-and-delete',
      });
      expect(noUpdate(r)).toEqual([]);
      expect(txOf(r, 'QUIT').explain).toContain('removes the 2 messages marked for deletion (1, 2).');
    });
  });

  it('download-and-keep: retrieved, nothing marked, nothing removed', () => {
    expectSameEachWay(
      [...LOGIN, c('UIDL\r\n'), s('+OK\r\n1 a\r\n2 b\r\n.\r\n'), ...retr(2), ...quit],
      (r) => {
        expect(r.summary).toMatchObject({
          retrieved: [2],
          marked: [],
          removed: [],
          discarded: [],
          mode: 'download-and-keep',
        });
      },
    );
  });

  it('other: deleting without retrieving, or deleting what was not retrieved', () => {
    expectSameEachWay([...LOGIN, ...dele(1), ...quit], (r) => {
      expect(r.summary).toMatchObject({ retrieved: [], marked: [1], removed: [1], mode: 'other' });
    });
    expectSameEachWay([...LOGIN, ...retr(1), ...dele(2), ...quit], (r) => {
      expect(r.summary).toMatchObject({ retrieved: [1], marked: [2], removed: [2], mode: 'other' });
    });
  });

  it('a session that ends without QUIT removes nothing: POP3_NO_UPDATE and discarded marks', () => {
    expectSameEachWay([...LOGIN, ...retr(1), ...dele(1), ...retr(2), ...dele(2)], (r) => {
      expect(r.summary).toMatchObject({ marked: [1, 2], removed: [], discarded: [1, 2] });
      const v = noUpdate(r);
      expect(v).toHaveLength(1);
      expect(v[0]!.violation.message).toContain('messages 1, 2 stay on the server');
      expect(r.summary.violations).toEqual({ POP3_NO_UPDATE: 1 });
    });
  });

  it('QUIT answered -ERR enters UPDATE but removes nothing', () => {
    expectSameEachWay(
      [...LOGIN, ...dele(1), c('QUIT\r\n'), s('-ERR some deleted messages not removed\r\n')],
      (r) => {
        expect(r.summary.phases.map((p) => p.phase)).toEqual(['AUTHORIZATION', 'TRANSACTION', 'UPDATE']);
        expect(r.summary.removed).toEqual([]);
        expect(r.summary.discarded).toEqual([1]);
        expect(allCodes(r)).toEqual(['POP3_NO_UPDATE']);
      },
    );
  });

  it('a refused DELE marks nothing; RSET takes marks back', () => {
    expectSameEachWay(
      [...LOGIN, c('DELE 1\r\n'), s('-ERR no\r\n'), ...dele(2), c('RSET\r\n'), s('+OK\r\n'), ...dele(3)],
      (r) => {
        expect(r.summary).toMatchObject({ marked: [3], discarded: [3] });
      },
    );
  });

  it('counts fetchmail-style "TOP n 99999999" as retrieving the whole message, and checks its size', () => {
    expectSameEachWay(
      [
        ...LOGIN,
        c('LIST\r\n'),
        s('+OK\r\n1 30\r\n2 999\r\n.\r\n'),
        c('TOP 1 99999999\r\n'),
        s(`+OK\r\n${body}`),
        c('TOP 2 99999999\r\n'),
        s(`+OK\r\n${body}`),
        ...dele(1),
        ...quit,
      ],
      (r) => {
        expect(r.summary).toMatchObject({ retrieved: [1, 2], removed: [1], mode: 'download-and-delete' });
        const [one, two] = r.transactions.filter((t) => t.command?.verb === 'TOP');
        expect(codesOf(one!)).toEqual([]);
        expect(codesOf(two!)).toEqual(['POP3_SIZE_MISMATCH']);
      },
    );
  });

  it('does not count a header-only TOP as retrieving the message', () => {
    expectSameEachWay(
      [...LOGIN, c('TOP 1 0\r\n'), s('+OK\r\nSubject: x\r\n\r\n.\r\n'), ...dele(1), ...quit],
      (r) => {
        expect(r.summary).toMatchObject({ retrieved: [], removed: [1], mode: 'other' });
      },
    );
  });

  it('ignores a RETR of a message marked deleted only for the violation, not the marks', () => {
    expectSameEachWay([...LOGIN, ...dele(1), ...retr(1), ...quit], (r) => {
      expect(allCodes(r)).toEqual(['POP3_DELETED_MESSAGE']);
      expect(r.summary.removed).toEqual([1]);
    });
  });
});

describe('session facts', () => {
  it('records who, how, how much and how it ended', () => {
    expectSameEachWay([...LOGIN, c('STAT\r\n'), s('+OK 0 0\r\n'), ...quit], (r) => {
      const c2s = 'USER bob\r\nPASS hunter2\r\nSTAT\r\nQUIT\r\n';
      expect(r.summary).toMatchObject({
        session: 'test',
        client: '192.0.2.1:50000',
        upstream: '192.0.2.2:110',
        user: 'bob',
        auth: 'USER/PASS',
        tls: 'none',
        commands: 4,
        startedAt: 0,
        endedAt: 10,
        durationMs: 10,
        closedBy: 'client',
        closeReason: 'test over',
        violations: {},
      });
      expect(r.summary.bytes.c2s).toBe(c2s.length);
      expect(r.summary.bytes.s2c).toBe(r.data.s2c.length);
      expect(r.raw[r.raw.length - 1]!.type).toBe('summary');
    });
  });

  it('counts violations by code across transactions and session events', () => {
    expectSameEachWay(
      [...LOGIN, c('FOO\r\n'), s('-ERR\r\n'), c('BAR\r\n'), s('-ERR\r\n'), ...dele(1)],
      (r) => {
        expect(r.summary.violations).toEqual({ POP3_UNKNOWN_COMMAND: 2, POP3_NO_UPDATE: 1 });
      },
    );
  });
});
