// With no rule firing the injector is invisible: every send is the very input chunk, in order. And whatever the
// server sends, memory stays bounded and the framing stays right (SASL, pipelining, bare LF, huge bodies).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaultInjector, seeded } from '../../src/faults/injector.js';
import { parsePlan } from '../../src/faults/rules.js';
import { bytewiseChunks, cutsArbitrary, splitChunks, wholeChunks } from '../helpers/chunking.js';
import { c, type FStep, GREETING, injections, LOGIN, run, s, sameEachWay, serverText } from './harness.js';

/** Rules that never fire on these dialogues (no such verb is sent, or #N is past the end). */
const IDLE = [
  'APOP err',
  'UIDL 7 err',
  'TOP 9 drop-terminator',
  'any session=3 garbage 5',
  'RETR #99 cut 1',
  'STLS tls-fail',
  'NOOP session=5 stall',
];

function expectTransparent(d: readonly FStep[], rules: readonly string[], chunker = wholeChunks): void {
  const r = run(d, rules, chunker);
  for (const { input, steps } of r.perChunk) {
    if (input.length === 0) continue;
    expect(steps).toHaveLength(1);
    expect(steps[0]!.type).toBe('send');
    expect((steps[0] as { bytes: Uint8Array }).bytes).toBe(input); // the same object: no copy
  }
  expect(r.received).toBe(serverText(d));
}

const line = fc.stringMatching(/^[ -~]{0,30}$/);
const body = fc.array(
  fc.oneof(
    line,
    line.map((l) => `.${l}`),
  ),
  { maxLength: 6 },
);
const stuffed = (lines: string[], eol: string) =>
  `${lines.map((l) => (l.startsWith('.') ? `.${l}` : l) + eol).join('')}.${eol}`;

/** A random dialogue: commands of every kind, some pipelined, answers +OK/-ERR, bodies with CRLF or bare LF. */
const dialogue: fc.Arbitrary<FStep[]> = fc
  .array(
    fc.record({
      verb: fc.constantFrom(
        'RETR 1',
        'LIST',
        'LIST 2',
        'UIDL',
        'CAPA',
        'STAT',
        'DELE 2',
        'NOOP',
        'TOP 1 0',
        'XYZ',
      ),
      ok: fc.boolean(),
      lf: fc.boolean(),
      lines: body,
      pipelined: fc.boolean(),
    }),
    { maxLength: 8 },
  )
  .map((cmds) => {
    const steps: FStep[] = [...LOGIN];
    let queued: string[] = [];
    for (const cmd of cmds) {
      const multi = cmd.ok && ['RETR 1', 'LIST', 'UIDL', 'CAPA', 'TOP 1 0'].includes(cmd.verb);
      const eol = cmd.lf ? '\n' : '\r\n';
      const answer = `${cmd.ok ? '+OK' : '-ERR'} x${eol}${multi ? stuffed(cmd.lines, eol) : ''}`;
      steps.push(c(`${cmd.verb}\r\n`));
      queued.push(answer);
      if (!cmd.pipelined) {
        steps.push(s(queued.join('')));
        queued = [];
      }
    }
    if (queued.length) steps.push(s(queued.join('')));
    return steps;
  });

describe('with no rule firing', () => {
  it('hands on every server chunk as it came (property: random dialogues, random chunkings)', () => {
    fc.assert(
      fc.property(dialogue, fc.integer({ min: 0, max: 2 }), (d, way) => {
        const chunker =
          way === 0
            ? wholeChunks
            : way === 1
              ? bytewiseChunks()
              : splitChunks(d.map((_, i) => [i * 7, i * 13 + 3]));
        expectTransparent(d, IDLE, chunker);
        expectTransparent(d, [], chunker);
      }),
      { numRuns: 200 },
    );
  });

  it('frames random dialogues right: a rule on the last command hits it, whatever came before', () => {
    fc.assert(
      fc.property(dialogue, cutsArbitrary(40), (d, cuts) => {
        const all = [...d, c('RSET\r\n'), s('+OK\r\n')];
        const r = run(all, ['RSET err'], splitChunks(cuts));
        expect(injections(r)).toEqual(['RSET: -ERR instead of +OK']);
        expect(r.received).toBe(serverText(all).replace(/\+OK\r\n$/, '-ERR injected by pop3scope\r\n'));
      }),
      { numRuns: 100 },
    );
  });

  it('a SASL exchange: continuations answer nothing, the client lines that answer them are not commands', () => {
    const d = [
      s(GREETING),
      c('AUTH PLAIN\r\n'),
      s('+ \r\n'),
      c('AGJvYgBodW50ZXIy\r\n'),
      s('-ERR [AUTH] no\r\n'),
      c('AUTH LOGIN\r\n'),
      s('+ VXNlcm5hbWU6\r\n'),
      c('Ym9i\r\n'),
      s('+\r\n'),
      c('aHVudGVyMg==\r\n'),
      s('+OK logged in\r\n'),
      c('STAT\r\n'),
      s('+OK 1 40\r\n'),
      c('QUIT\r\n'),
      s('+OK bye\r\n'),
    ];
    expectTransparent(d, IDLE);
    expect(injections(sameEachWay(d, ['STAT phase=TRANSACTION err']))).toEqual(['STAT: -ERR instead of +OK']);
    expect(injections(sameEachWay(d, ['AUTH err']))).toEqual([
      "AUTH PLAIN: -ERR instead of the server's own -ERR",
      'AUTH LOGIN: -ERR instead of +OK',
    ]);
    // A rule on AUTH holds a "+" until the next byte says continuation or +OK, and changes neither.
    const r = sameEachWay(d, ['AUTH #3 cut 1']);
    expect(r.received).toBe(serverText(d));
    expect(injections(sameEachWay(d, ['AUTH LOGIN cut 2']))).toEqual([
      "AUTH LOGIN: cut after 2 of the response's octets",
    ]);
    expect(sameEachWay(d, ['AUTH LOGIN cut 2']).received).toBe(`${serverText(d.slice(0, 9))}+O`);
  });

  it('a 1 MB body streams through untouched, and a fault on the next answer still fires', () => {
    const big = 'x'.repeat(998);
    const text = `${Array.from({ length: 1050 }, () => big).join('\r\n')}\r\n.\r\n`;
    const d = [...LOGIN, c('RETR 1\r\nNOOP\r\n'), s(`+OK\r\n${text}`), s('+OK\r\n')];
    expectTransparent(d, ['NOOP #2 err']);
    const r = run(d, ['NOOP err'], splitChunks(d.map(() => [65536, 131072, 500000])));
    expect(injections(r)).toEqual(['NOOP: -ERR instead of +OK']);
  });
});

