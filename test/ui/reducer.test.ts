/** The dashboard reducer: engine events and keys in, screen state out — no terminal involved. */
import { describe, expect, it } from 'vitest';
import type { EngineEvent, SessionSummary } from '../../src/analysis/types.js';
import { violation } from '../../src/protocol/violations.js';
import { visibleEntries, visibleSessions } from '../../src/ui/filter.js';
import {
  MAX_ENDED_SESSIONS,
  MAX_ENTRIES_ENDED,
  MAX_ENTRIES_PER_SESSION,
  MAX_PREVIEW_LINES,
} from '../../src/ui/limits.js';
import { currentEntry, currentSession, expandKey, nextSpeed, reduce } from '../../src/ui/reducer.js';
import { shown } from '../../src/ui/state.js';
import { afterCapture, apply, ev, live, played, toAction, txEvent } from './helpers.js';

const summary = (session: string, over: Partial<SessionSummary> = {}): EngineEvent => ({
  type: 'summary',
  session,
  summary: {
    session,
    client: null,
    upstream: null,
    user: null,
    auth: null,
    tls: 'none',
    phases: [],
    mode: 'other',
    commands: 0,
    retrieved: [],
    marked: [],
    removed: [],
    discarded: [],
    violations: {},
    bytes: { c2s: 0, s2c: 0 },
    startedAt: 0,
    endedAt: 100,
    durationMs: 100,
    closedBy: 'client',
    closeReason: 'client closed',
    ...over,
  },
});

const open = (session: string, t = 0) => ({
  type: 'open' as const,
  start: { session, t, client: `10.0.0.1:${1000 + t}`, upstream: 'mail:110', tls: 'none' as const },
});

describe('the session list', () => {
  it('shows the seed session as the engine saw it: user, phase UPDATE, commands, bytes, ended', () => {
    const s = afterCapture('seed-download-and-delete.jsonl');
    const [x] = s.data.sessions;
    expect(s.data.sessions).toHaveLength(1);
    expect(x).toMatchObject({
      id: 's1',
      client: '127.0.0.1:50110',
      user: 'bob',
      auth: 'USER/PASS',
      commands: 8,
      live: false,
      violations: 0,
    });
    expect(x!.phases.map((p) => p.phase)).toEqual(['AUTHORIZATION', 'TRANSACTION', 'UPDATE']);
    expect(x!.bytes).toEqual({ c2s: 67, s2c: 1652 });
    expect(x!.endedAt! - x!.startedAt).toBe(7265);
  });

  it('never holds a password: the user comes from USER, the PASS line stays redacted', () => {
    const s = afterCapture('seed-download-and-delete.jsonl');
    const text = JSON.stringify(s);
    expect(text).not.toContain('hungry');
    expect(text).toContain('pass <redacted 6 octets>');
  });

  it('learns the user live, before the summary, and counts bytes from data events', () => {
    const s = apply(live(), [
      open('s1'),
      ev({ type: 'data', session: 's1', dir: 'c2s', t: 1, bytes: Buffer.from('USER carol\r\n') }),
      ev(txEvent('s1', 1, 'USER carol', { phase: 'AUTHORIZATION' })),
    ]);
    expect(s.data.sessions[0]).toMatchObject({ user: 'carol', live: true, bytes: { c2s: 12, s2c: 0 } });
    expect(s.totals.c2s).toBe(12);
  });

  it('creates a session it never saw open (the dashboard was attached late)', () => {
    const s = apply(live(), [ev(txEvent('s9', 3, 'NOOP'))]);
    expect(s.data.sessions.map((x) => x.id)).toEqual(['s9']);
  });

  it(`keeps at most ${MAX_ENDED_SESSIONS} ended sessions and says how many older ones are hidden`, () => {
    const actions = [];
    for (let i = 1; i <= MAX_ENDED_SESSIONS + 7; i++) actions.push(open(`s${i}`, i), ev(summary(`s${i}`)));
    actions.push(open('live1', 999));
    const s = apply(live(), actions);
    expect(s.data.hidden).toBe(7);
    expect(s.data.sessions.filter((x) => !x.live)).toHaveLength(MAX_ENDED_SESSIONS);
    expect(s.data.sessions[0]!.id).toBe('s8');
    expect(s.data.sessions.at(-1)).toMatchObject({ id: 'live1', live: true });
  });
});

