/**
 * Regressions from issue 12 that live in the engine: the order of its output, bare CRs inside masked secrets,
 * the user of SCRAM and DIGEST-MD5 logins, SASL security layers, pipelining while a CAPA answer is on its way,
 * explanations of commands that got no answer, and the bound on what queues behind an undecided line. Each
 * dialogue runs whole, byte by byte and at random splits.
 */
import { describe, expect, it } from 'vitest';
import { MAX_HELD_BEHIND } from '../../src/protocol/limits.js';
import {
  allCodes,
  c,
  codesOf,
  expectReplaySame,
  expectSameEachWay,
  GREETING,
  LOGIN,
  replay,
  runDialogue,
  s,
  txOf,
  wholeChunks,
} from '../helpers/chunking.js';

const b64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');

describe('output order', () => {
  it('a client chunk that ends mid-line never leaves after the server reply that followed it', () => {
    // The client's write ends inside "PASS": the reply to USER arrives before the rest of the line.
    const dialogue = [
      s(GREETING),
      c('USER bob\r\nPA'),
      s('+OK\r\n'),
      c('SS hunter2\r\n'),
      s('+OK logged in\r\n'),
      c('QUIT\r\n'),
      s('+OK\r\n'),
    ] as const;
    expectSameEachWay(dialogue, (r) => {
      const data = r.raw.flatMap((e) => (e.type === 'data' ? [e] : []));
      const times = data.map((e) => e.t);
      expect(times, 'data timestamps never go backwards').toEqual([...times].sort((a, b) => a - b));
      expectReplaySame(r);
      expect(allCodes(replay(r))).toEqual([]);
    });
  });

  it('data events keep arrival order across directions when a client line is held', () => {
    const r = runDialogue(
      [s(GREETING), c('USER bob\r\nPA'), s('+OK\r\n'), c('SS x\r\n'), s('+OK\r\n')],
      wholeChunks,
    );
    const order = r.raw.flatMap((e) => (e.type === 'data' ? [`${e.dir}@${e.t}`] : []));
    expect(order).toEqual(['s2c@1', 'c2s@2', 's2c@3', 'c2s@4', 's2c@5']);
    // The transaction still follows the bytes that complete it.
    const userAt = r.raw.findIndex((e) => e.type === 'transaction' && e.tx.command?.verb === 'USER');
    const okAt = r.raw.findIndex((e) => e.type === 'data' && e.dir === 's2c' && e.t === 3);
    expect(userAt).toBeGreaterThan(okAt);
  });

  it('a line that never ends while the other side streams is masked, and what waits stays bounded', () => {
    const body = `${'x'.repeat(1000)}\r\n`.repeat(Math.ceil((3 * MAX_HELD_BEHIND) / 1002));
    const r = runDialogue(
      [...LOGIN, c(`RETR 1\r\nPASS ${'s'.repeat(40)}`), s(`+OK\r\n${body}.\r\n`), c('\r\n')],
      wholeChunks,
    );
    // The server's bytes were not held back until the client line ended.
    const body1 = r.raw.findIndex((e) => e.type === 'data' && e.dir === 's2c' && e.t === 7);
    const lineEnd = r.raw.findIndex((e) => e.type === 'data' && e.dir === 'c2s' && e.t === 8);
    expect(body1).toBeGreaterThan(-1);
    expect(body1).toBeLessThan(lineEnd);
    expect(txOf(r, 'RETR').response.bodyOctets).toBe(body.length);
    expect(r.data.c2s.toString('latin1')).not.toContain('ssss');
    expectReplaySame(r);
  });
});

describe('bare CR inside a masked secret', () => {
  it('is kept, so the replay reports the same POP3_BARE_LINE_ENDING', () => {
    expectSameEachWay(
      [s(GREETING), c('USER bob\r\n'), s('+OK\r\n'), c('PASS hun\rgry\r\n'), s('+OK\r\n')],
      (r) => {
        expect(codesOf(txOf(r, 'PASS'))).toContain('POP3_BARE_LINE_ENDING');
        expect(r.data.c2s.toString('latin1')).not.toContain('hun');
        expectReplaySame(r);
      },
    );
  });

  it('is kept in a secret line too long to keep', () => {
    const password = `${'p'.repeat(100)}\r${'q'.repeat(9000)}`;
    expectSameEachWay(
      [s(GREETING), c('USER bob\r\n'), s('+OK\r\n'), c(`PASS ${password}\r\n`), s('-ERR\r\n')],
      (r) => {
        expect(r.data.c2s.toString('latin1')).not.toMatch(/ppp|qqq/);
        expectReplaySame(r);
      },
      { numRuns: 10 },
    );
  });
});

