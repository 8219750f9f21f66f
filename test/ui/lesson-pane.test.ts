/**
 * The classroom parts of the dashboard, without a terminal: the lesson pane on and off, notes up to the entry
 * explained, the connect lines, explanations inline, the teaching pace, their keys, and the layout with the
 * optional regions at every size.
 */
import { describe, expect, it, vi } from 'vitest';
import { Dashboard } from '../../src/ui/dashboard.js';
import type { Row } from '../../src/ui/format.js';
import { keyToAction } from '../../src/ui/keys.js';
import { layoutFor, OPTIONAL_REGIONS, REGIONS, type Rect } from '../../src/ui/layout.js';
import { connectLines, lessonPane } from '../../src/ui/lesson.js';
import { TEACHING_PACE_MS } from '../../src/ui/limits.js';
import { helpRows, statusLine } from '../../src/ui/panes.js';
import { currentEntry, reduce } from '../../src/ui/reducer.js';
import { type ConnectInfo, type DashboardState, initialState } from '../../src/ui/state.js';
import { transcriptPane } from '../../src/ui/transcript.js';
import { afterCapture, apply, played, toAction } from './helpers.js';

const text = (r: Row) => r.spans.map((s) => s.text).join('');
const lines = (rows: readonly Row[]) => rows.map(text);
const withLesson = (over: Partial<Parameters<typeof initialState>[0]> = {}) =>
  initialState({ mode: 'live', now: 0, lesson: true, ...over });

const DEMO: ConnectInfo = {
  host: '127.0.0.1',
  port: 1110,
  users: [
    { name: 'bob', password: 'hungry', messages: 2 },
    { name: 'alice', password: 'wonderland', messages: 3 },
  ],
  caPath: null,
};

describe('the lesson pane', () => {
  it('says the seed session’s concepts in order, newest last, whole notes only', () => {
    const s = afterCapture('seed-download-and-delete.jsonl', withLesson());
    const all = lines(lessonPane(s, 60, 200).rows);
    const titles = all.filter((l) => l.startsWith('▸ '));
    expect(titles).toEqual([
      '▸ Three phases',
      '▸ +OK',
      '▸ Passwords in clear',
      '▸ TRANSACTION',
      '▸ Sizes in octets',
      '▸ RETR does not delete',
      '▸ DELE only marks',
      '▸ UPDATE',
      '▸ The client’s mode',
      '▸ No state across sessions',
    ]);
    // A short pane keeps the newest notes whole: it starts on a heading.
    const short = lines(lessonPane(s, 60, 9).rows);
    expect(short[0]).toMatch(/^▸ /);
    expect(short.at(-1)).toMatch(/no marks\.$/);
    expect(lessonPane(s, 60, 9).label).toBe('Lesson s1 bob');
  });

  it('shows the notes up to the entry under the cursor (moved back to PASS: nothing said after PASS)', () => {
    let s = afterCapture('seed-download-and-delete.jsonl', withLesson());
    s = reduce(s, { type: 'focus', delta: 1 }); // the transcript
    const isPass = (x: DashboardState) => {
      const e = currentEntry(x);
      return e?.kind === 'tx' && e.tx.command?.verb.toUpperCase() === 'PASS';
    };
    for (let i = 0; i < 40 && !isPass(s); i++) s = reduce(s, { type: 'move', delta: -1 });
    expect(isPass(s)).toBe(true);
    const titles = lines(lessonPane(s, 60, 200).rows).filter((l) => l.startsWith('▸ '));
    expect(titles).toEqual(['▸ Three phases', '▸ +OK', '▸ Passwords in clear', '▸ TRANSACTION']);
  });

  it('off: no lesson region; a note opens it alone (label Note), and stays until the next note', async () => {
    vi.useFakeTimers();
    try {
      const d = new Dashboard({ mode: 'live' });
      const frames = d.runHeadless(120, 40);
      for (const e of played('seed-download-and-delete.jsonl')) d.dispatch(toAction(e));
      await vi.advanceTimersByTimeAsync(200);
      expect(frames.last!.lesson).toBeNull();
      d.showNote('office PC', ['got 1, 2']);
      await vi.advanceTimersByTimeAsync(200);
      expect(frames.last!.lesson!.label).toBe('Note');
      expect(frames.last!.lesson!.content).toContain('office PC');
      expect(frames.last!.lesson!.content).not.toContain('Three phases');
      d.dispatch({ type: 'lesson' });
      await vi.advanceTimersByTimeAsync(200);
      expect(frames.last!.lesson!.label).toBe('Lesson s1 bob');
      expect(frames.last!.lesson!.content).toContain('office PC');
      expect(frames.last!.lesson!.content).toContain('No state across sessions');
      await d.release();
    } finally {
      vi.useRealTimers();
    }
  });

  it('before any session, tells how to try the demo by hand', () => {
    const rows = lines(lessonPane(withLesson({ connect: DEMO }), 70, 20).rows);
    expect(rows.join('\n')).toContain('pop3scope client 127.0.0.1:1110');
    expect(rows.join('\n')).toContain('user bob · pass hungry · list · retr 1 · dele 1 · quit');
  });
});

