/** The views: state in, rows of text out, sized to the panes of an 80x24 or a 120x40 terminal. */
import { describe, expect, it } from 'vitest';
import { cells, clipText, fmtBytes, fmtDuration, keepVisible, type Row, wrap } from '../../src/ui/format.js';
import { tagged } from '../../src/ui/frame.js';
import { layoutFor } from '../../src/ui/layout.js';
import {
  helpRows,
  layoutContent,
  mailboxPane,
  phaseStrip,
  sessionsPane,
  statusLine,
} from '../../src/ui/panes.js';
import { reduce } from '../../src/ui/reducer.js';
import { detailPane, transcriptPane } from '../../src/ui/transcript.js';
import { afterCapture, apply, ev, live, txEvent } from './helpers.js';

const text = (r: Row) => r.spans.map((s) => s.text).join('');
const lines = (rows: readonly Row[]) => rows.map(text);

describe.each([
  [80, 24],
  [120, 40],
])('the seed session at %ix%i', (cols, rows) => {
  const s = afterCapture('seed-download-and-delete.jsonl');
  const { rects } = layoutFor(cols, rows);
  const inner = (id: keyof typeof rects) => [rects[id].width - 2, rects[id].height - 2] as const;

  it('every row fits its pane', () => {
    const panes = [
      sessionsPane(s, ...inner('sessions'), 0),
      transcriptPane(s, ...inner('transcript'), 0),
      mailboxPane(s, ...inner('mailbox')),
      detailPane(s, ...inner('detail')),
    ];
    const ids = ['sessions', 'transcript', 'mailbox', 'detail'] as const;
    panes.forEach((p, i) => {
      const [w, h] = inner(ids[i]!);
      expect(p.rows.length).toBeLessThanOrEqual(h);
      for (const r of p.rows) expect(cells(text(r))).toBeLessThanOrEqual(w);
    });
    expect(cells(text(phaseStrip(s, cols)))).toBeLessThanOrEqual(cols);
    expect(cells(text(statusLine(s, cols, 0)))).toBeLessThanOrEqual(cols);
  });

  it('the session list shows id, client, user, phase, commands, bytes, time, violations and ended', () => {
    const [head, row] = lines(sessionsPane(s, ...inner('sessions'), 0).rows);
    expect(head).toMatch(/^ID\s+CLIENT\s+USER\s+PHASE\s+CMDS\s+C→S\s+S→C\s+TIME\s+VIOL\s+STATE/);
    expect(row).toMatch(/^s1\s+127\.0\.0\.1:50110\s+bob\s+UPDATE\s+8\s+67\s+1652\s+7\.3s\s+0 ended/);
  });

  it('the phase strip reached UPDATE, with the time each phase began', () => {
    const strip = text(phaseStrip(s, cols));
    expect(strip).toContain('AUTHORIZATION +0.04s → TRANSACTION +2.82s →  UPDATE +7.26s ');
    const current = phaseStrip(s, cols).spans.find((x) => x.tone === 'current');
    expect(current?.text).toContain('UPDATE');
  });

  it('the mailbox shows both messages removed', () => {
    const m = lines(mailboxPane(s, ...inner('mailbox')).rows);
    expect(m[1]).toMatch(/^\s+1\s+498\s+—\s+.*removed/);
    expect(m[2]).toMatch(/^\s+2\s+912\s+—\s+.*removed/);
  });
});

// Regression (issue 12): an empty maildrop the server described read "nothing known yet".
describe('the mailbox pane', () => {
  const at = (...events: ReturnType<typeof txEvent>[]) =>
    apply(live(), [
      {
        type: 'open',
        start: { session: 's1', t: 0, client: '127.0.0.1:1', upstream: 'mail:110', tls: 'none' },
      },
      ...events.map(ev),
    ]);
  it('says an empty maildrop has 0 messages once STAT said so', () => {
    const m = lines(mailboxPane(at(txEvent('s1', 1, 'STAT', {}, '0 0')), 40, 6).rows);
    expect(m.join('\n')).not.toContain('nothing known yet');
    expect(m[1]).toBe('0 messages, 0 octets');
  });
  it('says nothing is known before the server said anything', () => {
    const m = lines(mailboxPane(at(txEvent('s1', 1, 'NOOP')), 40, 6).rows);
    expect(m[1]).toMatch(/^nothing known yet/);
  });
});

describe('layoutContent (what the layout fits the panes to)', () => {
  it('counts the rows the session list and the mailbox draw', () => {
    // header + "no sessions yet"; no lesson pane, no connect lines (the proxy and replay by default)
    expect(layoutContent(live())).toEqual({ sessions: 2, mailbox: 1, lesson: false, connect: 0 });
    const s = afterCapture('seed-download-and-delete.jsonl');
    // header + s1; header, 2 messages, footer
    expect(layoutContent(s)).toEqual({ sessions: 2, mailbox: 4, lesson: false, connect: 0 });
    expect(lines(sessionsPane(s, 100, 20, 0).rows)).toHaveLength(2);
    expect(lines(mailboxPane(s, 40, 20).rows)).toHaveLength(4);
  });
});

