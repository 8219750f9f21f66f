// Each action on a dialogue: exactly what the client receives, the same whole, byte by byte and at random splits.
import { describe, expect, it } from 'vitest';
import { c, GREETING, injections, LOGIN, run, s, sameEachWay, serverText } from './harness.js';

const BODY = 'Subject: hi\r\n\r\nline one\r\n..dotted\r\nlast\r\n.\r\n';
const RETR = [
  ...LOGIN,
  c('RETR 1\r\n'),
  s(`+OK 40 octets\r\n${BODY}`),
  c('QUIT\r\n'),
  s('+OK bye\r\n'),
] as const;
const tail = '+OK bye\r\n';

describe('each action', () => {
  it('err on a single-line answer, with a code', () => {
    const d = [...LOGIN, c('DELE 1\r\n'), s('+OK deleted\r\n'), c('QUIT\r\n'), s(tail)];
    const r = sameEachWay(d, ['DELE err [IN-USE] mailbox busy']);
    expect(r.received).toBe(serverText(d).replace('+OK deleted\r\n', '-ERR [IN-USE] mailbox busy\r\n'));
    expect(injections(r)).toEqual(['DELE 1: -ERR instead of +OK']);
    expect(r.events[0]).toMatchObject({ type: 'injected', rule: 'DELE err [IN-USE] mailbox busy' });
    expect(r.injectedCount).toBe(1);
  });

  it('err where the server said -ERR itself says so (not "-ERR instead of -ERR")', () => {
    const d = [...LOGIN, c('DELE 9\r\n'), s('-ERR no such message\r\n'), c('QUIT\r\n'), s(tail)];
    const r = sameEachWay(d, ['DELE err [IN-USE] busy']);
    expect(injections(r)).toEqual(["DELE 9: -ERR instead of the server's own -ERR"]);
  });

  it('err on a multi-line answer drops its body, and the next answer is framed right', () => {
    const r = sameEachWay(RETR, ['RETR err', 'QUIT err no']);
    expect(r.received).toBe(`${serverText(LOGIN)}-ERR injected by pop3scope\r\n-ERR no\r\n`);
    expect(injections(r)).toEqual(['RETR 1: -ERR instead of +OK and its body', 'QUIT: -ERR instead of +OK']);
  });

  it('greeting-err and greeting err', () => {
    const d = [s(GREETING), c('QUIT\r\n'), s(tail)];
    const r = sameEachWay(d, ['greeting greeting-err']);
    expect(r.received).toBe(`-ERR [SYS/TEMP] injected by pop3scope\r\n${tail}`);
    expect(injections(r)).toEqual(['greeting: -ERR instead of the greeting']);
    expect(sameEachWay(d, ['greeting err down']).received).toBe(`-ERR down\r\n${tail}`);
  });

  it('delay waits before the response, nothing else changes', () => {
    const r = sameEachWay(RETR, ['greeting delay 40000', 'RETR delay 5']);
    expect(r.received).toBe(serverText(RETR));
    expect(r.waits).toEqual([40000, 5]);
    expect(r.steps[0]).toMatchObject({
      type: 'injected',
      on: 'greeting',
      what: 'waited 40000 ms before the response',
    });
    expect(r.steps[1]).toEqual({ type: 'wait', ms: 40000 });
    const retr = r.steps.findIndex((st) => st.type === 'injected' && st.on === 'RETR 1');
    expect(r.steps[retr + 1]).toEqual({ type: 'wait', ms: 5 });
    expect(r.steps[retr + 2]).toMatchObject({ type: 'send' });
    expect(Buffer.from((r.steps[retr + 2] as { bytes: Uint8Array }).bytes).toString('latin1')).toMatch(
      /^\+OK 40/,
    );
  });

  it('trickle sends the response in pieces with waits that add up to its size at that rate', () => {
    const r = sameEachWay(RETR, ['RETR trickle 100/s']);
    expect(r.received).toBe(serverText(RETR));
    const size = `+OK 40 octets\r\n${BODY}`.length;
    expect(r.waits.reduce((a, b) => a + b, 0)).toBe(size * 10);
    const pieces = r.steps.flatMap((st, i) => (st.type === 'wait' ? [r.steps[i + 1]] : []));
    for (const p of pieces) expect((p as { bytes: Uint8Array }).bytes.length).toBeLessThanOrEqual(10);
    expect(injections(r)).toEqual(['RETR 1: the response sent at 100 octets/s']);
  });

  it('cut after N octets of the response, with or without RST; nothing after', () => {
    for (const rst of [false, true]) {
      const r = sameEachWay(RETR, [`RETR cut 20${rst ? ' rst' : ''}`]);
      expect(r.received).toBe(`${serverText(LOGIN)}${`+OK 40 octets\r\n${BODY}`.slice(0, 20)}`);
      expect(r.events).toEqual([
        {
          type: 'injected',
          rule: `RETR cut 20${rst ? ' rst' : ''}`,
          on: 'RETR 1',
          what: "cut after 20 of the response's octets",
        },
        { type: 'close', rst },
      ]);
      expect(r.steps[r.steps.length - 1]).toEqual({ type: 'close', rst });
    }
  });

  it('cut beyond a short response closes after it, and says so', () => {
    const d = [...LOGIN, c('STAT\r\n'), s('+OK 1 40\r\n'), c('QUIT\r\n'), s(tail)];
    const r = sameEachWay(d, ['STAT cut 400']);
    expect(r.received).toBe(`${serverText(LOGIN)}+OK 1 40\r\n`);
    expect(injections(r)).toEqual(['STAT: closed after the whole response (10 octets, fewer than 400)']);
  });

  it('stall and close-before-response send nothing of the response, and nothing after', () => {
    const stall = sameEachWay(RETR, ['RETR stall']);
    expect(stall.received).toBe(serverText(LOGIN));
    expect(stall.events.map((e) => e.type)).toEqual(['injected', 'stall']);
    const close = sameEachWay(RETR, ['RETR close-before-response']);
    expect(close.received).toBe(serverText(LOGIN));
    expect(close.events[1]).toEqual({ type: 'close', rst: false });
  });

  it('drop-terminator leaves out the final "." line only', () => {
    const r = sameEachWay(RETR, ['RETR drop-terminator']);
    expect(r.received).toBe(serverText(RETR).replace('last\r\n.\r\n', 'last\r\n'));
    expect(injections(r)).toEqual(['RETR 1: no final "." line']);
  });

  it('drop-terminator with bare LF endings, and on an -ERR (no body: nothing injected)', () => {
    const d = [...LOGIN, c('RETR 1\r\n'), s('+OK\n.x\n..\n.\n'), c('RETR 9\r\n'), s('-ERR no\r\n')];
    const r = sameEachWay(d, ['RETR drop-terminator']);
    expect(r.received).toBe(serverText(d).replace('..\n.\n', '..\n'));
    expect(r.injectedCount).toBe(1);
  });

  it('size-lie on a LIST listing, LIST n and STAT', () => {
    const d = [
      ...LOGIN,
      c('STAT\r\n'),
      s('+OK 2 320\r\n'),
      c('LIST\r\n'),
      s('+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n'),
      c('LIST 2\r\n'),
      s('+OK 2 200\r\n'),
      c('LIST 3\r\n'),
      s('-ERR no such message\r\n'),
    ];
    const r = sameEachWay(d, ['any size-lie -130']);
    expect(r.received).toBe(
      `${serverText(LOGIN)}+OK 2 190\r\n+OK 2 messages\r\n1 0\r\n2 70\r\n.\r\n+OK 2 70\r\n-ERR no such message\r\n`,
    );
    expect(injections(r)).toEqual([
      'STAT: sizes off by -130 octets',
      'LIST: sizes off by -130 octets',
      'LIST 2: sizes off by -130 octets',
    ]);
  });

  it('duplicate-line sends body line N twice; a body with fewer lines is untouched', () => {
    const r = sameEachWay(RETR, ['RETR duplicate-line 3']);
    expect(r.received).toBe(serverText(RETR).replace('line one\r\n', 'line one\r\nline one\r\n'));
    expect(injections(r)).toEqual(['RETR 1: body line 3 sent twice']);
    const none = sameEachWay(RETR, ['RETR duplicate-line 6']);
    expect(none.received).toBe(serverText(RETR));
    expect(none.injectedCount).toBe(0);
  });

  it('bare-lf rewrites CRLF to LF in the body, not in the status line or the terminator', () => {
    const r = sameEachWay(RETR, ['RETR bare-lf']);
    expect(r.received).toBe(
      `${serverText(LOGIN)}+OK 40 octets\r\nSubject: hi\n\nline one\n..dotted\nlast\n.\r\n${tail}`,
    );
    expect(injections(r)).toEqual(['RETR 1: bare LF line endings in the body']);
  });

  it('unstuff removes dot-stuffing, the terminator stays', () => {
    const d = [...LOGIN, c('RETR 1\r\n'), s('+OK\r\n..\r\n...x\r\n.y\r\n.\r\n'), c('QUIT\r\n'), s(tail)];
    const r = sameEachWay(d, ['RETR unstuff']);
    expect(r.received).toBe(`${serverText(LOGIN)}+OK\r\n.\r\n..x\r\n.y\r\n.\r\n${tail}`);
    expect(injections(r)).toEqual(['RETR 1: dot-stuffing removed (".." sent as ".")']);
  });

  it('garbage sends N octets of noise after the response, the same for the same seed', () => {
    const r = sameEachWay(RETR, ['RETR garbage 32']);
    const text = serverText(RETR);
    const at = text.indexOf('.\r\n', text.indexOf('last')) + 3;
    expect(r.received.length).toBe(text.length + 32);
    expect(r.received.slice(0, at) + r.received.slice(at + 32)).toBe(text);
    expect(run(RETR, ['RETR garbage 32'], undefined, { seed: 1 }).received).toBe(r.received);
    expect(run(RETR, ['RETR garbage 32'], undefined, { seed: 2 }).received).not.toBe(r.received);
  });

  it('tls-fail passes the +OK to STLS, then fails the handshake; -ERR to STLS: nothing', () => {
    const d = [s(GREETING), c('STLS\r\n'), s('+OK begin TLS\r\n'), c('QUIT\r\n'), s(tail)];
    const r = sameEachWay(d, ['STLS tls-fail']);
    expect(r.received).toBe(`${GREETING}+OK begin TLS\r\n`);
    expect(r.events.map((e) => e.type)).toEqual(['injected', 'tls-fail']);
    const refused = [s(GREETING), c('STLS\r\n'), s('-ERR no TLS\r\n'), c('QUIT\r\n'), s(tail)];
    expect(sameEachWay(refused, ['STLS tls-fail']).injectedCount).toBe(0);
  });
});

