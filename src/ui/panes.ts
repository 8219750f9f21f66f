/**
 * The views of the session list, the mailbox, the phase strip, the status line and the help: state in,
 * rows of toned spans out, sized to the pane. Pure.
 */

import type { Phase } from '../analysis/types.js';
import { printable } from '../render/text.js';
import { counted } from '../words.js';
import { visibleSessions } from './filter.js';
import {
  cells,
  clipRow,
  fmtBytes,
  fmtDuration,
  fmtOffset,
  keepVisible,
  type PaneView,
  padTo,
  plainRow,
  type Row,
  row,
  span,
  type Tone,
} from './format.js';
import { KEY_HELP } from './keys.js';
import type { LayoutContent } from './layout.js';
import { connectHeight, connectLines } from './lesson.js';
import { currentSession } from './reducer.js';
import { type DashboardState, type MessageRow, PHASES, type SessionView, shown } from './state.js';

export type { PaneView } from './format.js';

const SHORT_PHASE: Record<Phase, string> = { AUTHORIZATION: 'AUTH', TRANSACTION: 'TRANS', UPDATE: 'UPDATE' };

interface Column {
  readonly head: string;
  readonly width: number;
  readonly align?: 'right';
  readonly cell: (x: SessionView, now: number, wide: boolean) => { text: string; tone?: Tone };
}

const phaseOf = (x: SessionView) => x.phases[x.phases.length - 1]?.phase ?? null;

/** The session list's columns; CLIENT takes what is left of the width. */
const COLUMNS: readonly Column[] = [
  { head: 'ID', width: 5, cell: (x) => ({ text: x.id }) },
  {
    head: 'CLIENT',
    width: 0,
    // A session pop3scope injected faults into is marked where the eye lands first, without a column of its own.
    cell: (x) =>
      x.injected > 0
        ? { text: `⚡${x.injected} ${x.client ?? '?'}`, tone: 'warn' }
        : { text: x.client ?? '?' },
  },
  { head: 'USER', width: 10, cell: (x) => ({ text: x.user ?? '—', tone: x.user ? undefined : 'dim' }) },
  {
    head: 'PHASE',
    width: 6,
    cell: (x, _now, wide) => {
      const p = phaseOf(x);
      return { text: p ? (wide ? p : SHORT_PHASE[p]) : '—', tone: p === 'UPDATE' ? 'accent' : undefined };
    },
  },
  { head: 'CMDS', width: 4, align: 'right', cell: (x) => ({ text: String(x.commands) }) },
  { head: 'C→S', width: 6, align: 'right', cell: (x) => ({ text: fmtBytes(x.bytes.c2s), tone: 'client' }) },
  { head: 'S→C', width: 6, align: 'right', cell: (x) => ({ text: fmtBytes(x.bytes.s2c), tone: 'server' }) },
  {
    head: 'TIME',
    width: 6,
    align: 'right',
    cell: (x, now) => ({ text: fmtDuration((x.endedAt ?? Math.max(now, x.startedAt)) - x.startedAt) }),
  },
  {
    head: 'VIOL',
    width: 4,
    align: 'right',
    cell: (x) => ({ text: String(x.violations), tone: x.violations ? 'error' : 'dim' }),
  },
  {
    head: 'STATE',
    width: 5,
    cell: (x) => (x.live ? { text: 'live', tone: 'ok' } : { text: 'ended', tone: 'dim' }),
  },
];

function columnWidths(width: number): { widths: number[]; wide: boolean } {
  const wide = width >= 110;
  const widths = COLUMNS.map((c) =>
    c.head === 'PHASE' && wide ? 13 : c.head === 'USER' && wide ? 16 : c.width,
  );
  const fixed = widths.reduce((a, b) => a + b, 0) + COLUMNS.length - 1;
  widths[1] = Math.max(0, Math.min(wide ? 26 : 21, width - fixed));
  return { widths, wide };
}