const listing = (text: string, lines: string[]) => ({
  status: '+OK' as const,
  code: null,
  text,
  multiline: true,
  bodyOctets: lines.reduce((a, l) => a + l.length + 2, 0),
  bodyLines: lines.length,
  complete: true,
  listing: lines,
});
const body = (octets: number) => ({
  status: '+OK' as const,
  code: null,
  text: `${octets} octets`,
  multiline: true,
  bodyOctets: octets,
  bodyLines: 16,
  complete: true,
});

describe('the mailbox model', () => {
  it('ends with both seed messages retrieved and removed, sizes from LIST', () => {
    const x = afterCapture('seed-download-and-delete.jsonl').data.sessions[0]!;
    expect(x.mailbox).toEqual([
      { n: 1, size: 498, retrieved: true, marked: true, removed: true },
      { n: 2, size: 912, retrieved: true, marked: true, removed: true },
    ]);
  });

  it('follows the transactions as they come: DELE marks, RSET unmarks, QUIT removes what is marked', () => {
    const list = txEvent('s1', 1, 'LIST', {
      response: {
        status: '+OK',
        code: null,
        text: '2 messages',
        multiline: true,
        bodyOctets: 14,
        bodyLines: 2,
        complete: true,
        listing: ['1 498', '2 912'],
      },
    });
    let s = apply(live(), [
      open('s1'),
      ev(list),
      ev(txEvent('s1', 2, 'RETR 1')),
      ev(txEvent('s1', 3, 'DELE 1')),
    ]);
    expect(s.data.sessions[0]!.mailbox).toEqual([
      { n: 1, size: 498, retrieved: true, marked: true, removed: false },
      { n: 2, size: 912, retrieved: false, marked: false, removed: false },
    ]);
    s = apply(s, [
      ev(txEvent('s1', 4, 'RSET')),
      ev(txEvent('s1', 5, 'DELE 2')),
      ev(txEvent('s1', 6, 'QUIT')),
    ]);
    expect(s.data.sessions[0]!.mailbox.map((m) => [m.n, m.marked, m.removed])).toEqual([
      [1, false, false],
      [2, true, true],
    ]);
  });

  it('changes nothing on -ERR or outside TRANSACTION', () => {
    const refused = txEvent('s1', 1, 'DELE 1', {
      response: {
        status: '-ERR',
        code: null,
        text: 'no such message',
        multiline: false,
        bodyOctets: 0,
        bodyLines: 0,
        complete: true,
      },
    });
    const early = txEvent('s1', 2, 'DELE 1', { phase: 'AUTHORIZATION' });
    const s = apply(live(), [open('s1'), ev(refused), ev(early)]);
    expect(s.data.sessions[0]!.mailbox).toEqual([]);
  });

  it('takes UIDs from UIDL and keeps messages marked but not removed when the session ends without QUIT', () => {
    const x = afterCapture('buggy-server.jsonl').data.sessions[0]!;
    expect(x.mailbox.find((m) => m.n === 1)).toMatchObject({ retrieved: true, marked: true, removed: false });
    const keep = afterCapture('download-and-keep.jsonl').data.sessions[0]!;
    expect(keep.mailbox.length).toBeGreaterThan(0);
    expect(keep.mailbox.every((m) => m.uid !== undefined && m.retrieved && !m.marked && !m.removed)).toBe(
      true,
    );
  });

  it('creates rows from STAT when nothing else told the count', () => {
    const stat = txEvent('s1', 1, 'STAT', {}, '3 1200');
    const x = apply(live(), [open('s1'), ev(stat)]).data.sessions[0]!;
    expect(x.mailbox.map((m) => m.n)).toEqual([1, 2, 3]);
    expect(x.stat).toEqual({ count: 3, octets: 1200 });
  });

  // Regression (issue 12): STAT +OK 0 0 and an empty LIST still read "nothing known yet".
  it('knows an empty maildrop from STAT 0 0 or from an empty full LIST', () => {
    const stat = txEvent('s1', 1, 'STAT', {}, '0 0');
    const afterStat = apply(live(), [open('s1'), ev(stat)]).data.sessions[0]!;
    expect(afterStat.mailbox).toEqual([]);
    expect(afterStat.mailboxKnown).toBe(true);
    const list = txEvent('s1', 1, 'LIST', { response: listing('0 messages', []) });
    expect(apply(live(), [open('s1'), ev(list)]).data.sessions[0]!.mailboxKnown).toBe(true);
    const cut = txEvent('s1', 1, 'LIST', { response: { ...listing('0 messages', []), complete: false } });
    expect(apply(live(), [open('s1'), ev(cut)]).data.sessions[0]!.mailboxKnown).toBe(false);
    expect(
      apply(live(), [open('s1'), ev(txEvent('s1', 1, 'LIST 1', {}, '1 498'))]).data.sessions[0]!.mailboxKnown,
    ).toBe(false);
  });

  // Regression (issue 12): after UIDL + RETR the size read "?" though RETR delivered 498 octets.
  it('takes a size from a complete RETR when LIST never gave one; LIST keeps its own', () => {
    const uidl = txEvent('s1', 1, 'UIDL', { response: listing('', ['1 a1', '2 b2']) });
    const retr = (seq: number, n: number, octets: number, complete = true) =>
      txEvent('s1', seq, `RETR ${n}`, { response: { ...body(octets), complete } }, `${octets} octets`);
    let x = apply(live(), [open('s1'), ev(uidl), ev(retr(2, 1, 498)), ev(retr(3, 2, 912, false))]).data
      .sessions[0]!;
    expect(x.mailbox).toEqual([
      { n: 1, uid: 'a1', size: 498, retrieved: true, marked: false, removed: false },
      { n: 2, uid: 'b2', retrieved: false, marked: false, removed: false },
    ]);
    const list = txEvent('s1', 1, 'LIST', { response: listing('', ['1 500']) });
    x = apply(live(), [open('s1'), ev(list), ev(retr(2, 1, 498))]).data.sessions[0]!;
    expect(x.mailbox[0]).toMatchObject({ n: 1, size: 500, retrieved: true });
  });
});