describe('which response a rule hits', () => {
  const many = [
    ...LOGIN,
    ...[1, 2, 3, 4].flatMap((n) => [c(`DELE ${n}\r\n`), s(`+OK ${n} deleted\r\n`)]),
    c('QUIT\r\n'),
    s(tail),
  ];
  const hits = (rules: string[], options = {}) => injections(sameEachWay(many, rules, options));

  it('#N, every=N, an argument, a phase, a session', () => {
    expect(hits(['DELE #2 err'])).toEqual(['DELE 2: -ERR instead of +OK']);
    expect(hits(['DELE every=2 err'])).toEqual([
      'DELE 2: -ERR instead of +OK',
      'DELE 4: -ERR instead of +OK',
    ]);
    expect(hits(['DELE 3 err'])).toEqual(['DELE 3: -ERR instead of +OK']);
    expect(hits(['any #2 err'])).toEqual(['USER bob: -ERR instead of +OK']);
    expect(hits(['any phase=TRANSACTION #1 err'])).toEqual(['DELE 1: -ERR instead of +OK']);
    expect(hits(['any phase=AUTHORIZATION err'])).toEqual([
      'USER bob: -ERR instead of +OK',
      'PASS: -ERR instead of +OK',
    ]);
    expect(hits(['QUIT phase=UPDATE err'])).toEqual([]);
    expect(hits(['DELE session=2 err'])).toEqual([]);
    expect(hits(['DELE session=2 err'], { session: 2 })).toHaveLength(4);
  });

  it('the first matching rule wins, and every rule counts whatever the others do', () => {
    expect(hits(['DELE #1 err a', 'DELE #2 err b', 'DELE err c'])).toEqual([
      'DELE 1: -ERR instead of +OK',
      'DELE 2: -ERR instead of +OK',
      'DELE 3: -ERR instead of +OK',
      'DELE 4: -ERR instead of +OK',
    ]);
    const r = sameEachWay(many, ['DELE #1 err a', 'DELE #2 err b', 'DELE err c']);
    expect(r.events.flatMap((e) => (e.type === 'injected' ? [e.rule] : []))).toEqual([
      'DELE #1 err a',
      'DELE #2 err b',
      'DELE err c',
      'DELE err c',
    ]);
  });

  it('p= is reproducible from the seed and independent of other rules', () => {
    const big = [
      ...LOGIN,
      ...Array.from({ length: 60 }, (_, n) => [c(`DELE ${n + 1}\r\n`), s('+OK\r\n')]).flat(),
    ];
    const picked = (rules: string[], seed: number) =>
      injections(run(big, rules, undefined, { seed })).filter((h) => h.startsWith('DELE'));
    const a = picked(['DELE p=0.3 err'], 7);
    expect(a.length).toBeGreaterThan(5);
    expect(a.length).toBeLessThan(40);
    expect(picked(['DELE p=0.3 err'], 7)).toEqual(a);
    expect(picked(['DELE p=0.3 err'], 8)).not.toEqual(a);
    // A rule for LIST (even a probabilistic one), or one for USER that fires, changes nothing for the DELE rule.
    expect(picked(['LIST p=0.5 err', 'USER p=0.5 err', 'DELE p=0.3 err'], 7)).toEqual(a);
    expect(sameEachWay(big, ['DELE p=0.3 err'], { seed: 7, numRuns: 10 }).injectedCount).toBe(a.length);
  });
});
