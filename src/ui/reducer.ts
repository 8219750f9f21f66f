/**
 * THE dashboard reducer: (state, action) → state. Engine events, the proxy's open/close hooks, the clock and
 * the keys all arrive as actions; the screen is a function of the result. Pure — no blessed, no I/O, no clock —
 * so the live proxy and the replay of a capture drive the same code, and tests drive it without a terminal.
 */
import { eventStart } from '../analysis/eventTime.js';
import { visibleEntries, visibleSessions } from './filter.js';
import {
  MAX_ENDED_SESSIONS,
  MAX_EXPANDED,
  MAX_MESSAGES,
  MAX_NOTE_LINES,
  MAX_SAMPLES,
  MAX_TEXT_CHARS,
  TEACHING_PACE_MS,
  THROUGHPUT_WINDOW_MS,
} from './limits.js';
import { paced, togglePace } from './pace.js';
import { applySessionClose, applySessionEvent, newSession } from './session.js';
import {
  type Action,
  type DashboardState,
  type Entry,
  PANES,
  type SessionsData,
  type SessionView,
  shown,
} from './state.js';

/** The session the panes show: the selected one if the filter lets it through, else the newest visible. */
export function currentSession(s: DashboardState): SessionView | null {
  const list = visibleSessions(shown(s).sessions, s.filter);
  return list.find((x) => x.id === s.selected) ?? list[list.length - 1] ?? null;
}

/** The transcript entry under the cursor (the newest when the cursor tracks the end). */
export function currentEntry(s: DashboardState, session = currentSession(s)): Entry | null {
  if (!session) return null;
  const entries = visibleEntries(session, s.filter);
  return (
    (s.cursor !== null ? entries.find((e) => e.id === s.cursor) : undefined) ??
    entries[entries.length - 1] ??
    null
  );
}

export const expandKey = (session: string, id: number) => `${session}#${id}`;

/** Playback speeds step by doubling; 0 (as fast as possible) is left by `-` to the fastest timed speed. */
export function nextSpeed(speed: number, faster: boolean): number {
  if (speed === 0) return faster ? 0 : 64;
  const next = faster ? speed * 2 : speed / 2;
  return Math.min(1024, Math.max(1 / 16, next));
}

/** Drops the oldest ended sessions beyond MAX_ENDED_SESSIONS, counting them. */
function capEnded(d: SessionsData): SessionsData {
  const ended = d.sessions.filter((x) => !x.live).length;
  if (ended <= MAX_ENDED_SESSIONS) return d;
  let drop = ended - MAX_ENDED_SESSIONS;
  const sessions = d.sessions.filter((x) => x.live || drop-- <= 0);
  return { sessions, hidden: d.hidden + (d.sessions.length - sessions.length) };
}

function updateSession(
  d: SessionsData,
  id: string,
  t: number,
  change: (x: SessionView) => SessionView,
): SessionsData {
  // Search from the end: the busy sessions are the recent ones.
  let i = d.sessions.length - 1;
  while (i >= 0 && d.sessions[i]!.id !== id) i--;
  if (i < 0) return { ...d, sessions: [...d.sessions, change(newSession(id, t))] };
  const next = change(d.sessions[i]!);
  if (next === d.sessions[i]) return d;
  const sessions = d.sessions.slice();
  sessions[i] = next;
  return { ...d, sessions };
}

/** After the data changed: follow the newest session when asked to. */
function followed(s: DashboardState, data: SessionsData, opened?: string): DashboardState {
  const next = { ...s, data };
  // With the teaching pace the new session waits until the one being explained is done (pace.ts).
  if (s.follow && !s.paused && !s.pace && opened !== undefined)
    return { ...next, selected: opened, cursor: null };
  return next;
}

function move(s: DashboardState, delta: number): DashboardState {
  const clampIndex = (i: number, n: number) => Math.max(0, Math.min(n - 1, i));
  switch (s.focus) {
    case 'sessions': {
      const list = visibleSessions(shown(s).sessions, s.filter);
      if (list.length === 0) return s;
      const at = list.findIndex((x) => x.id === currentSession(s)?.id);
      const to =
        list[clampIndex((at < 0 ? list.length - 1 : at) + clampDelta(delta, list.length), list.length)]!;
      return { ...s, selected: to.id, cursor: null, follow: false, scroll: { mailbox: 0, detail: 0 } };
    }
    case 'transcript': {
      const session = currentSession(s);
      if (!session) return s;
      const entries = visibleEntries(session, s.filter);
      if (entries.length === 0) return s;
      const at = entries.findIndex((e) => e.id === currentEntry(s, session)?.id);
      const to =
        entries[
          clampIndex((at < 0 ? entries.length - 1 : at) + clampDelta(delta, entries.length), entries.length)
        ]!;
      return { ...s, selected: session.id, cursor: to.id, follow: false, scroll: { ...s.scroll, detail: 0 } };
    }
    case 'mailbox':
    case 'detail': {
      const pane = s.focus;
      const value = Math.max(0, Math.min(100_000, s.scroll[pane] + clampDelta(delta, 100_000)));
      return { ...s, scroll: { ...s.scroll, [pane]: value } };
    }
  }
}

const clampDelta = (delta: number, n: number) => (Number.isFinite(delta) ? delta : Math.sign(delta) * n);

