/** The dashboard reducer: engine events and keys in, screen state out — no terminal involved. */
import { describe, expect, it } from 'vitest';
import { violation } from '../../src/protocol/violations.js';
import { visibleEntries, visibleSessions } from '../../src/ui/filter.js';
import { MAX_ENDED_SESSIONS } from '../../src/ui/limits.js';
import { currentEntry, currentSession, expandKey, nextSpeed, reduce } from '../../src/ui/reducer.js';
import { shown } from '../../src/ui/state.js';
import { afterCapture, apply, ev, live, open, played, summary, toAction, txEvent } from './helpers.js';

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
