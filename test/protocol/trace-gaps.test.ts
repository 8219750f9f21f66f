/**
 * Packet traces lose packets and begin mid-connection. The engine is told how many octets are missing (never
 * given invented bytes) and resynchronises: a body goes on, a cut line is settled as it stands, the line after
 * a hole is parsed only when nothing secret can be in it. Every dialogue is fed whole, byte by byte and at
 * random splits.
 */
import { describe, expect, it } from 'vitest';
import {
  allCodes,
  c,
  expectSameEachWay,
  lost,
  midstream,
  type RunResult,
  s,
  txOf,
  txsOf,
} from '../helpers/chunking.js';

const login = [c('USER bob\r\n'), s('+OK\r\n'), c('PASS hungry\r\n'), s('+OK 2 messages\r\n')] as const;
const phases = (r: RunResult) => r.events.filter((e) => e.type === 'phase').map((e) => e.to);
const noSecret = (r: RunResult, way: string) => {
  for (const secret of ['hungry', 'hung', 'gry'])
    expect(r.data.c2s.toString('latin1'), `${way}: ${secret}`).not.toContain(secret);
  expect(JSON.stringify(r.events), way).not.toContain('hung');
};

describe('a hole in the server stream', () => {
  it('inside a body: the body goes on, its octets include the missing ones, and the next responses pair', () => {
    const body = 'Subject: hi\r\n\r\nline one\r\nline two\r\n';
    const r = expectSameEachWay([
      s('+OK ready\r\n'),
      ...login,
      c('RETR 1\r\n'),
      s(`+OK 60 octets\r\n${body.slice(0, 20)}`),
      lost('s2c', 100),
      s(`${body.slice(20)}.\r\n`),
      c('DELE 1\r\n'),
      s('+OK marked\r\n'),
      c('QUIT\r\n'),
      s('+OK bye\r\n'),
    ]);
    const retr = txOf(r, 'RETR');
    expect(retr.response.complete).toBe(true);
    expect(retr.response.bodyOctets).toBe(Buffer.byteLength(body) + 100);
    expect(retr.response.digest).toBeUndefined();
    expect(txOf(r, 'DELE').response.text).toBe('marked');
    expect(txOf(r, 'QUIT').response.text).toBe('bye');
    expect(allCodes(r)).toContain('POP3_TRACE_GAP');
    const gap = r.events.find((e) => e.type === 'violation');
    expect(JSON.stringify(gap)).toContain('100 octets of the server');
  });

  it('inside a status line: the line is settled as it stands, and its lost tail is skipped', () => {
    const r = expectSameEachWay([
      s('+OK ready\r\n'),
      ...login,
      c('STAT\r\n'),
      s('+OK 2 3'),
      lost('s2c', 5),
      s('20 extra\r\n'),
      c('NOOP\r\n'),
      s('+OK\r\n'),
    ]);
    expect(txOf(r, 'STAT').response.status).toBe('+OK');
    expect(txOf(r, 'NOOP').response.status).toBe('+OK');
    expect(allCodes(r)).not.toContain('POP3_UNEXPECTED_DATA');
  });

  it('between responses: lines are skipped until a status line answers a waiting command', () => {
    // The lost part held "+OK 2 messages\r\n1 120\r\n" of LIST; its listing's tail and "." are then skipped.
    const r = expectSameEachWay([
      s('+OK ready\r\n'),
      ...login,
      c('LIST\r\n'),
      lost('s2c', 22),
      s('2 200\r\n.\r\n'),
      c('NOOP\r\n'),
      s('+OK fine\r\n'),
    ]);
    const list = txOf(r, 'LIST');
    const noop = txOf(r, 'NOOP');
    // LIST's own answer was lost: the first status line after the hole answers it, NOOP's stays NOOP's.
    expect(list.response.text).toBe('fine');
    expect(noop.response.status).toBeNull();
    expect(allCodes(r)).toContain('POP3_TRACE_GAP');
    expect(allCodes(r)).not.toContain('POP3_BAD_STATUS');
  });
});

describe('a hole in the client stream', () => {
  it('inside PASS: the part before is masked as PASS is, the part after is masked whole', () => {
    const r = expectSameEachWay(
      [
        s('+OK ready\r\n'),
        c('USER bob\r\n'),
        s('+OK\r\n'),
        c('PASS hun'),
        lost('c2s', 2),
        c('gry\r\n'),
        s('+OK logged in\r\n'),
        c('STAT\r\n'),
        s('+OK 2 320\r\n'),
      ],
      noSecret,
    );
    expect(txOf(r, 'PASS').response.text).toBe('logged in');
    expect(txOf(r, 'STAT').response.text).toBe('2 320');
    expect(phases(r)).toEqual(['AUTHORIZATION', 'TRANSACTION']);
  });

  it('in TRANSACTION at a line boundary: a line with a known verb is parsed again', () => {
    const r = expectSameEachWay([
      s('+OK ready\r\n'),
      ...login,
      lost('c2s', 6),
      c('STAT\r\n'),
      s('+OK 2 320\r\n'),
    ]);
    expect(txOf(r, 'STAT').response.text).toBe('2 320');
  });

  it('in AUTHORIZATION: the line after a hole is never parsed (it may be the tail of a password)', () => {
    const r = expectSameEachWay(
      [s('+OK ready\r\n'), c('USER bob\r\n'), s('+OK\r\n'), lost('c2s', 5), c('hungry\r\n'), s('+OK\r\n')],
      noSecret,
    );
    expect(txsOf(r, 'HUNGRY')).toEqual([]);
    expect(r.data.c2s.toString('latin1')).toContain('******\r\n');
  });

  it('a password that looks like a command is still not parsed after a hole in AUTHORIZATION', () => {
    const r = expectSameEachWay(
      [s('+OK ready\r\n'), c('USER bob\r\nPASS '), lost('c2s', 4), c('top secret\r\n'), s('+OK\r\n')],
      (run) => expect(run.data.c2s.toString('latin1')).not.toContain('secret'),
    );
    expect(txsOf(r, 'TOP')).toEqual([]);
  });
});

describe('a capture that begins mid-connection', () => {
  it('skips the first line of each side, infers the phase from the first command, and leaks nothing', () => {
    const r = expectSameEachWay(
      [
        midstream,
        c('ngry\r\n'),
        s('+OK logged in\r\n'),
        c('STAT\r\n'),
        s('+OK 2 320\r\n'),
        c('QUIT\r\n'),
        s('+OK bye\r\n'),
      ],
      noSecret,
    );
    expect(r.transactions.map((tx) => tx.command?.verb ?? 'greeting')).toEqual(['STAT', 'QUIT']);
    expect(phases(r)).toEqual(['TRANSACTION', 'UPDATE']);
    expect(allCodes(r)).toContain('POP3_TRACE_MIDSTREAM');
    expect(allCodes(r)).not.toContain('POP3_UNEXPECTED_DATA');
    expect(allCodes(r)).not.toContain('POP3_WRONG_STATE');
  });

  it('a body in flight at the start is skipped, not taken for responses', () => {
    const r = expectSameEachWay([
      midstream,
      c('TR 1\r\n'),
      s('line of a body\r\n+OK not a status\r\n.\r\n'),
      c('DELE 1\r\n'),
      s('+OK marked\r\n'),
      c('QUIT\r\n'),
      s('+OK bye\r\n'),
    ]);
    expect(txOf(r, 'DELE').response.text).toBe('marked');
    expect(phases(r)).toEqual(['TRANSACTION', 'UPDATE']);
    expect(allCodes(r)).not.toContain('POP3_BAD_STATUS');
  });
});