describe('memory stays bounded', () => {
  it('keeps previews of bodies, never the bodies', () => {
    const body = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(300)}`).join('\r\n');
    const retr = txEvent('s1', 1, 'RETR 1', {
      response: {
        status: '+OK',
        code: null,
        text: '',
        multiline: true,
        bodyOctets: body.length,
        bodyLines: 5000,
        complete: true,
        preview: body.slice(0, 2048),
      },
    });
    const x = apply(live(), [open('s1'), ev(retr)]).data.sessions[0]!;
    const entry = x.entries[0]!;
    if (entry.kind !== 'tx') throw new Error('expected a transaction');
    expect(entry.tx.preview!.length).toBeLessThanOrEqual(MAX_PREVIEW_LINES);
    expect(JSON.stringify(x).length).toBeLessThan(4000);
  });

  it(`caps a session's transcript at ${MAX_ENTRIES_PER_SESSION} entries and counts the rest`, () => {
    const actions = [open('s1')];
    for (let i = 1; i <= MAX_ENTRIES_PER_SESSION + 50; i++)
      actions.push(ev(txEvent('s1', i, 'NOOP')) as never);
    const x = apply(live(), actions).data.sessions[0]!;
    expect(x.entries).toHaveLength(MAX_ENTRIES_PER_SESSION);
    expect(x.droppedEntries).toBe(50);
    expect(x.commands).toBe(0); // counted from command events, which this feed has none of
  });

  it('with many long sessions the state stays within a fixed size (ended sessions keep their last entries)', () => {
    const listing = Array.from({ length: 200 }, (_, i) => `${i + 1} ${'u'.repeat(70)}`);
    const body = 'x'.repeat(2048);
    let s = live();
    let bytes = 0;
    for (let n = 1; n <= MAX_ENDED_SESSIONS + 20; n++) {
      const id = `s${n}`;
      s = reduce(s, open(id, n));
      for (let i = 1; i <= 450; i++) {
        const big =
          i % 2
            ? txEvent(id, i, 'UIDL', {
                response: {
                  status: '+OK',
                  code: null,
                  text: '',
                  multiline: true,
                  bodyOctets: 15_000,
                  bodyLines: 200,
                  complete: true,
                  listing,
                },
              })
            : txEvent(id, i, 'RETR 1', {
                response: {
                  status: '+OK',
                  code: null,
                  text: '',
                  multiline: true,
                  bodyOctets: 1e6,
                  bodyLines: 20_000,
                  complete: true,
                  preview: body,
                },
              });
        s = reduce(s, ev(big));
      }
      s = reduce(s, ev(summary(id)));
      if (n === 1) bytes = JSON.stringify(s.data.sessions[0]).length;
    }
    expect(s.data.sessions).toHaveLength(MAX_ENDED_SESSIONS);
    expect(s.data.hidden).toBe(20);
    expect(s.data.sessions[0]!.entries.length).toBeLessThanOrEqual(MAX_ENTRIES_ENDED);
    expect(s.data.sessions[0]!.droppedEntries).toBe(451 - MAX_ENTRIES_ENDED);
    // One ended session: under 400 kB whatever it carried (266 kB here); all of them: a hundred times that at most.
    expect(bytes).toBeLessThan(400_000);
    expect(JSON.stringify(s).length).toBeLessThan(MAX_ENDED_SESSIONS * 400_000);
  });

  it('drops the pending commands a pipelining client queued once their responses arrive', () => {
    const cmd = (seq: number, line: string): EngineEvent => ({
      type: 'command',
      session: 's1',
      seq,
      command: { verb: line, args: [], line, octets: 6, at: seq, pipelined: true },
    });
    let s = apply(live(), [open('s1'), ev(cmd(1, 'STAT')), ev(cmd(2, 'LIST')), ev(cmd(3, 'UIDL'))]);
    expect(s.data.sessions[0]!.pending.map((p) => p.seq)).toEqual([1, 2, 3]);
    s = apply(s, [ev(txEvent('s1', 2, 'LIST'))]);
    expect(s.data.sessions[0]!.pending.map((p) => p.seq)).toEqual([3]);
    expect(s.data.sessions[0]!.commands).toBe(3);
  });
});