describe('the connect lines', () => {
  it('demo: the client, telnet, the users and curl; with --tls the STLS curl line with the CA path', () => {
    expect(connectLines(DEMO)).toEqual([
      'Connect: pop3scope client 127.0.0.1:1110 · telnet 127.0.0.1 1110 · user bob pass hungry (or alice / wonderland)',
      "curl pop3://bob:hungry@127.0.0.1:1110/1 · the demo's passwords, nothing real · every demo run starts afresh",
    ]);
    const tls = connectLines({ ...DEMO, caPath: '/home/x/ca.pem' });
    // demo --tls is the lesson on the upgrade: the client line asks for STLS too.
    expect(tls[0]).toMatch(/^Connect: pop3scope client --stls 127\.0\.0\.1:1110 · /);
    expect(tls[1]).toBe('STLS: curl --ssl-reqd --cacert /home/x/ca.pem pop3://bob:hungry@127.0.0.1:1110/');
  });

  it('proxy: its address, no password; IPv6 in brackets', () => {
    const l = connectLines({ host: '::1', port: 1110 });
    expect(l[0]).toBe(
      'Connect: pop3scope client [::1]:1110 · telnet ::1 1110 · or point any POP3 client at [::1]:1110',
    );
    expect(l.join(' ')).not.toMatch(/hungry|pass /);
  });

  it('are in the frame above the status line, and in the help, as long as the dashboard runs', async () => {
    vi.useFakeTimers();
    try {
      const d = new Dashboard({ mode: 'live', connect: { ...DEMO, caPath: '/tmp/ca.pem' }, lesson: true });
      const frames = d.runHeadless(120, 40);
      await vi.advanceTimersByTimeAsync(200);
      expect(frames.last!.connect).toContain('pop3scope client --stls 127.0.0.1:1110');
      expect(frames.last!.connect).toContain('--cacert /tmp/ca.pem');
      for (const e of played('seed-download-and-delete.jsonl')) d.dispatch(toAction(e));
      await vi.advanceTimersByTimeAsync(200);
      expect(frames.last!.connect).toContain('pop3scope client --stls 127.0.0.1:1110');
      // The passwords are on screen on purpose, in the connect lines only: not in the transcript.
      expect(frames.last!.panes.transcript.content).not.toContain('hungry');
      await d.release();
    } finally {
      vi.useRealTimers();
    }
    const help = lines(helpRows(100, withLesson({ connect: DEMO }))).join('\n');
    expect(help).toContain('pop3scope client 127.0.0.1:1110');
    expect(help).toMatch(/\nt\s+the lesson pane/);
  });
});

describe('keys t, e, p', () => {
  const s = withLesson();
  it('toggle the lesson, inline explanations and the teaching pace; the footer names them and q', () => {
    expect(keyToAction(s, { ch: 't', name: 't', full: 't' })).toEqual({ type: 'lesson' });
    expect(keyToAction(s, { ch: 'e', name: 'e', full: 'e' })).toEqual({ type: 'inline' });
    expect(keyToAction(s, { ch: 'p', name: 'p', full: 'p' })).toEqual({ type: 'pace' });
    expect(reduce(s, { type: 'lesson' }).lesson).toBe(false);
    expect(reduce(s, { type: 'inline' }).inline).toBe(true);
    expect(reduce(s, { type: 'pace' }).pace).toEqual({ everyMs: TEACHING_PACE_MS, lastAt: 0 });
    expect(text(statusLine(s, 160, 0))).toContain('t lesson  e explain  p pace  space pause  ? help  q quit');
    expect(text(statusLine(s, 80, 0))).toMatch(/q quit$/);
  });
});

describe('explanations inline (key e)', () => {
  it('puts each transaction’s explanation under its lines, wrapped to the pane', () => {
    const off = afterCapture('seed-download-and-delete.jsonl');
    const on = reduce(off, { type: 'inline' });
    const before = lines(transcriptPane(off, 60, 200, 0).rows);
    const after = lines(transcriptPane(on, 60, 200, 0).rows);
    expect(before.some((l) => l.includes('↳'))).toBe(false);
    const at = after.indexOf('C: retr 1');
    expect(after[at + 1]).toMatch(/^S: \+OK 498 octets/);
    expect(after[at + 3]).toMatch(/^ {3}↳ The server sends message 1 in full/);
    for (const l of after) expect(l.length).toBeLessThanOrEqual(60);
  });
});

