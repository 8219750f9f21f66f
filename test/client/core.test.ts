/**
 * The line client's sans-IO core, the engine's way: every dialogue's server bytes fed whole, byte by byte and
 * at random splits must show the same things, and the next line may go exactly when the last byte of the
 * answer (the "." of a listing or a message) is in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientCore, type ClientCoreOptions, type Shown } from '../../src/client/core.js';
import {
  bytewiseChunks,
  type Chunker,
  cutsArbitrary,
  multiline,
  splitChunks,
  wholeChunks,
} from '../helpers/chunking.js';

type Step = readonly ['s', string] | readonly ['c', string] | readonly ['tls'];

interface Run {
  readonly shown: Shown[];
  /** After each step: whether the next line may go, and the phase. */
  readonly states: { ready: boolean; phase: string | null }[];
  /** `ready` after every byte fed, per server step (to find the moment it turns true). */
  readonly readyAfter: boolean[][];
  readonly core: ClientCore;
}

function run(
  steps: readonly Step[],
  chunker: Chunker,
  options: ClientCoreOptions = { explain: 'auto' },
): Run {
  const core = new ClientCore(options, 0);
  const shown: Shown[] = [];
  const states: Run['states'] = [];
  const readyAfter: boolean[][] = [];
  steps.forEach((step, i) => {
    const t = i + 1;
    if (step[0] === 'c') {
      const sent = core.send(step[1], t);
      shown.push({ kind: 'note', text: `sent ${sent.echo}` }, ...sent.shown);
    } else if (step[0] === 'tls') {
      shown.push(...core.tlsStarted({ how: 'stls', visibility: 'decrypted' }, t));
    } else {
      const bytes = Buffer.from(step[1], 'utf8');
      const after: boolean[] = [];
      let at = 0;
      for (const n of chunker(bytes.length, i)) {
        shown.push(...core.fromServer(bytes.subarray(at, at + n), t));
        at += n;
        after.push(core.ready);
      }
      readyAfter.push(after);
    }
    states.push({ ready: core.ready, phase: core.phase });
  });
  return { shown, states, readyAfter, core };
}

/** Runs the dialogue whole, byte by byte and at random splits; all must show the same. Returns the whole run. */
function sameEachWay(steps: readonly Step[], options?: ClientCoreOptions): Run {
  const whole = run(steps, wholeChunks, options);
  const project = (r: Run) => ({ shown: r.shown, states: r.states });
  expect(project(run(steps, bytewiseChunks(), options))).toEqual(project(whole));
  fc.assert(
    fc.property(cutsArbitrary(steps.length), (cuts) => {
      expect(project(run(steps, splitChunks(cuts), options))).toEqual(project(whole));
    }),
    { numRuns: 40 },
  );
  return whole;
}

const GREETING = '+OK pop3scope ready <1.2@demo>\r\n';
const MESSAGE = [
  'From: Alice <alice@example.org>',
  'Subject: Lunch',
  '',
  'Hi Bob,',
  '.hidden dot line',
  'Alice',
];
const WALKTHROUGH: Step[] = [
  ['s', GREETING],
  ['c', 'user bob'],
  ['s', '+OK send PASS\r\n'],
  ['c', 'pass hungry'],
  ['s', '+OK bob has 2 messages (1410 octets)\r\n'],
  ['c', 'list'],
  ['s', `+OK 2 messages\r\n${multiline(['1 498', '2 912'])}`],
  ['c', 'retr 1'],
  ['s', `+OK 498 octets\r\n${multiline(MESSAGE)}`],
  ['c', 'dele 1'],
  ['s', '+OK message 1 marked for deletion\r\n'],
  ['c', 'quit'],
  ['s', '+OK pop3scope signing off\r\n'],
];

const texts = (shown: readonly Shown[], kind: Shown['kind']) =>
  shown.filter((s) => s.kind === kind).map((s) => s.text);