describe('moving, following, expanding', () => {
  const three = () =>
    apply(live(), [
      open('a', 1),
      ev(txEvent('a', 1, 'USER ann')),
      open('b', 2),
      ev(txEvent('b', 1, 'USER ben')),
      open('c', 3),
    ]);

  it('follows the newest session by default', () => {
    expect(currentSession(three())?.id).toBe('c');
  });

  it('moving in the session list selects and stops following; f follows the newest again', () => {
    let s = reduce(three(), { type: 'move', delta: -1 });
    expect(currentSession(s)?.id).toBe('b');
    expect(s.follow).toBe(false);
    s = apply(s, [open('d', 4)]);
    expect(currentSession(s)?.id).toBe('b');
    s = reduce(s, { type: 'follow' });
    expect(currentSession(s)?.id).toBe('d');
    s = reduce(s, { type: 'move', delta: -Infinity });
    expect(currentSession(s)?.id).toBe('a');
  });

  it('Tab walks the panes in order and wraps', () => {
    const order = [];
    let s = live();
    for (let i = 0; i < 5; i++) {
      order.push(s.focus);
      s = reduce(s, { type: 'focus', delta: 1 });
    }
    expect(order).toEqual(['sessions', 'transcript', 'mailbox', 'detail', 'sessions']);
    expect(reduce(live(), { type: 'focus', delta: -1 }).focus).toBe('detail');
  });

  it('the transcript cursor moves over entries; Enter expands the entry under it, Enter again folds it', () => {
    let s = afterCapture('seed-download-and-delete.jsonl');
    s = reduce(s, { type: 'expand' }); // in the session list, Enter opens the transcript
    expect(s.focus).toBe('transcript');
    expect(currentEntry(s)?.kind).toBe('end');
    s = apply(s, [
      { type: 'move', delta: -Infinity },
      { type: 'move', delta: 1 },
    ]);
    expect(currentEntry(s)).toMatchObject({ kind: 'phase', to: 'AUTHORIZATION' });
    const list = shown(s).sessions[0]!.entries.find((e) => e.kind === 'tx' && e.tx.command?.verb === 'LIST')!;
    while (currentEntry(s)?.id !== list.id) s = reduce(s, { type: 'move', delta: 1 });
    s = reduce(s, { type: 'expand' });
    expect(s.expanded).toEqual([expandKey('s1', list.id)]);
    expect(reduce(s, { type: 'expand' }).expanded).toEqual([]);
  });

  it('scrolls the mailbox and detail panes without going below zero', () => {
    let s = reduce(live(), { type: 'focus', delta: 1 });
    s = apply(s, [
      { type: 'focus', delta: 1 },
      { type: 'move', delta: -3 },
    ]);
    expect(s.scroll.mailbox).toBe(0);
    s = reduce(s, { type: 'move', delta: 10 });
    expect(s.scroll.mailbox).toBe(10);
  });
});

