/**
 * The lesson pane (key t) and the connect lines: state in, rows out. The pane shows the note the program gave
 * (Dashboard.showNote), then the lesson notes of the selected session (analysis/lesson.ts) up to the entry being
 * explained — all of them while following, up to the cursor when it was moved back or the teaching pace holds
 * it — newest at the bottom. Before any session it tells how to try the demo by hand. Pure.
 */
import type { LessonNote } from '../analysis/lesson.js';
import { formatHostPort } from '../hostPort.js';
import { printable } from '../render/text.js';
import { type PaneView, plainRow, type Row, row, span, wrap } from './format.js';
import { currentEntry, currentSession } from './reducer.js';
import type { ConnectInfo, DashboardState, SessionView } from './state.js';

const url = (c: ConnectInfo) => formatHostPort(c.host, c.port);
// With a CA (demo --tls) the server offers STLS: the lesson is the upgrade, so the client line asks for it.
const clientCommand = (c: ConnectInfo) => `pop3scope client${c.caPath ? ' --stls' : ''} ${url(c)}`;

/** How to connect, most useful first: the first line is the one a one-line footer keeps. */
export function connectLines(c: ConnectInfo): string[] {
  const at = url(c);
  const telnet = `telnet ${c.host} ${c.port}`;
  const [first, ...others] = c.users ?? [];
  if (!first)
    return [
      `Connect: pop3scope client ${at} · ${telnet} · or point any POP3 client at ${at}`,
      `curl -u USER pop3://${at}/ (asks for the password) · sessions appear here as they connect`,
    ];
  const more = others.map((u) => ` (or ${u.name} / ${u.password})`).join('');
  const lines = [
    `Connect: ${clientCommand(c)} · ${telnet} · user ${first.name} pass ${first.password}${more}`,
  ];
  const login = `pop3://${first.name}:${first.password}@${at}/`;
  if (c.caPath) lines.push(`STLS: curl --ssl-reqd --cacert ${c.caPath} ${login}`);
  else lines.push(`curl ${login}1 · the demo's passwords, nothing real · every demo run starts afresh`);
  return lines;
}

/** The connect region's rows (as many as it has lines), or none. */
export function connectRows(s: DashboardState): Row[] {
  if (!s.connect) return [];
  return connectLines(s.connect).map((l, i) =>
    i === 0 ? row(span(' Connect:', 'bold'), span(l.slice('Connect:'.length))) : plainRow(` ${l}`, 'dim'),
  );
}

/** How many lines the connect region wants (the layout shows as many as the rule allows). */
export const connectHeight = (s: DashboardState): number => (s.connect ? connectLines(s.connect).length : 0);

/** The by-hand walkthrough of the seed article, for the lesson pane while there is no session yet. */
function tryIt(c: ConnectInfo | null, width: number): Row[] {
  const out: Row[] = [];
  if (c) {
    const u = c.users?.[0];
    out.push(plainRow('Try it by hand in another terminal:', 'bold'));
    out.push(...wrapped(`${clientCommand(c)}   (or: telnet ${c.host} ${c.port})`, width, '  '));
    if (u)
      out.push(
        ...wrapped(`user ${u.name} · pass ${u.password} · list · retr 1 · dele 1 · quit`, width, '  '),
      );
    for (const l of connectLines(c).slice(1)) out.push(...wrapped(l, width, '  ', 'dim'));
  }
  out.push(
    ...wrapped(
      'The lesson follows the selected session: each POP3 idea is said when the session shows it.',
      width,
      '',
      'dim',
    ),
  );
  return out;
}

function wrapped(text: string, width: number, indent = '', tone?: Parameters<typeof plainRow>[1]): Row[] {
  return wrap(text, Math.max(1, width - indent.length)).map((l) => plainRow(indent + l, tone));
}

/**
 * The notes said up to the entry being explained: all while the cursor tracks the newest entry, else those of
 * the transactions up to the cursor's (the end's notes once the cursor is on the session's last entry).
 */
export function notesShown(s: DashboardState, x: SessionView): readonly LessonNote[] {
  if (s.cursor === null) return x.notes;
  const e = currentEntry(s, x);
  const at = e ? x.entries.findIndex((y) => y.id === e.id) : -1;
  if (at < 0 || (at === x.entries.length - 1 && !x.live)) return x.notes;
  let seq = -1;
  for (let i = 0; i <= at; i++) {
    const y = x.entries[i]!;
    if (y.kind === 'tx') seq = y.tx.seq;
  }
  return x.notes.filter((n) => n.seq !== null && n.seq <= seq);
}

export function lessonPane(s: DashboardState, width: number, height: number): PaneView {
  const x = currentSession(s);
  const out: Row[] = [];
  if (s.note) {
    out.push(plainRow(printable(s.note.title), 'accent'));
    for (const l of s.note.lines) out.push(...wrapped(printable(l), width, '  '));
  }
  const pace = s.pace ? ' · teaching pace' : '';
  const label = `Lesson${x ? ` ${x.id}${x.user ? ` ${printable(x.user)}` : ''}` : ''}${pace}`;
  if (!s.lesson) return { label: 'Note', rows: out.slice(0, height), top: 0 };
  if (out.length > 0) out.push(plainRow(''));
  const room = Math.max(0, height - out.length);
  // Whole notes, newest at the bottom: the oldest give way first, so no text is left without its heading.
  const blocks: Row[][] = [];
  if (!x) blocks.push(tryIt(s.connect, width));
  else {
    const notes = notesShown(s, x);
    if (notes.length === 0) blocks.push([plainRow('waiting for the server’s greeting…', 'dim')]);
    notes.forEach((n, i) => {
      const newest = i === notes.length - 1;
      blocks.push([
        plainRow(`▸ ${n.title}`, newest ? 'accent' : 'bold'),
        ...wrapped(n.text, width, '  ', newest ? undefined : 'dim'),
      ]);
    });
  }
  let kept: Row[] = [];
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i]!;
    if (kept.length + block.length > room) {
      // Even the newest does not fit: its start, clipped.
      if (kept.length === 0) kept = block.slice(0, room);
      break;
    }
    kept = [...block, ...kept];
  }
  const rows = [...out, ...kept].slice(0, height);
  return { label, rows, top: 0 };
}
