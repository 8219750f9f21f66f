/**
 * Step-through for a class (issue 17 item 4), without a terminal: replay --step stops after each command with
 * the command on screen, its answer hidden, what it asks in the Detail pane and a lesson pane that is not ahead;
 * space reveals the answer. demo --play --step shows the built-in client's next command (not sent yet) the same
 * way. And the dashboard's counts agree with their noun (no "(s)").
 */
import { describe, expect, it, vi } from 'vitest';
import type { CaptureRecord } from '../../src/capture/format.js';
import { Timeline } from '../../src/replay/timeline.js';
import { Dashboard } from '../../src/ui/dashboard.js';
import type { Row } from '../../src/ui/format.js';
import { keyToAction } from '../../src/ui/keys.js';
import { lessonPane, notesShown } from '../../src/ui/lesson.js';
import { helpRows, mailboxPane, sessionsPane, statusLine } from '../../src/ui/panes.js';
import { reduce } from '../../src/ui/reducer.js';
import { type DashboardState, initialState } from '../../src/ui/state.js';
import { detailPane, transcriptPane } from '../../src/ui/transcript.js';
import { apply, live, records, toAction, txEvent } from './helpers.js';

const text = (r: Row) => r.spans.map((s) => s.text).join('');
const joined = (rows: readonly Row[]) => rows.map(text).join('\n');

/** A replay --step of the seed with the lesson on, and a function that plays one step into the state. */
function stepper(recs: CaptureRecord[] = records('seed-download-and-delete.jsonl')) {
  const tl = new Timeline({ speed: 1, step: true });
  for (const r of recs) tl.push(r);
  tl.finish();
  let state = initialState({
    mode: 'replay',
    now: 0,
    lesson: true,
    replay: { file: 'seed-download-and-delete.jsonl', speed: 1, step: true },
  });
  return {
    step(n = 1): DashboardState {
      for (let i = 0; i < n; i++) {
        tl.requestStep();
        state = tl.take(0).map(toAction).reduce(reduce, state);
      }
      return state;
    },
  };
}

const screen = (s: DashboardState) => ({
  transcript: joined(transcriptPane(s, 80, 60, 0).rows),
  detail: joined(detailPane(s, 200, 20).rows),
  detailLabel: detailPane(s, 200, 20).label,
  lesson: joined(lessonPane(s, 60, 100).rows),
  mailbox: joined(mailboxPane(s, 50, 10).rows),
});

describe('replay --step on the dashboard', () => {
  it('after the LIST command: the command on screen, its answer hidden, what it asks in the detail', () => {
    const p = stepper();
    p.step(5); // the greeting, USER and its answer, PASS and its answer
    const s = p.step(); // the LIST command
    const v = screen(s);
    expect(v.transcript).toContain('C: list  … what will the server answer? (space)');
    expect(v.transcript).not.toContain('1 498');
    expect(v.transcript).not.toMatch(/S: \+OK 2 messages/);
    expect(v.detailLabel).toBe('Detail · what will the server answer?');
    expect(v.detail).toContain('#3 list · not answered yet');
    expect(v.detail).toContain('↳ The client asks for the list of messages. What will the server answer?');
    expect(v.detail).toContain('space: reveal the answer');
    expect(v.detail).not.toMatch(/octets|2 messages/);
    expect(v.mailbox).not.toContain('498');
    // The lesson pane is not ahead: nothing said about the LIST yet (its note speaks of octets).
    const x = s.data.sessions[0]!;
    expect(notesShown(s, x).every((n) => n.seq !== null && n.seq < 3)).toBe(true);
    expect(v.lesson).not.toMatch(/octet/i);
    // The key: space asks for the next step.
    expect(keyToAction(s, { name: 'space', ch: ' ' })).toEqual({ type: 'step' });
  });

  it('space reveals the answer: the listing, the full explanation, the mailbox and the lesson catch up', () => {
    const p = stepper();
    p.step(6);
    const v = screen(p.step());
    expect(v.transcript).toContain('S: +OK 2 messages (1410 octets)');
    expect(v.transcript).toContain('S| ▸ 2 lines: 1 498 · 2 912');
    expect(v.transcript).not.toContain('what will the server answer?');
    expect(v.detailLabel).toBe('Detail #3');
    expect(v.detail).toContain('↳ The server lists each message with its size in octets: 2 messages.');
    expect(v.mailbox).toMatch(/1\s+498/);
    expect(v.lesson).toMatch(/octet/i);
  });

  it('the greeting is one step; the first command comes with its ask; a moved cursor shows the entry instead', () => {
    const p = stepper();
    let s = p.step();
    expect(screen(s).transcript).toContain('S: +OK POP3 server ready');
    expect(screen(s).detail).not.toContain('not answered yet');
    s = p.step();
    expect(screen(s).detail).toContain('#1 user bob · not answered yet');
    expect(screen(s).detail).toContain('The client names the mailbox "bob". What will the server answer?');
    // Looking back (the cursor on the greeting) explains the greeting, not the waiting command.
    s = apply(s, [
      { type: 'focus', delta: 1 },
      { type: 'move', delta: -Infinity },
    ]);
    expect(screen(s).detail).toContain('The server greets the client');
  });

  it('the password is never shown while its command waits', () => {
    const p = stepper();
    const s = p.step(4); // the PASS command
    const v = screen(s);
    expect(v.transcript).toContain('C: pass <redacted 6 octets>');
    expect(v.detail).toContain('The client sends its password (hidden here). What will the server answer?');
  });

  it('commands pipelined in one chunk wait together, and the detail says why they are one step', () => {
    const open = records('seed-download-and-delete.jsonl')[1]!;
    const data = (i: number, dir: 'c2s' | 's2c', t: string): CaptureRecord => ({
      type: 'data',
      session: 's1',
      t: 1772442900000 + i,
      dir,
      text: t,
    });
    const p = stepper([
      open,
      data(1, 's2c', '+OK ready\r\n'),
      data(2, 'c2s', 'USER bob\r\nPASS sesame\r\n'),
      data(3, 's2c', '+OK\r\n+OK in\r\n'),
    ]);
    p.step();
    const v = screen(p.step());
    expect(v.detail).toContain('#1 USER bob · not answered yet');
    expect(v.detail).toContain('#2 PASS <redacted 6 octets> · not answered yet');
    expect(v.detail).toContain('These commands came together (pipelined): one step plays them.');
    expect(v.detail).toContain('space: reveal the answers');
  });

  it('the help says what a step is', () => {
    expect(joined(helpRows(140))).toContain(
      '--step: a command first (what it asks), then its answer; commands pipelined in one chunk come together',
    );
  });
});