describe('the filter', () => {
  const mixed = () =>
    apply(live(), [
      ...played('seed-download-and-delete.jsonl').map(toAction),
      ...played('buggy-server.jsonl')
        .map(toAction)
        .map((a) => rename(a, 's1', 'b1')),
      ...played('auth-login.jsonl')
        .map(toAction)
        .map((a) => rename(a, 's1', 'a1')),
    ]);

  function rename<T>(a: T, from: string, to: string): T {
    return JSON.parse(JSON.stringify(a).replaceAll(`"session":"${from}"`, `"session":"${to}"`), (k, v) =>
      k === 'bytes' && v?.type === 'Buffer' ? Buffer.from(v.data) : v,
    );
  }

  const typed = (text: string) => [
    { type: 'filterStart' as const },
    { type: 'filterInput' as const, text },
    { type: 'filterCommit' as const },
  ];

  it("by user: only that user's sessions, their whole transcript", () => {
    const s = apply(mixed(), typed('alice'));
    expect(visibleSessions(s.data.sessions, s.filter).map((x) => x.id)).toEqual(['a1']);
    expect(currentSession(s)?.id).toBe('a1');
  });

  it('by command: the sessions that sent it, and only those transactions in the transcript', () => {
    const s = apply(mixed(), typed('retr'));
    expect(currentSession(s)).not.toBeNull();
    const entries = s.data.sessions.find((x) => x.id === currentSession(s)!.id)!.entries;
    expect(entries.length).toBeGreaterThan(2);
    const shownEntries = visibleEntries(currentSession(s)!, s.filter);
    expect(shownEntries.length).toBeGreaterThan(0);
    expect(shownEntries.every((e) => e.kind === 'tx' && e.tx.command?.verb === 'RETR')).toBe(true);
    expect(visibleSessions(s.data.sessions, s.filter).map((x) => x.id)).toEqual(['s1', 'b1']);
  });

  it('by violation code, case-insensitively: only the session that drew it', () => {
    const s = apply(mixed(), typed('pop3_size_mismatch'));
    expect(visibleSessions(s.data.sessions, s.filter).map((x) => x.id)).toEqual(['b1']);
    expect(currentSession(s)?.id).toBe('b1');
  });

  it('a filter that matches nothing shows no session; Esc clears it', () => {
    let s = apply(mixed(), typed('nobody-here'));
    expect(currentSession(s)).toBeNull();
    s = reduce(s, { type: 'filterCancel' });
    expect(s.filter).toBe('');
    expect(currentSession(s)).not.toBeNull();
  });

  it('typing edits the pending filter without applying it until Enter', () => {
    let s = apply(mixed(), [{ type: 'filterStart' }, { type: 'filterInput', text: 'bo' }]);
    expect(s.editing).toBe('bo');
    expect(s.filter).toBe('');
    s = reduce(s, { type: 'filterCommit' });
    expect(s.filter).toBe('bo');
    expect(s.editing).toBeNull();
  });
});