describe('the transcript', () => {
  const s = afterCapture('seed-download-and-delete.jsonl');

  it('client and server lines in distinct tones; bodies folded to one line with octets and lines', () => {
    const rows = transcriptPane(s, 70, 40, 0).rows;
    const retr = rows.find((r) => text(r) === 'C: retr 1')!;
    expect(retr.spans[0]!.tone).toBe('client');
    expect(rows.find((r) => text(r) === 'S: +OK 498 octets')!.spans[0]!.tone).toBe('server');
    expect(lines(rows)).toContain('S| ▸ body: 498 octets, 16 lines (Enter shows the start)');
    expect(lines(rows)).toContain('S| ▸ 2 lines: 1 498 · 2 912');
    expect(lines(rows).join('\n')).not.toContain('Lunch on Friday');
  });

  it('Enter on a RETR shows the start of the body', () => {
    let t = reduce(s, { type: 'focus', delta: 1 });
    while (!lines(transcriptPane(t, 70, 60, 0).rows.filter((r) => r.selected)).includes('C: retr 1'))
      t = reduce(t, { type: 'move', delta: -1 });
    t = reduce(t, { type: 'expand' });
    const all = lines(transcriptPane(t, 70, 60, 0).rows);
    expect(all).toContain('S| Subject: Lunch on Friday?');
    expect(all).toContain('S| ▾ body: 498 octets, 16 lines; the first lines:');
  });

  it('marks violations inline, and the detail gives the code, RFC, latency and octets', () => {
    const b = afterCapture('buggy-server.jsonl');
    const all = lines(transcriptPane(b, 100, 60, 0).rows);
    expect(all.some((l) => /^ {3}! POP3_SIZE_MISMATCH \(error\)/.test(l))).toBe(true);
    let t = reduce(b, { type: 'focus', delta: 1 });
    while (
      !lines(transcriptPane(t, 100, 60, 0).rows.filter((r) => r.selected)).some((l) =>
        l.startsWith('C: RETR'),
      )
    )
      t = reduce(t, { type: 'move', delta: -1 });
    const detail = lines(detailPane(t, 60, 30).rows).join('\n');
    expect(detail).toMatch(/#\d+ RETR 1 · TRANSACTION · RFC 1939/);
    expect(detail).toMatch(/latency \d+ ms/);
    expect(detail).toMatch(/body 188 octets, 7 lines/);
    expect(detail).toContain('! POP3_SIZE_MISMATCH (error, RFC 1939 §5, §11)');
  });

  it('shows SASL steps, already redacted by the engine', () => {
    const a = afterCapture('auth-login.jsonl');
    let t = reduce(a, { type: 'focus', delta: 1 });
    while (
      !lines(transcriptPane(t, 100, 60, 0).rows.filter((r) => r.selected)).some((l) =>
        l.startsWith('C: AUTH'),
      )
    )
      t = reduce(t, { type: 'move', delta: -1 });
    const detail = lines(detailPane(t, 70, 30).rows).join('\n');
    expect(detail).toMatch(/SASL LOGIN as "alice": 4 steps, success/);
    expect(detail).toContain('password=<redacted 10 octets>');
  });

  it('says how many earlier entries were dropped, and shows commands still waiting for a response', () => {
    const actions = [
      {
        type: 'open' as const,
        start: { session: 's1', t: 0, client: 'c', upstream: 'u', tls: 'none' as const },
      },
    ];
    let x = apply(live(), actions);
    for (let i = 1; i <= 450; i++) x = reduce(x, ev(txEvent('s1', i, 'NOOP')));
    x = reduce(
      x,
      ev({
        type: 'command',
        session: 's1',
        seq: 451,
        command: { verb: 'RETR', args: ['9'], line: 'RETR 9', octets: 8, at: 0, pipelined: false },
      }),
    );
    x = reduce(x, { type: 'move', delta: -Infinity });
    x = reduce(reduce(x, { type: 'focus', delta: 1 }), { type: 'move', delta: -Infinity });
    expect(text(transcriptPane(x, 80, 10, 0).rows[0]!)).toBe(
      '… 50 earlier entries not kept (the capture has them)',
    );
    x = reduce(x, { type: 'move', delta: Infinity });
    x = reduce(x, { type: 'follow' });
    expect(lines(transcriptPane(x, 80, 10, 0).rows).at(-1)).toBe('C: RETR 9  … waiting for the response');
  });
});

describe('the status line and help', () => {
  it('live: sessions, throughput, the capture being written, where logs go and the keys', () => {
    let s = { ...live(), capture: 'class.jsonl', logs: 'logs → proxy.log' };
    s = reduce(s, { type: 'tick', now: 0 });
    s = reduce(s, ev({ type: 'data', session: 's1', dir: 's2c', t: 0, bytes: Buffer.alloc(20_000) }));
    s = reduce(s, { type: 'tick', now: 2000 });
    const line = text(statusLine(s, 160, 0));
    expect(line).toContain('1 session, 1 live · 10.0kB/s · capture class.jsonl · logs → proxy.log');
    expect(line).toContain('q quit');
    expect(text(statusLine(s, 80, 0))).toMatch(/q quit$/);
  });

  it('shows what others wrote meanwhile, for a while', () => {
    const s = reduce(live(), { type: 'message', t: 1000, text: 'capture write failed' });
    expect(text(statusLine(s, 120, 2000))).toContain('! capture write failed');
    expect(text(statusLine(s, 120, 60_000))).not.toContain('capture write failed');
  });

  it('replay: file, speed, state and the capture clock', () => {
    const s = reduce(
      {
        ...live(),
        mode: 'replay' as const,
        replay: {
          file: 'captures/x.jsonl',
          speed: 2,
          step: false,
          paused: false,
          done: false,
          records: 0,
          at: null,
        },
      },
      { type: 'replay', status: { records: 5, at: Date.UTC(2026, 2, 2, 9, 15, 1, 280), paused: true } },
    );
    expect(text(statusLine(s, 120, 0))).toContain('replay x.jsonl ×2 · PAUSED · 5 rec · 09:15:01.280');
  });

  it('the help lists every key', () => {
    const all = lines(helpRows(100)).join('\n');
    for (const key of ['j k', 'Tab', 'Enter', '/', 'f', 'space', '+ -', '?', 'q']) expect(all).toContain(key);
  });
});

describe('formatting', () => {
  it('sizes, durations, clipping and wrapping', () => {
    expect([fmtBytes(912), fmtBytes(12_345), fmtBytes(1_234_567)]).toEqual(['912', '12.3k', '1.2M']);
    expect([
      fmtDuration(40),
      fmtDuration(7265),
      fmtDuration(65_000),
      fmtDuration(3 * 3600_000 + 60_000),
    ]).toEqual(['0.04s', '7.3s', '1m05s', '3h01m']);
    expect(clipText('abcdef', 4)).toBe('abc…');
    expect(cells('漢字ab')).toBe(6);
    expect(clipText('漢字漢字', 5)).toBe('漢字…');
    expect(wrap('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(keepVisible(0, 30, 32, 10, 100)).toBe(23);
    expect(keepVisible(23, 5, 5, 10, 100)).toBe(5);
    expect(keepVisible(50, 0, 0, 10, 20)).toBe(0);
  });

  it('escapes blessed tags so nothing from the wire can inject one', () => {
    expect(tagged({ spans: [{ text: '{red-fg}x{/red-fg}', tone: 'client' }] }, false)).toBe(
      '{cyan-fg}{open}red-fg{close}x{open}/red-fg{close}{/cyan-fg}',
    );
    expect(tagged({ spans: [{ text: 'dim', tone: 'dim' }] }, false, 8)).toBe('dim');
    expect(tagged({ spans: [{ text: 'sel' }], selected: true }, true)).toBe('{inverse}sel{/inverse}');
  });
});

// Regression (issue 12): pop3scope's own -ERR and what it kept from a side were in the live transcript and
// `show`, but the dashboard dropped them, so a stripped STLS looked like the server's doing there.
describe("pop3scope's own actions in the transcript", () => {
  const s = apply(live(), [
    {
      type: 'open',
      start: { session: 's1', t: 0, client: '127.0.0.1:1', upstream: 'mail:110', tls: 'none' },
    },
    ev({
      type: 'alter',
      session: 's1',
      t: 5,
      dir: 's2c',
      what: 'pop3scope hid STLS from the CAPA listing',
      removed: 'STLS\r\n',
      code: 'POP3_STLS_STRIPPED',
    }),
    ev({ type: 'proxy', session: 's1', t: 6, dir: 's2c', text: '-ERR pop3scope: STLS is stripped\r\n' }),
  ]);
  it('shows them as the live transcript does, as pop3scope, never as the server', () => {
    const rows = lines(transcriptPane(s, 100, 20, 0).rows).join('\n');
    expect(rows).toContain('pop3scope kept from the client: STLS (pop3scope hid STLS from the CAPA listing)');
    expect(rows).toContain('pop3scope → client: -ERR pop3scope: STLS is stripped');
    expect(rows).not.toMatch(/^S: -ERR/m);
  });
});