describe('demo --play --step on the dashboard', () => {
  const stepping = () => initialState({ mode: 'live', now: 0, step: true });

  it('space asks for the next step instead of pausing', () => {
    expect(keyToAction(stepping(), { name: 'space', ch: ' ' })).toEqual({ type: 'step' });
    expect(keyToAction(live(), { name: 'space', ch: ' ' })).toEqual({ type: 'pause' });
  });

  it("the client's next command, not sent yet, with what it asks; gone once sent", () => {
    let s = apply(stepping(), [{ type: 'event', event: txEvent('s1', 0, '') }]);
    s = reduce(s, {
      type: 'next',
      next: { line: 'LIST', ask: 'The client asks for the list of messages. What will the server answer?' },
    });
    const v = screen(s);
    expect(v.transcript).toContain('next ▸ C: LIST  (space sends it)');
    expect(v.detail).toContain('next: LIST · not sent yet');
    expect(v.detail).toContain('↳ The client asks for the list of messages. What will the server answer?');
    expect(v.detail).toContain('space: send it');
    s = reduce(s, { type: 'next', next: null });
    expect(screen(s).transcript).not.toContain('next ▸');
    expect(screen(s).detail).not.toContain('not sent yet');
  });

  it('Dashboard.showNext reaches the frame', async () => {
    vi.useFakeTimers();
    try {
      const d = new Dashboard({ mode: 'live', step: true });
      const frames = d.runHeadless(120, 40);
      d.dispatch({ type: 'event', event: txEvent('s1', 0, '') });
      d.showNext({ line: 'RETR 1', ask: 'The client asks for message 1. What will the server answer?' });
      await vi.advanceTimersByTimeAsync(200);
      expect(frames.last!.panes.detail.content).toContain('next: RETR 1');
      expect(frames.last!.panes.transcript.content).toContain('next ▸ C: RETR 1');
      d.showNext(null);
      await vi.advanceTimersByTimeAsync(200);
      expect(frames.last!.panes.detail.content).not.toContain('next: RETR 1');
      await d.release();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('counts on the dashboard agree with their noun', () => {
  it('one message, one line, one session, one command', () => {
    const list = txEvent(
      's1',
      1,
      'LIST',
      {
        response: {
          status: '+OK',
          code: null,
          text: '1 message',
          multiline: true,
          bodyOctets: 7,
          bodyLines: 1,
          complete: true,
          listing: ['1 498'],
        },
      },
      '1 message',
    );
    const s = apply(live(), [{ type: 'event', event: list }]);
    expect(joined(transcriptPane(s, 80, 20, 0).rows)).toContain('S| ▸ 1 line: 1 498');
    expect(joined(mailboxPane(s, 50, 10).rows)).toContain('1 message, 498 octets');
    expect(text(statusLine(s, 200, 0))).toContain(' 1 session, 1 live');
    const all = [
      joined(transcriptPane(s, 80, 20, 0).rows),
      joined(mailboxPane(s, 50, 10).rows),
      joined(sessionsPane(s, 100, 10, 0).rows),
      joined(detailPane(s, 60, 20).rows),
      text(statusLine(s, 200, 0)),
    ].join('\n');
    expect(all).not.toContain('(s)');
  });
});
