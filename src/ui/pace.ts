/**
 * Teaching pace (key p): while following, the cursor — and with it the detail pane's explanation and the lesson
 * pane — moves on at most one transaction per `everyMs` of wall time. Lines still appear in the transcript the
 * moment they happen; only what is being explained waits, so a burst (a pipelining client, a fast replay, the
 * demo's player) is explained one transaction at a time, each long enough to read out to a class. A session
 * that opens meanwhile is taken up once the one being explained has been explained to its end. Pure.
 */
import { type DashboardState, type Entry, type SessionView, shown } from './state.js';

/** The session the panes show (reducer.ts currentSession without a filter: the pace stops while one is set). */
function selectedSession(s: DashboardState): SessionView | null {
  const list = shown(s).sessions;
  return list.find((x) => x.id === s.selected) ?? list[list.length - 1] ?? null;
}

/** Where the paced cursor goes next in a session: the next transaction, or the session's last entry. */
function nextStop(entries: readonly Entry[], from: number): Entry | null {
  for (let i = from + 1; i < entries.length; i++) if (entries[i]!.kind === 'tx') return entries[i]!;
  return from < entries.length - 1 ? entries[entries.length - 1]! : null;
}

/** The first stop of a session: its first transaction (the greeting), or its first entry. */
const firstStop = (x: SessionView): Entry | null =>
  x.entries.find((e) => e.kind === 'tx') ?? x.entries[0] ?? null;

/** The state after the pace had its say (called after every action; cheap when there is nothing to do). */
export function paced(s: DashboardState): DashboardState {
  const pace = s.pace;
  if (!pace || !s.follow || s.paused || s.filter !== '') return s;
  const x = selectedSession(s);
  if (!x || x.entries.length === 0) return s;
  const due = s.wall - pace.lastAt >= pace.everyMs;
  const at = s.cursor === null ? -1 : x.entries.findIndex((e) => e.id === s.cursor);
  if (at < 0) {
    // A session just taken up (or its cursor's entry was dropped): start at its first stop.
    const first = firstStop(x);
    return first ? { ...s, selected: x.id, cursor: first.id, pace: { ...pace, lastAt: s.wall } } : s;
  }
  if (!due) return s;
  const next = nextStop(x.entries, at);
  if (next) return { ...s, selected: x.id, cursor: next.id, pace: { ...pace, lastAt: s.wall } };
  // Explained to its end: take up the next session, if the one explained has ended.
  if (x.live) return s;
  const list = shown(s).sessions;
  const i = list.findIndex((y) => y.id === x.id);
  const later = list.slice(i + 1).find((y) => y.entries.length > 0);
  if (!later) return s;
  const first = firstStop(later);
  return first ? { ...s, selected: later.id, cursor: first.id, pace: { ...pace, lastAt: s.wall } } : s;
}

/** Turning the pace on holds the cursor where it is (the newest entry); off, the cursor tracks the newest again. */
export function togglePace(s: DashboardState, everyMs: number): DashboardState {
  if (s.pace) return { ...s, pace: null, cursor: s.follow ? null : s.cursor };
  const x = selectedSession(s);
  const newest = x?.entries[x.entries.length - 1];
  return {
    ...s,
    pace: { everyMs, lastAt: s.wall },
    selected: x?.id ?? s.selected,
    cursor: s.cursor ?? newest?.id ?? null,
  };
}