describe('ClientCore: the seed walkthrough', () => {
  const r = sameEachWay(WALKTHROUGH);

  it('shows every server line as received, the listing and the body up to their "."', () => {
    expect(texts(r.shown, 'server')).toEqual([
      '+OK pop3scope ready <1.2@demo>',
      '+OK send PASS',
      '+OK bob has 2 messages (1410 octets)',
      '+OK 2 messages',
      '1 498',
      '2 912',
      '.',
      '+OK 498 octets',
      ...MESSAGE.map((l) => (l.startsWith('.') ? `.${l}` : l)),
      '.',
      '+OK message 1 marked for deletion',
      '+OK pop3scope signing off',
    ]);
  });

  it('explains each response with the engine’s words (a pop3scope greeting turns them on), one per response', () => {
    const explained = texts(r.shown, 'explain');
    expect(explained).toHaveLength(7);
    expect(explained[0]).toMatch(/AUTHORIZATION/);
    expect(explained[3]).toMatch(/octets/);
    expect(explained[5]).toMatch(/marked for deletion/);
    // Each explanation comes right after the last line of its response.
    const i = r.shown.findIndex((s) => s.kind === 'explain' && s.text === explained[3]);
    expect(r.shown[i - 1]).toEqual({ kind: 'server', text: '.' });
  });

  it('masks the password in the echo and never shows it anywhere', () => {
    expect(texts(r.shown, 'note')).toContain('sent pass ******');
    expect(JSON.stringify(r.shown)).not.toContain('hungry');
  });

  it('follows the phase from the engine, and is ready for a line only once the whole answer is in', () => {
    expect(r.states.map((s) => s.phase)).toEqual([
      'AUTHORIZATION',
      ...Array(3).fill('AUTHORIZATION'),
      ...Array(7).fill('TRANSACTION'),
      'TRANSACTION',
      'UPDATE',
    ]);
    // After each command the core waits; after each answer it is ready again, except after QUIT's.
    expect(r.states.map((s) => s.ready)).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      false,
    ]);
    expect(r.core.quitDone).toBe(true);
  });

  it('turns ready on exactly with the last byte of a multi-line answer, fed byte by byte', () => {
    const bytewise = run(WALKTHROUGH, bytewiseChunks());
    const list = bytewise.readyAfter[3]!; // the fourth server step: LIST's answer
    expect(list.at(-1)).toBe(true);
    expect(list.slice(0, -1).every((ready) => !ready)).toBe(true);
    const retr = bytewise.readyAfter[4]!;
    expect(retr.indexOf(true)).toBe(retr.length - 1);
  });

  it('ends as "quit" when the server closes after QUIT', () => {
    const { ending, shown } = r.core.close(99, 'server');
    expect(ending).toBe('quit');
    expect(texts(shown, 'violation')).toEqual([]);
  });
});

describe('ClientCore: Tab completion from the command table, by the engine’s phase', () => {
  it('offers nothing before the greeting, USER for "us" in AUTHORIZATION, TRANSACTION verbs after login', () => {
    const core = new ClientCore({ explain: false });
    expect(core.complete('us')).toEqual([[], 'us']);
    core.fromServer(Buffer.from(GREETING), 1);
    expect(core.complete('us')).toEqual([['USER '], 'us']);
    expect(core.complete('li')[0]).toEqual([]);
    // A Tab readline took as pasted text is a blank before the word, not the end of completion.
    expect(core.complete('\tus')).toEqual([['USER '], 'us']);
    for (const [line, answer] of [
      ['user bob', '+OK\r\n'],
      ['pass hungry', '+OK\r\n'],
    ] as const) {
      core.send(line, 2);
      core.fromServer(Buffer.from(answer), 3);
    }
    const [all] = core.complete('');
    expect(all).toEqual(expect.arrayContaining(['STAT', 'LIST', 'RETR ', 'DELE ', 'QUIT', 'RSET', 'UIDL']));
    expect(all).not.toContain('USER ');
    expect(all).not.toContain('PASS ');
    expect(core.complete('r')[0]).toEqual(['RETR ', 'RSET']);
    expect(core.complete('retr 1')[0]).toEqual([]);
  });
});

