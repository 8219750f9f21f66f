/** The matrix runner's verdict (faults/matrix.ts) over hand-made engine event lists. */
import { describe, expect, it } from 'vitest';
import type { EngineEvent, SessionSummary, Transaction } from '../../src/analysis/types.js';
import {
  type ClientExit,
  classifyRun,
  describeMail,
  describeReactions,
  exitText,
  MAX_COMMANDS_AFTER,
  responseName,
  type StoreFacts,
} from '../../src/faults/matrix.js';

const OK: ClientExit = { code: 0, signal: null, timedOut: false };
const FAILED: ClientExit = { code: 3, signal: null, timedOut: false };
const TIMEOUT: ClientExit = { code: null, signal: 'SIGKILL', timedOut: true };

/** A session's events, written as a dialogue. */
class Dialogue {
  readonly events: EngineEvent[] = [];
  private seq = 0;
  constructor(readonly session = 's1') {}

  start(): this {
    this.events.push({
      type: 'phase',
      session: this.session,
      from: null,
      to: 'AUTHORIZATION',
      at: 0,
      reason: '',
    });
    return this;
  }
  login(): this {
    this.cmd('USER bob', '+OK');
    this.cmd('PASS <redacted 6 octets>', '+OK');
    this.events.push({
      type: 'phase',
      session: this.session,
      from: 'AUTHORIZATION',
      to: 'TRANSACTION',
      at: 1,
      reason: 'logged in',
    });
    return this;
  }
  /** The command event, then (unless `answer` is null) its transaction. */
  cmd(line: string, status: '+OK' | '-ERR' | null, o: { complete?: boolean; listing?: string[] } = {}): this {
    const [verb, ...args] = line.split(' ');
    const command = { verb: verb!, args, line, octets: line.length + 2, at: 0, pipelined: false };
    const seq = ++this.seq;
    this.events.push({ type: 'command', session: this.session, seq, command });
    if (status === null) return this;
    return this.tx(seq, status, o);
  }
  /** The transaction of command `seq` (later than its command, as when an injection came between). */
  tx(seq: number, status: '+OK' | '-ERR', o: { complete?: boolean; listing?: string[] } = {}): this {
    const cmd = this.events.find((e) => e.type === 'command' && e.seq === seq);
    const command = cmd?.type === 'command' ? cmd.command : null;
    const tx = {
      session: this.session,
      seq,
      phase: 'TRANSACTION',
      command,
      response: {
        status,
        code: null,
        text: '',
        multiline: Boolean(o.listing),
        bodyOctets: 0,
        bodyLines: 0,
        complete: o.complete ?? true,
        ...(o.listing ? { listing: o.listing } : {}),
      },
      wire: { c2sStart: 0, c2sEnd: 0, s2cStart: 0, s2cEnd: 0 },
      startedAt: 0,
      endedAt: 0,
      latencyMs: 0,
      explain: '',
      rfc: '',
      violations: [],
    } as unknown as Transaction;
    this.events.push({ type: 'transaction', session: this.session, tx });
    return this;
  }
  inject(rule: string, on: string, what = 'changed'): this {
    this.events.push({ type: 'injected', session: this.session, t: 0, rule, on, what });
    return this;
  }
  summary(s: Partial<SessionSummary> = {}): this {
    const summary = {
      user: 'bob',
      retrieved: [],
      removed: [],
      marked: [],
      ...s,
    } as unknown as SessionSummary;
    this.events.push({ type: 'summary', session: this.session, summary });
    return this;
  }
}

const bobStore = (removed: string[] = [], logins = 1): StoreFacts => ({
  logins: Array.from({ length: logins }, () => ({ user: 'bob', uids: ['u1', 'u2'] })),
  removed: removed.map((uid) => ({ user: 'bob', uid })),
});