describe('teaching pace (key p)', () => {
  const tick = (s: DashboardState, wall: number) => reduce(s, { type: 'tick', now: wall, wall });
  const explained = (s: DashboardState) => {
    const e = currentEntry(s);
    return e?.kind === 'tx' ? (e.tx.command?.line ?? 'greeting') : e?.kind;
  };

  it('a whole session at once is explained one transaction per step, the lesson with it; lines all shown', () => {
    let s = reduce(withLesson(), { type: 'pace' });
    s = apply(s, played('seed-download-and-delete.jsonl').map(toAction));
    // Every line is in the transcript at once...
    expect(lines(transcriptPane(s, 80, 200, 0).rows)).toContain('C: quit');
    // ...but the explanation starts at the greeting, and so does the lesson.
    expect(explained(s)).toBe('greeting');
    expect(lines(lessonPane(s, 60, 200).rows).filter((l) => l.startsWith('▸ '))).toEqual([
      '▸ Three phases',
      '▸ +OK',
    ]);
    const seen = [explained(s)];
    let wall = 0;
    for (let i = 0; i < 12; i++) {
      wall += 1000;
      s = tick(s, wall); // one second: not yet
      expect(explained(s)).toBe(seen.at(-1));
      wall += TEACHING_PACE_MS;
      s = tick(s, wall);
      seen.push(explained(s));
    }
    expect(seen.slice(0, 10)).toEqual([
      'greeting',
      'user bob',
      'pass <redacted 6 octets>',
      'list',
      'retr 1',
      'dele 1',
      'retr 2',
      'dele 2',
      'quit',
      'end',
    ]);
    expect(lines(lessonPane(s, 60, 200).rows)).toContain('▸ No state across sessions');
  });

  it('a second session waits until the first was explained to its end; p again jumps to the newest', () => {
    let s = reduce(withLesson(), { type: 'pace' });
    s = apply(s, played('seed-download-and-delete.jsonl').map(toAction));
    const second = played('download-and-keep.jsonl')
      .map(toAction)
      .map((a) =>
        a.type === 'open'
          ? { ...a, start: { ...a.start, session: 's2' } }
          : a.type === 'event'
            ? { ...a, event: { ...a.event, session: 's2' } }
            : { ...a, end: { ...a.end, session: 's2' } },
      );
    s = apply(s, second as never);
    expect(s.selected).toBe('s1');
    let wall = 0;
    for (let i = 0; i < 9; i++) {
      wall += TEACHING_PACE_MS;
      s = tick(s, wall);
    }
    expect(s.selected).toBe('s1');
    expect(explained(s)).toBe('end');
    wall += TEACHING_PACE_MS;
    s = tick(s, wall);
    expect(s.selected).toBe('s2');
    expect(explained(s)).toBe('greeting');
    s = reduce(s, { type: 'pace' });
    expect(s.pace).toBeNull();
    expect(explained(s)).toBe('end');
  });
});

describe('layout with the lesson and the connect lines', () => {
  const overlaps = (a: Rect, b: Rect) =>
    a.left < b.left + b.width &&
    b.left < a.left + a.width &&
    a.top < b.top + b.height &&
    b.top < a.top + a.height;

  it.each([
    [80, 24],
    [100, 30],
    [120, 40],
    [160, 45],
    [200, 60],
  ])(
    '%ix%i: every region and both optional ones inside, none overlapping, the whole screen used',
    (cols, rows) => {
      const { rects, optional } = layoutFor(cols, rows, {
        sessions: 2,
        mailbox: 4,
        lesson: true,
        connect: 2,
      });
      const all = [...REGIONS.map((id) => rects[id]), ...OPTIONAL_REGIONS.map((id) => optional[id]!)];
      let area = 0;
      all.forEach((r, i) => {
        expect(r).toBeDefined();
        expect(r.left + r.width).toBeLessThanOrEqual(cols);
        expect(r.top + r.height).toBeLessThanOrEqual(rows);
        area += r.width * r.height;
        all.forEach((o, j) => {
          if (i !== j) expect(overlaps(r, o)).toBe(false);
        });
      });
      expect(area).toBe(cols * rows);
    },
  );

  it('80x24: the lesson beside the detail (six rows each), one connect line above the status; the transcript keeps 9 rows', () => {
    const { name, rects, optional } = layoutFor(80, 24, {
      sessions: 2,
      mailbox: 4,
      lesson: true,
      connect: 2,
    });
    expect(name).toBe('compact');
    expect(optional.lesson).toEqual({ top: 16, left: 40, width: 40, height: 6 });
    expect(rects.detail).toEqual({ top: 16, left: 0, width: 40, height: 6 });
    expect(optional.connect).toEqual({ top: 22, left: 0, width: 80, height: 1 });
    expect(rects.status.top).toBe(23);
    expect(rects.transcript.height - 2).toBe(9);
  });

  it('120x40: the lesson between the mailbox and the detail, two connect lines', () => {
    const { name, rects, optional } = layoutFor(120, 40, {
      sessions: 2,
      mailbox: 4,
      lesson: true,
      connect: 2,
    });
    expect(name).toBe('medium');
    expect(optional.lesson!.top).toBe(rects.mailbox.top + rects.mailbox.height);
    expect(rects.detail.top).toBe(optional.lesson!.top + optional.lesson!.height);
    expect(optional.lesson!.height).toBeGreaterThanOrEqual(15);
    expect(optional.connect).toEqual({ top: 37, left: 0, width: 120, height: 2 });
  });

  it('hidden, the optional regions take no cell: the layout is what it was without them', () => {
    const a = layoutFor(120, 40, { sessions: 2, mailbox: 4 });
    const b = layoutFor(120, 40, { sessions: 2, mailbox: 4, lesson: false, connect: 0 });
    expect(b.rects).toEqual(a.rects);
    expect(b.optional).toEqual({});
  });
});
