/**
 * The keys, as a table from a key press to an action, depending on the mode the screen is in (typing a
 * filter, reading the help, or browsing). Pure: blessed's key objects are reduced to {ch, name, full} first.
 */
import { TEACHING_PACE_MS } from './limits.js';
import type { Action, DashboardState } from './state.js';

export interface Key {
  /** The character typed, when there is one. */
  readonly ch?: string;
  /** blessed's key name: 'up', 'enter', 'escape', 'a', ... */
  readonly name?: string;
  /** With modifiers: 'C-c', 'S-tab', ... */
  readonly full?: string;
}

const PAGE = 10;

/** The key help, as shown by `?` (and in the README). */
export const KEY_HELP: readonly (readonly [string, string])[] = [
  ['↑ ↓  j k', 'move in the focused pane (PgUp/PgDn a page, g/G or Home/End to either end)'],
  ['Tab  ← →', 'next / previous pane: sessions, transcript, mailbox, detail'],
  ['Enter', 'sessions: open the transcript · transcript: expand/fold a body or listing'],
  ['/', 'filter by user, command (RETR) or violation code (POP3_SIZE); Enter applies, Esc clears'],
  ['f', 'follow the newest session and transaction (on at start; moving turns it off)'],
  ['t', 'the lesson pane: each POP3 idea said when the session shows it (on in demo; --lesson)'],
  ['e', 'explanations inline under each transaction in the transcript, not only in the detail'],
  [
    'p',
    `teaching pace: while following, explain at most one transaction every ${TEACHING_PACE_MS / 1000} s (lines still appear)`,
  ],
  ['space', 'live: pause/resume the screen (relaying goes on) · replay: pause, or next step with --step'],
  [
    '',
    '--step: a command first (what it asks), then its answer; commands pipelined in one chunk come together',
  ],
  ['+ -', 'replay: faster / slower'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit (the proxy stops cleanly; a second q exits at once)'],
];

const BROWSE: Record<string, Action> = {
  up: { type: 'move', delta: -1 },
  k: { type: 'move', delta: -1 },
  down: { type: 'move', delta: 1 },
  j: { type: 'move', delta: 1 },
  pageup: { type: 'move', delta: -PAGE },
  pagedown: { type: 'move', delta: PAGE },
  home: { type: 'move', delta: -Infinity },
  g: { type: 'move', delta: -Infinity },
  end: { type: 'move', delta: Infinity },
  G: { type: 'move', delta: Infinity },
  tab: { type: 'focus', delta: 1 },
  right: { type: 'focus', delta: 1 },
  l: { type: 'focus', delta: 1 },
  'S-tab': { type: 'focus', delta: -1 },
  left: { type: 'focus', delta: -1 },
  h: { type: 'focus', delta: -1 },
  enter: { type: 'expand' },
  linefeed: { type: 'expand' },
  '/': { type: 'filterStart' },
  f: { type: 'follow' },
  t: { type: 'lesson' },
  e: { type: 'inline' },
  p: { type: 'pace' },
  '+': { type: 'speed', faster: true },
  '=': { type: 'speed', faster: true },
  '-': { type: 'speed', faster: false },
  _: { type: 'speed', faster: false },
  '?': { type: 'help' },
  q: { type: 'quit' },
  'C-c': { type: 'quit' },
};

/** The action a key press asks for, or null when the key means nothing here. */
export function keyToAction(s: DashboardState, k: Key): Action | null {
  const full = k.full ?? k.name ?? k.ch ?? '';
  // blessed reports Enter twice ('return', then 'enter'): only 'enter' counts.
  if (k.name === 'return') return null;
  if (full === 'C-c') return { type: 'quit' };
  if (s.editing !== null) {
    if (k.name === 'enter' || k.name === 'linefeed') return { type: 'filterCommit' };
    if (k.name === 'escape') return { type: 'filterCancel' };
    if (k.name === 'backspace') return { type: 'filterInput', text: s.editing.slice(0, -1) };
    if (full === 'C-u') return { type: 'filterInput', text: '' };
    if (k.ch && k.ch.length === 1 && k.ch >= ' ' && k.ch !== '\x7f')
      return { type: 'filterInput', text: s.editing + k.ch };
    return null;
  }
  if (s.help) return k.ch === 'q' ? { type: 'quit' } : { type: 'help' };
  if (k.name === 'space' || k.ch === ' ')
    return s.replay?.step || s.stepping ? { type: 'step' } : { type: 'pause' };
  if (k.name === 'escape') return s.filter !== '' ? { type: 'filterCancel' } : null;
  // Printable characters by what was typed (G, +, ?), named keys by name.
  const byChar = k.ch && k.ch.length === 1 && k.ch > ' ' ? BROWSE[k.ch] : undefined;
  return byChar ?? BROWSE[full] ?? null;
}