function tableRow(cells: { text: string; tone?: Tone }[], widths: number[]): Row {
  const spans = cells.flatMap((c, i) => {
    const w = widths[i]!;
    if (w === 0) return [];
    const text = padTo(c.text, w, COLUMNS[i]!.align === 'right' ? 'right' : 'left');
    return [span(text, c.tone), span(' ')];
  });
  return { spans: spans.slice(0, -1) };
}

/**
 * How many rows the fitting panes' content has, for the layout (layout.ts): the session list's header, one row
 * per listed session (or its "no sessions" line) and its note; the mailbox's header, rows, cut note and footer.
 */
export function layoutContent(s: DashboardState): LayoutContent {
  const data = shown(s);
  const listed = visibleSessions(data.sessions, s.filter).length;
  const x = currentSession(s);
  return {
    sessions: 1 + Math.max(1, listed) + (data.hidden > 0 ? 1 : 0),
    mailbox: x ? 1 + x.mailbox.length + (x.mailboxCut > 0 ? 1 : 0) + 1 : 1,
    // The lesson region also opens for a note (Dashboard.showNote), which stays until the next one.
    lesson: s.lesson || s.note !== null,
    connect: connectHeight(s),
  };
}

export function sessionsPane(s: DashboardState, width: number, height: number, prevTop: number): PaneView {
  const data = shown(s);
  const list = visibleSessions(data.sessions, s.filter);
  const live = data.sessions.filter((x) => x.live).length;
  const filter = s.filter ? ` · filter "${s.filter}": ${list.length} of ${data.sessions.length}` : '';
  const label = `Sessions ${data.sessions.length} (${live} live)${filter}`;
  const { widths, wide } = columnWidths(width);
  const head = {
    ...tableRow(
      COLUMNS.map((c) => ({ text: c.head, tone: 'head' as Tone })),
      widths,
    ),
  };
  const notes: Row[] = [];
  if (data.hidden > 0)
    notes.push(
      plainRow(`${counted(data.hidden, 'older session')} hidden (the capture file has them)`, 'dim'),
    );
  if (list.length === 0) {
    const empty = data.sessions.length
      ? `no session matches "${s.filter}" (Esc clears the filter)`
      : `no sessions yet${s.hint ? ` — ${s.hint}` : ''}`;
    return {
      label,
      rows: [head, plainRow(empty, 'dim'), ...notes].slice(0, height).map((r) => clipRow(r, width)),
      top: 0,
    };
  }
  const current = currentSession(s);
  const at = Math.max(
    0,
    list.findIndex((x) => x.id === current?.id),
  );
  const room = Math.max(1, height - 1 - notes.length);
  const top = keepVisible(prevTop, at, at, room, list.length);
  const rows = list.slice(top, top + room).map((x, i) => ({
    ...tableRow(
      COLUMNS.map((c) => c.cell(x, s.now, wide)),
      widths,
    ),
    selected: top + i === at,
  }));
  return { label, rows: [head, ...rows, ...notes].slice(0, height).map((r) => clipRow(r, width)), top };
}

function stateWords(m: MessageRow, both: boolean): { text: string; tone: Tone } {
  const fate = m.removed ? 'removed' : m.marked ? 'marked' : null;
  const tone: Tone = m.removed ? 'error' : m.marked ? 'warn' : m.retrieved ? 'ok' : 'dim';
  if (both) return { text: [m.retrieved ? 'retrieved' : null, fate].filter(Boolean).join(', ') || '—', tone };
  return { text: fate ?? (m.retrieved ? 'retrieved' : '—'), tone };
}