describe('the user of a SASL login', () => {
  it('SCRAM-SHA-1: the n= of the client-first message, after a GS2 a=', () => {
    const first = b64('n,a=alice,n=alice,r=fyko+d2lbbFgONRv9qkxdawL');
    const r = expectSameEachWay([
      s(GREETING),
      c('AUTH SCRAM-SHA-1\r\n'),
      s('+ \r\n'),
      c(`${first}\r\n`),
      s(`+ ${b64('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096')}\r\n`),
      c(`${b64('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=')}\r\n`),
      s(`+ ${b64('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=')}\r\n`),
      c('\r\n'),
      s('+OK\r\n'),
    ]);
    expect(r.summary.user).toBe('alice');
  });

  it('DIGEST-MD5: username="..."', () => {
    const response = b64(
      'charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,cnonce="OA6MHXh6VqTrRk",digest-uri="pop/elwood.innosoft.com",response=d388dad90d4bbd760a152321f2143af7,qop=auth',
    );
    const r = expectSameEachWay([
      s(GREETING),
      c('AUTH DIGEST-MD5\r\n'),
      s(
        `+ ${b64('realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8')}\r\n`,
      ),
      c(`${response}\r\n`),
      s(`+ ${b64('rspauth=ea40f60335c427b5527b84dbabcdfffd')}\r\n`),
      c('\r\n'),
      s('+OK\r\n'),
      c('STAT\r\n'),
      s('+OK 0 0\r\n'),
    ]);
    expect(r.summary.user).toBe('chris');
    expect(allCodes(r)).not.toContain('POP3_SASL_SECURITY_LAYER');
  });

  it('DIGEST-MD5 with qop=auth-int: a security layer is said to wrap the rest, which is not parsed', () => {
    const response = b64(
      'username="chris",realm="r",nonce="n",nc=00000001,cnonce="c",digest-uri="pop/h",response=d388dad90d4bbd760a152321f2143af7,qop=auth-int',
    );
    const r = expectSameEachWay([
      s(GREETING),
      c('AUTH DIGEST-MD5\r\n'),
      s(`+ ${b64('realm="r",nonce="n",qop="auth,auth-int",algorithm=md5-sess')}\r\n`),
      c(`${response}\r\n`),
      s(`+ ${b64('rspauth=ea40f60335c427b5527b84dbabcdfffd')}\r\n`),
      c('\r\n'),
      s('+OK\r\n'),
      c('\x00\x00\x00\x20wrapped STAT and its MAC.........'),
      s('\x00\x00\x00\x10wrapped answer..'),
    ]);
    expect(allCodes(r)).toContain('POP3_SASL_SECURITY_LAYER');
    expect(allCodes(r)).not.toContain('POP3_NO_RESPONSE');
    expect(allCodes(r)).not.toContain('POP3_UNKNOWN_COMMAND');
    expect(r.transactions.map((t) => t.command?.verb ?? '')).toEqual(['', 'AUTH']);
    expect(r.summary.user).toBe('chris');
    expectReplaySame(r);
  });
});

describe('POP3_PIPELINING_NOT_ADVERTISED while a CAPA answer is on its way', () => {
  const capa = (caps: string) => s(`+OK\r\n${caps}.\r\n`);

  it('does not apply when the CAPA answer lists PIPELINING (openssl s_client sends CAPA and USER at once)', () => {
    expectSameEachWay(
      [s(GREETING), c('CAPA\r\nUSER bob\r\n'), capa('USER\r\nPIPELINING\r\n'), s('+OK\r\n')],
      (r) => expect(allCodes(r)).not.toContain('POP3_PIPELINING_NOT_ADVERTISED'),
    );
  });

  it('applies when it does not, and says so truly (the client did ask CAPA)', () => {
    expectSameEachWay([s(GREETING), c('CAPA\r\nUSER bob\r\n'), capa('USER\r\n'), s('+OK\r\n')], (r) => {
      const user = txOf(r, 'USER');
      const v = user.violations.find((x) => x.code === 'POP3_PIPELINING_NOT_ADVERTISED');
      expect(v?.message).toContain('before the CAPA answer arrived');
      expect(v?.message).not.toContain('never asked CAPA');
    });
  });

  it('still says "never asked CAPA" when no CAPA was sent', () => {
    expectSameEachWay([s(GREETING), c('USER bob\r\nNOOP\r\n'), s('+OK\r\n+OK\r\n')], (r) => {
      const v = txOf(r, 'NOOP').violations.find((x) => x.code === 'POP3_PIPELINING_NOT_ADVERTISED');
      expect(v?.message).toContain('never asked CAPA');
    });
  });
});

describe('a command that never got an answer', () => {
  it('is explained as unanswered, never as done', () => {
    expectSameEachWay([...LOGIN, c('RETR 1\r\nDELE 1\r\n')], (r) => {
      const retr = txOf(r, 'RETR').explain;
      const dele = txOf(r, 'DELE').explain;
      expect(retr).toContain('asks for message 1');
      expect(retr).toContain('before the server answered');
      expect(retr).not.toMatch(/sends message|octets/);
      expect(dele).toContain('asks to mark message 1');
      expect(dele).not.toMatch(/is marked/);
    });
  });
});