describe('pause', () => {
  it('live: freezes what is shown while the data keeps flowing, and shows it all on resume', () => {
    let s = apply(live(), [open('s1')]);
    s = reduce(s, { type: 'pause' });
    s = apply(s, [open('s2'), ev(txEvent('s1', 1, 'NOOP'))]);
    expect(shown(s).sessions.map((x) => x.id)).toEqual(['s1']);
    expect(s.data.sessions.map((x) => x.id)).toEqual(['s1', 's2']);
    expect(currentSession(s)?.id).toBe('s1');
    s = reduce(s, { type: 'pause' });
    expect(shown(s).sessions.map((x) => x.id)).toEqual(['s1', 's2']);
  });

  it('replay: marks the playback paused (the timeline stops; nothing is frozen)', () => {
    const s = reduce(live(), { type: 'pause' });
    expect(s.frozen).not.toBeNull();
    const r = reduce(
      {
        ...live(),
        mode: 'replay',
        replay: { file: 'x', speed: 1, step: false, paused: false, done: false, records: 0, at: null },
      },
      { type: 'pause' },
    );
    expect(r.frozen).toBeNull();
    expect(r.replay?.paused).toBe(true);
  });
});

describe('replay speed', () => {
  it('doubles and halves within bounds; 0 (top speed) goes to 64 on "-" and stays on "+"', () => {
    expect(nextSpeed(1, true)).toBe(2);
    expect(nextSpeed(1, false)).toBe(0.5);
    expect(nextSpeed(1024, true)).toBe(1024);
    expect(nextSpeed(1 / 16, false)).toBe(1 / 16);
    expect(nextSpeed(0, true)).toBe(0);
    expect(nextSpeed(0, false)).toBe(64);
  });
});

describe('violations', () => {
  it('counts violations of transactions and of the session, by code', () => {
    const bad = txEvent('s1', 1, 'LIST', { violations: [violation('POP3_STAT_MISMATCH', 'x')] });
    const s = apply(live(), [
      open('s1'),
      ev(bad),
      ev({ type: 'violation', session: 's1', t: 5, violation: violation('POP3_NO_UPDATE') }),
    ]);
    expect(s.data.sessions[0]).toMatchObject({
      violations: 2,
      codes: { POP3_STAT_MISMATCH: 1, POP3_NO_UPDATE: 1 },
    });
  });
});

describe('messages written by others while the screen is up', () => {
  it('are kept (bounded) to show and to print after the screen is gone', () => {
    let s = live();
    for (let i = 0; i < 80; i++) s = reduce(s, { type: 'message', t: i, text: `warning ${i}` });
    expect(s.messages).toHaveLength(50);
    expect(s.messages.at(-1)?.text).toBe('warning 79');
  });
});