describe('classifyRun', () => {
  it('a baseline run: what was received and removed, nothing lost', () => {
    const d = new Dialogue()
      .start()
      .login()
      .cmd('RETR 1', '+OK')
      .cmd('RETR 2', '+OK')
      .cmd('DELE 1', '+OK')
      .cmd('DELE 2', '+OK')
      .cmd('QUIT', '+OK')
      .summary({ retrieved: [1, 2], removed: [1, 2] });
    const row = classifyRun({ rule: null, events: d.events, exit: OK, store: bobStore(['u1', 'u2']) });
    expect(row).toMatchObject({ injected: 0, fault: null, afterwards: [], lost: [], duplicated: [] });
    expect(row.received).toEqual(['bob 1', 'bob 2']);
    expect(row.removed).toEqual(['bob 1', 'bob 2']);
    expect(describeReactions(row)).toBe('baseline: received bob 1, bob 2; removed bob 1, bob 2');
    expect(describeMail(row)).toBe('ok');
  });

  it('a cut RETR, then DELE of that message: deleted NOT received whole, and LOST on the store', () => {
    // The transaction (the server sent it all) comes before the injected event, as in the proxy.
    const d = new Dialogue()
      .start()
      .login()
      .cmd('RETR 1', '+OK')
      .inject('RETR #1 cut 400', 'RETR 1', "cut after 400 of the response's octets")
      .cmd('DELE 1', '+OK')
      .cmd('QUIT', '+OK')
      .summary({ retrieved: [1], removed: [1] });
    const row = classifyRun({ rule: 'RETR #1 cut 400', events: d.events, exit: OK, store: bobStore(['u1']) });
    expect(row.fault).toEqual({ on: 'RETR 1', what: "cut after 400 of the response's octets" });
    expect(row.afterwards).toEqual([
      { kind: 'deleted', message: 'bob 1', fullyReceived: false },
      { kind: 'quit' },
    ]);
    expect(row.received).toEqual([]);
    expect(row.lost).toEqual(['bob 1']);
    expect(describeReactions(row)).toBe('deleted bob 1 NOT received whole, quit');
    expect(describeMail(row)).toBe('LOST bob 1');
    expect(row.commandsAfter).toEqual(['DELE 1', 'QUIT']);
  });

  it('a delayed RETR still counts as received whole: delay spoils nothing', () => {
    const d = new Dialogue()
      .start()
      .login()
      .cmd('RETR 1', '+OK')
      .inject('RETR delay 100', 'RETR 1')
      .cmd('DELE 1', '+OK')
      .cmd('QUIT', '+OK')
      .summary({ retrieved: [1], removed: [1] });
    const row = classifyRun({ rule: 'RETR delay 100', events: d.events, exit: OK, store: bobStore(['u1']) });
    expect(row.afterwards[0]).toEqual({ kind: 'deleted', message: 'bob 1', fullyReceived: true });
    expect(row.lost).toEqual([]);
  });

  it('the same command again is "retried"; whole twice is duplicated', () => {
    const d = new Dialogue()
      .start()
      .login()
      .cmd('RETR 1', '+OK')
      .inject('RETR #1 garbage 10', 'RETR 1')
      .cmd('RETR 1', '+OK')
      .cmd('QUIT', '+OK')
      .summary({ retrieved: [1] });
    const row = classifyRun({ rule: 'RETR #1 garbage 10', events: d.events, exit: OK, store: bobStore() });
    expect(row.afterwards).toEqual([{ kind: 'retried', command: 'RETR 1' }, { kind: 'quit' }]);
    expect(row.duplicated).toEqual(['bob 1']);
    expect(describeMail(row)).toBe('duplicated bob 1');
    expect(describeReactions(row)).toBe('retried (RETR 1), quit');
  });

  it('a retry after a cut in a new session: the retrieval that came whole counts, nothing duplicated', () => {
    const first = new Dialogue('s1')
      .start()
      .login()
      .cmd('RETR 1', '+OK')
      .inject('RETR #1 cut 100', 'RETR 1')
      .summary({ retrieved: [1] });
    const second = new Dialogue('s2')
      .start()
      .login()
      .cmd('RETR 1', '+OK')
      .cmd('QUIT', '+OK')
      .summary({ retrieved: [1] });
    const row = classifyRun({
      rule: 'RETR #1 cut 100',
      events: [...first.events, ...second.events],
      exit: OK,
      store: bobStore([], 2),
    });
    expect(row.sessions).toBe(2);
    expect(row.afterwards).toEqual([{ kind: 'retried', command: 'RETR 1' }, { kind: 'quit' }]);
    expect(row.received).toEqual(['bob 1']);
    expect(row.duplicated).toEqual([]);
  });

  it('a greeting fault followed by a new connection is "retried (a new connection)"', () => {
    const first = new Dialogue('s1')
      .start()
      .inject('greeting greeting-err', 'greeting')
      .summary({ user: null });
    const second = new Dialogue('s2').start().login().cmd('QUIT', '+OK').summary();
    const row = classifyRun({
      rule: 'greeting greeting-err',
      events: [...first.events, ...second.events],
      exit: OK,
    });
    expect(row.afterwards[0]).toEqual({ kind: 'retried', command: 'a new connection' });
  });

  it('no command after the fault: "reported an error" when it exited non-zero, "nothing" on 0', () => {
    const d = new Dialogue().start().login().cmd('RETR 1', '+OK').inject('RETR cut 10', 'RETR 1').summary();
    const failed = classifyRun({ rule: 'RETR cut 10', events: d.events, exit: FAILED });
    expect(failed.afterwards).toEqual([{ kind: 'error' }]);
    expect(describeReactions(failed)).toBe('reported an error');
    expect(failed.exit).toBe('3');
    const quiet = classifyRun({ rule: 'RETR cut 10', events: d.events, exit: OK });
    expect(describeReactions(quiet)).toBe('nothing');
  });

  it('killed at the timeout: "hung until timeout"', () => {
    const d = new Dialogue().start().login().cmd('RETR 1', null).inject('RETR stall', 'RETR 1').summary();
    const row = classifyRun({ rule: 'RETR stall', events: d.events, exit: TIMEOUT });
    expect(row.afterwards).toEqual([{ kind: 'hung' }]);
    expect(row.exit).toBe('timeout');
    expect(describeReactions(row)).toBe('hung until timeout');
  });

  it('a rule that never fired says so', () => {
    const d = new Dialogue().start().login().cmd('QUIT', '+OK').summary();
    const row = classifyRun({ rule: 'DELE err', events: d.events, exit: OK });
    expect(row.injected).toBe(0);
    expect(describeReactions(row)).toBe('rule never fired');
  });

  it('without the store, removals come from the transcript, messages known by their UIDL', () => {
    const d = new Dialogue()
      .start()
      .login()
      .cmd('UIDL', '+OK', { listing: ['1 aaa', '2 bbb'] })
      .cmd('RETR 2', '+OK', { complete: false })
      .inject('RETR 2 drop-terminator', 'RETR 2')
      .cmd('DELE 2', '+OK')
      .cmd('QUIT', '+OK')
      .summary({ removed: [2] });
    const row = classifyRun({ rule: 'RETR 2 drop-terminator', events: d.events, exit: OK });
    expect(row.mailboxFrom).toBe('transcript');
    expect(row.lost).toEqual(['bob 2']);
    expect(row.afterwards[0]).toEqual({ kind: 'deleted', message: 'bob 2', fullyReceived: false });
  });

  it('an -ERR to RETR is no receipt; a removal by the store is told by the message it was at login', () => {
    const d = new Dialogue().start().login().cmd('RETR 2', '-ERR').summary();
    const row = classifyRun({ rule: 'RETR err', events: d.events, exit: OK, store: bobStore(['u2']) });
    expect(row.received).toEqual([]);
    expect(row.lost).toEqual(['bob 2']);
  });

  it('TOP counts as a receipt only when the engine judged it whole (summary.retrieved)', () => {
    const d = new Dialogue()
      .start()
      .login()
      .cmd('TOP 1 0', '+OK')
      .cmd('TOP 2 99999999', '+OK')
      .summary({ retrieved: [2] });
    const row = classifyRun({ rule: null, events: d.events, exit: OK, store: bobStore() });
    expect(row.received).toEqual(['bob 2']);
  });

  it('keeps at most MAX_COMMANDS_AFTER command lines after the fault', () => {
    const d = new Dialogue().start().login().cmd('NOOP', '+OK').inject('NOOP err', 'NOOP');
    for (let i = 0; i < 50; i++) d.cmd('NOOP', '-ERR');
    const row = classifyRun({ rule: 'NOOP err', events: d.events, exit: OK });
    expect(row.commandsAfter).toHaveLength(MAX_COMMANDS_AFTER);
    expect(row.afterwards).toEqual([{ kind: 'retried', command: 'NOOP' }]);
  });
});

describe('helpers', () => {
  it('responseName matches what the injector calls a response', () => {
    expect(responseName({ verb: 'RETR', args: ['2'] })).toBe('RETR 2');
    expect(responseName({ verb: 'LIST', args: [] })).toBe('LIST');
    expect(responseName({ verb: 'PASS', args: ['<redacted>'] })).toBe('PASS');
  });
  it('exitText', () => {
    expect(exitText(OK)).toBe('0');
    expect(exitText(TIMEOUT)).toBe('timeout');
    expect(exitText({ code: null, signal: 'SIGTERM', timedOut: false })).toBe('killed (SIGTERM)');
  });
});