export function mailboxPane(s: DashboardState, width: number, height: number): PaneView {
  const x = currentSession(s);
  const label = x ? `Mailbox ${x.user ? printable(x.user) : x.id}` : 'Mailbox';
  if (!x) return { label, rows: [], top: 0 };
  const both = width >= 44;
  const stateWidth = both ? 18 : 9;
  const uidWidth = Math.max(0, width - 4 - 7 - stateWidth - 3);
  const head = row(
    span(padTo('#', 4, 'right'), 'head'),
    span(' '),
    span(padTo('SIZE', 7, 'right'), 'head'),
    span(' '),
    span(padTo('UID', uidWidth), 'head'),
    span(' '),
    span('STATE', 'head'),
  );
  const rows: Row[] = x.mailbox.map((m) => {
    const st = stateWords(m, both);
    return row(
      span(padTo(String(m.n), 4, 'right')),
      span(' '),
      span(
        padTo(m.size === undefined ? '?' : String(m.size), 7, 'right'),
        m.size === undefined ? 'dim' : undefined,
      ),
      span(' '),
      span(padTo(m.uid ? printable(m.uid) : '—', uidWidth), m.uid ? undefined : 'dim'),
      span(' '),
      span(padTo(st.text, stateWidth), st.tone),
    );
  });
  if (x.mailboxCut > 0) rows.push(plainRow(`… ${counted(x.mailboxCut, 'more message')} not shown`, 'dim'));
  const removed = x.mailbox.filter((m) => m.removed).map((m) => m.n);
  const marked = x.mailbox.filter((m) => m.marked && !m.removed).map((m) => m.n);
  const foot: Row[] = [];
  if (x.mailbox.length === 0 && x.mailboxCut === 0 && !x.mailboxKnown)
    foot.push(plainRow('nothing known yet: STAT, LIST and UIDL fill this in', 'dim'));
  else {
    const sized = x.mailboxCut === 0 && x.mailbox.every((m) => m.size !== undefined);
    const octets = sized ? x.mailbox.reduce((a, m) => a + (m.size ?? 0), 0) : (x.stat?.octets ?? null);
    const parts = [
      `${counted(x.mailbox.length + x.mailboxCut, 'message')}${octets === null ? '' : `, ${counted(octets, 'octet')}`}`,
    ];
    if (removed.length) parts.push(`removed ${removed.join(', ')}`);
    if (marked.length) parts.push(`marked ${marked.join(', ')}${x.live ? '' : ' (kept: no UPDATE)'}`);
    foot.push(plainRow(parts.join(' · '), removed.length ? 'accent' : 'dim'));
  }
  const room = Math.max(0, height - 1 - foot.length);
  const top = Math.max(0, Math.min(s.scroll.mailbox, rows.length - room));
  return {
    label,
    rows: [head, ...rows.slice(top, top + room), ...foot].slice(0, height).map((r) => clipRow(r, width)),
    top,
  };
}

/** AUTHORIZATION → TRANSACTION → UPDATE with the time each began; the current one highlighted. */
export function phaseStrip(s: DashboardState, width: number): Row {
  const x = currentSession(s);
  const spans = [];
  if (width >= 100) spans.push(span('pop3scope', 'bold'), span(' │ '));
  if (!x)
    return clipRow(
      row(
        ...spans,
        span(
          s.mode === 'replay' ? 'replaying: waiting for the first session' : 'waiting for sessions',
          'dim',
        ),
      ),
      width,
    );
  spans.push(span(`${x.id} ${x.user ? printable(x.user) : ''}`.trim(), 'bold'), span(' │ '));
  const current = phaseOf(x);
  PHASES.forEach((p, i) => {
    const reached = [...x.phases].reverse().find((q) => q.phase === p);
    if (i > 0) spans.push(span(' → ', 'dim'));
    const text = reached ? `${p} ${fmtOffset(reached.at - x.startedAt)}` : p;
    spans.push(
      span(p === current ? ` ${text} ` : text, p === current ? 'current' : reached ? undefined : 'todo'),
    );
  });
  if (!x.live)
    spans.push(span(x.phases.some((q) => q.phase === 'UPDATE') ? '  ended' : '  ended before UPDATE', 'dim'));
  return clipRow(row(...spans), width);
}