function toggleExpand(s: DashboardState): DashboardState {
  if (s.focus === 'sessions') return { ...s, focus: 'transcript' };
  if (s.focus !== 'transcript') return s;
  const session = currentSession(s);
  const entry = currentEntry(s, session);
  if (!session || !entry) return s;
  const key = expandKey(session.id, entry.id);
  const expanded = s.expanded.includes(key)
    ? s.expanded.filter((k) => k !== key)
    : [...s.expanded, key].slice(-MAX_EXPANDED);
  return { ...s, expanded };
}

function tick(s: DashboardState, now: number, wall: number): DashboardState {
  const bytes = s.totals.c2s + s.totals.s2c;
  const samples = [
    ...s.samples.filter((x) => x.t > now - THROUGHPUT_WINDOW_MS && x.t <= now),
    { t: now, bytes },
  ].slice(-MAX_SAMPLES);
  return { ...s, now, samples, wall };
}

export function reduce(s: DashboardState, a: Action): DashboardState {
  const next = reduceAction(s, a);
  return next.pace ? paced(next) : next;
}

function reduceAction(s: DashboardState, a: Action): DashboardState {
  switch (a.type) {
    case 'open': {
      const { session, t } = a.start;
      const others = s.data.sessions.filter((x) => x.id !== session);
      const replaced = s.data.sessions.length - others.length;
      const data = capEnded({
        sessions: [...others, newSession(session, t, a.start)],
        hidden: s.data.hidden + replaced,
      });
      return followed(s, data, session);
    }
    case 'event': {
      const e = a.event;
      const known = s.data.sessions.some((x) => x.id === e.session);
      let data = updateSession(s.data, e.session, eventStart(e), (x) => applySessionEvent(x, e));
      if (e.type === 'summary') data = capEnded(data);
      const totals =
        e.type === 'data' ? { ...s.totals, [e.dir]: s.totals[e.dir] + e.bytes.length } : s.totals;
      return followed({ ...s, totals }, data, known ? undefined : e.session);
    }
    case 'close': {
      const { session, t, reason } = a.end;
      if (!s.data.sessions.some((x) => x.id === session)) return s;
      return {
        ...s,
        data: capEnded(updateSession(s.data, session, t, (x) => applySessionClose(x, t, reason))),
      };
    }
    case 'tick':
      return tick(s, a.now, a.wall ?? s.wall);
    case 'move':
      return move(s, a.delta);
    case 'focus': {
      const i = PANES.indexOf(s.focus);
      return { ...s, focus: PANES[(i + a.delta + PANES.length) % PANES.length]! };
    }
    case 'expand':
      return toggleExpand(s);
    case 'filterStart':
      return { ...s, editing: s.filter, help: false };
    case 'filterInput':
      return s.editing === null ? s : { ...s, editing: a.text.slice(0, 64) };
    case 'filterCommit':
      return s.editing === null ? s : { ...s, filter: s.editing.trim(), editing: null, cursor: null };
    case 'filterCancel':
      return { ...s, filter: '', editing: null, cursor: null };
    case 'follow': {
      if (s.follow) return { ...s, follow: false };
      // Paced, following again goes on from where the cursor is, at the pace.
      if (s.pace) return { ...s, follow: true };
      const list = visibleSessions(shown(s).sessions, s.filter);
      return {
        ...s,
        follow: true,
        selected: list[list.length - 1]?.id ?? null,
        cursor: null,
        scroll: { mailbox: 0, detail: 0 },
      };
    }
    case 'pause': {
      const paused = !s.paused;
      if (s.mode === 'replay') return { ...s, paused, replay: s.replay ? { ...s.replay, paused } : null };
      return { ...s, paused, frozen: paused ? s.data : null };
    }
    case 'step':
      // The timeline plays the step; the state changes when its events arrive.
      return s;
    case 'speed':
      return s.replay ? { ...s, replay: { ...s.replay, speed: nextSpeed(s.replay.speed, a.faster) } } : s;
    case 'help':
      return { ...s, help: !s.help };
    case 'lesson':
      return { ...s, lesson: !s.lesson };
    case 'connect':
      return { ...s, connect: a.connect };
    case 'inline':
      return { ...s, inline: !s.inline };
    case 'pace':
      return togglePace(s, TEACHING_PACE_MS);
    case 'quit':
      return { ...s, quitting: true, help: false, editing: null };
    case 'replay': {
      if (!s.replay) return s;
      const replay = { ...s.replay, ...a.status };
      return { ...s, replay, paused: replay.paused };
    }
    case 'message':
      return { ...s, messages: [...s.messages, { t: a.t, text: a.text.slice(0, 500) }].slice(-MAX_MESSAGES) };
    case 'next':
      return {
        ...s,
        next: a.next
          ? { line: a.next.line.slice(0, MAX_TEXT_CHARS), ask: a.next.ask.slice(0, MAX_TEXT_CHARS) }
          : null,
      };
    case 'note':
      return {
        ...s,
        note: {
          title: a.title.slice(0, MAX_TEXT_CHARS),
          lines: a.lines.slice(0, MAX_NOTE_LINES).map((l) => l.slice(0, MAX_TEXT_CHARS)),
        },
      };
  }
}