describe('ClientCore: SASL, STLS, explanations, endings', () => {
  it('masks a whole SASL response after "+ ", and waits again after sending it', () => {
    const b64 = Buffer.from('\0bob\0hungry').toString('base64');
    const core = new ClientCore({ explain: false });
    core.fromServer(Buffer.from(GREETING), 1);
    core.send('AUTH PLAIN', 2);
    expect(core.ready).toBe(false);
    core.fromServer(Buffer.from('+ \r\n'), 3);
    expect(core.saslResponse).toBe(true);
    expect(core.ready).toBe(true);
    expect(core.prompt()).toBe('SASL response> ');
    expect(core.complete('')).toEqual([[], '']);
    const sent = core.send(b64, 4);
    expect(sent.echo).toBe('*'.repeat(b64.length));
    expect(core.ready).toBe(false);
    core.fromServer(Buffer.from('+OK logged in\r\n'), 5);
    expect(core.phase).toBe('TRANSACTION');
    expect(core.saslResponse).toBe(false);
    expect(core.mask(`AUTH PLAIN ${b64}`)).toBe(`AUTH PLAIN ${'*'.repeat(b64.length)}`);
  });

  it('asks for the TLS upgrade after STLS +OK and reads no cleartext after it', () => {
    const core = new ClientCore({ explain: false });
    core.fromServer(Buffer.from(GREETING), 1);
    core.send('STLS', 2);
    const shown = core.fromServer(Buffer.from('+OK begin TLS\r\n\x16\x03\x01junk\r\n'), 3);
    expect(texts(shown, 'server')).toEqual(['+OK begin TLS']);
    expect(core.upgradePending).toBe(true);
    expect(core.ready).toBe(false);
    expect(core.fromServer(Buffer.from('more\r\n'), 4)).toEqual([]);
    core.tlsStarted({ how: 'stls', visibility: 'decrypted' }, 5);
    expect(core.upgradePending).toBe(false);
    expect(core.ready).toBe(true);
    expect(core.stlsAnswer).toBe('+OK');
  });

  it('explains under "auto" only for a pop3scope greeting or the demo’s address; the flags decide otherwise', () => {
    const explained = (options: ClientCoreOptions, greeting: string) => {
      const core = new ClientCore(options);
      return texts(core.fromServer(Buffer.from(greeting), 1), 'explain').length > 0;
    };
    const other = '+OK Dovecot ready.\r\n';
    expect(explained({ explain: 'auto' }, GREETING)).toBe(true);
    expect(explained({ explain: 'auto' }, other)).toBe(false);
    expect(explained({ explain: 'auto', demo: true }, other)).toBe(true);
    expect(explained({ explain: false }, GREETING)).toBe(false);
    expect(explained({ explain: true }, other)).toBe(true);
  });

  it('ends as "dropped" when the server closes first, and says that marked messages stay', () => {
    const r = run(WALKTHROUGH.slice(0, 11), wholeChunks);
    const { ending, shown } = r.core.close(99, 'server');
    expect(ending).toBe('dropped');
    expect(texts(shown, 'violation').join('\n')).toMatch(/POP3_NO_UPDATE/);
  });

  it('shows a partial last line when the connection ends, and escapes control characters', () => {
    const core = new ClientCore({ explain: false });
    const shown = core.fromServer(Buffer.from('+OK hi \x1b[2J\x07there\r\n-ERR no end'), 1);
    expect(texts(shown, 'server')).toEqual(['+OK hi \\x1b[2J\\x07there']);
    expect(texts(core.close(2, 'client').shown, 'server')).toEqual(['-ERR no end']);
  });
});