describe('bounded memory', () => {
  it('a 10 MB server line with no LF, then a 10 MB client line: relayed, framing goes on', () => {
    const plan = parsePlan(['NOOP err', 'RETR duplicate-line 1', 'LIST size-lie +1'], 1);
    const injector = new FaultInjector(plan, 1, seeded(1, 1));
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    const feed = (text: string) => injector.server(Buffer.from(text, 'latin1'));
    feed(GREETING);
    injector.client(Buffer.from('USER bob\r\nPASS x\r\nRETR 1\r\n'));
    feed('+OK\r\n+OK\r\n+OK\r\n');
    for (let n = 0; n < 160; n++) {
      const steps = injector.server(chunk); // one body line of 10 MB: duplicate-line does not copy it
      const sent = steps.reduce((a, st) => a + (st.type === 'send' ? st.bytes.length : 0), 0);
      expect(sent).toBe(chunk.length);
    }
    const tailSteps = feed('\r\n.\r\n');
    expect(tailSteps.some((st) => st.type === 'injected')).toBe(false);
    for (let n = 0; n < 160; n++) injector.client(chunk); // a client line of 10 MB
    injector.client(Buffer.from('\r\nNOOP\r\n'));
    feed('-ERR what\r\n'); // the answer to the long line
    const last = feed('+OK\r\n');
    expect(last[0]).toMatchObject({ type: 'injected', on: 'NOOP' });
    expect(injector.injectedCount).toBe(1);
  });

  it('a 10 MB status line under size-lie is relayed as it is, not held', () => {
    const plan = parsePlan(['STAT size-lie +1'], 1);
    const injector = new FaultInjector(plan, 1, seeded(1, 1));
    injector.server(Buffer.from(GREETING));
    injector.client(Buffer.from('STAT\r\n'));
    let sent = 0;
    for (let n = 0; n < 160; n++) {
      for (const st of injector.server(new Uint8Array(64 * 1024).fill(0x31)))
        if (st.type === 'send') sent += st.bytes.length;
    }
    expect(sent).toBe(160 * 64 * 1024);
  });

  it('a 20 MB body streams through bare-lf in 64 KiB chunks, nothing held', () => {
    const plan = parsePlan(['RETR bare-lf'], 1);
    const injector = new FaultInjector(plan, 1, seeded(1, 1));
    injector.server(Buffer.from(GREETING));
    injector.client(Buffer.from('RETR 1\r\n'));
    injector.server(Buffer.from('+OK\r\n'));
    const chunk = Buffer.from(`${'y'.repeat(1022)}\r\n`.repeat(64), 'latin1');
    let sent = 0;
    for (let n = 0; n < 320; n++) {
      const steps = injector.server(chunk);
      const out = steps.reduce((a, st) => a + (st.type === 'send' ? st.bytes.length : 0), 0);
      // Each chunk's 64 CRs are dropped, except the last one, held until the next byte says it precedes an LF.
      expect(out).toBeGreaterThanOrEqual(chunk.length - 64);
      sent += out;
    }
    injector.server(Buffer.from('.\r\n'));
    expect(sent).toBe(320 * (chunk.length - 64));
    expect(injector.injectedCount).toBe(1);
  });
});