function throughput(s: DashboardState): number {
  const first = s.samples[0];
  const last = s.samples[s.samples.length - 1];
  if (!first || !last || last.t <= first.t) return 0;
  return ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
}

const MESSAGE_SHOWN_MS = 10_000;

/** The main keys for the status line, longest first: the first that fits is shown. */
const KEY_HINTS = [
  'Tab pane  ↑↓ move  Enter expand  / filter  f follow  t lesson  e explain  p pace  space pause  ? help  q quit',
  'Tab pane  ↑↓ move  Enter expand  / filter  f follow  space pause  ? help  q quit',
  'Tab ↑↓ Enter / f t e p space  ? help  q quit',
  '? help  q quit',
];

export function statusLine(s: DashboardState, width: number, wallNow: number): Row {
  if (s.quitting)
    return clipRow(
      plainRow(' stopping: sessions in flight get a moment to finish… (q again exits at once)', 'warn'),
      width,
    );
  if (s.editing !== null) {
    return clipRow(
      row(
        span(' / ', 'bold'),
        span(`${s.editing}█`),
        span('   Enter apply · Esc clear · user, command or violation code', 'dim'),
      ),
      width,
    );
  }
  const spans = [];
  const message = s.messages[s.messages.length - 1];
  if (message && wallNow - message.t < MESSAGE_SHOWN_MS)
    spans.push(span(` ! ${printable(message.text)} `, 'warn'));
  else if (s.replay) {
    const r = s.replay;
    const state = r.done ? 'done' : r.paused ? 'PAUSED' : r.step ? 'step: space' : 'playing';
    const clock = r.at !== null ? new Date(r.at).toISOString().slice(11, 23) : '—';
    spans.push(
      span(` replay ${r.file.split('/').pop()} `, 'bold'),
      span(`${r.speed === 0 ? 'max speed' : `×${+r.speed.toFixed(3)}`} · `),
      span(state, r.paused || r.step ? 'warn' : r.done ? 'ok' : undefined),
      span(` · ${r.records} rec · ${clock} `),
    );
  } else {
    const d = s.data;
    const live = d.sessions.filter((x) => x.live).length;
    if (s.paused) spans.push(span(' PAUSED (space resumes; relaying goes on)', 'warn'));
    spans.push(
      span(
        ` ${counted(d.sessions.length + d.hidden, 'session')}, ${live} live · ${fmtBytes(throughput(s))}B/s · `,
      ),
      span(s.capture ? `capture ${s.capture}` : 'no capture', s.capture ? undefined : 'dim'),
      span(s.logs ? ` · ${s.logs} ` : ' '),
    );
  }
  if (s.filter) spans.push(span(`filter "${s.filter}" `, 'accent'));
  if (s.follow) spans.push(span('follow ', 'ok'));
  // The keys always show: the facts on the left give way first.
  const used = spans.reduce((n, x) => n + cells(x.text), 0);
  const keys = KEY_HINTS.find((k) => used + 2 + cells(k) <= width) ?? KEY_HINTS[KEY_HINTS.length - 1]!;
  const left = clipRow(row(...spans), Math.max(0, width - 2 - cells(keys)));
  return clipRow(row(...left.spans, span('│ ', 'dim'), span(keys, 'dim')), width);
}

export function helpRows(width: number, s?: DashboardState): Row[] {
  const connect = s?.connect ? connectLines(s.connect) : [];
  return [
    plainRow('pop3scope dashboard keys', 'bold'),
    plainRow(''),
    ...KEY_HELP.flatMap(([keys, what]) => [row(span(padTo(keys, 11), 'accent'), span(` ${what}`))]),
    ...(connect.length > 0 ? [plainRow(''), ...connect.map((l) => plainRow(l))] : []),
    plainRow(''),
    plainRow('Passwords and SASL secrets are redacted before they reach this screen.', 'dim'),
    plainRow('Any key closes this help.', 'dim'),
  ].map((r) => clipRow(r, width));
}
