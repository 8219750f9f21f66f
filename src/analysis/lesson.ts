/**
 * The lesson: the seed article's concepts, each said once per session at the moment the session shows it.
 * Engine events in, lesson notes out; one table of concepts, each with its trigger and its text. Pure and
 * bounded: a session's state is a few flags and counters, and it yields at most one note per concept.
 *
 * The dashboard's lesson pane shows the notes of the selected session (ui/session.ts keeps them); anything
 * else can drive it the same way (`lessonFor` reads a whole list of events).
 */
import { counted } from '../words.js';
import { eventEnd } from './eventTime.js';
import type { EngineEvent, SessionSummary, Transaction } from './types.js';

/** The concepts, in the order a full download-and-delete session meets them. */
export type ConceptId =
  | 'phases'
  | 'ok'
  | 'err'
  | 'clear-text'
  | 'tls'
  | 'logged-in'
  | 'octets'
  | 'retr-keeps'
  | 'dele-marks'
  | 'rset'
  | 'update'
  | 'dropped'
  | 'mode'
  | 'no-state';

export interface LessonNote {
  readonly concept: ConceptId;
  /** A few words naming the concept (the pane's heading for the note). */
  readonly title: string;
  readonly text: string;
  /** The transaction the note is about (its seq), or null: the session's end. */
  readonly seq: number | null;
  readonly t: number;
}

/** What a session has shown so far, as far as the lesson needs it. */
export interface LessonState {
  readonly said: readonly ConceptId[];
  /** The session runs inside TLS (POP3S from the start, or after STLS). */
  readonly tls: boolean;
  /** The session reached TRANSACTION (so ending without QUIT is worth a word). */
  readonly loggedIn: boolean;
  readonly updated: boolean;
  /** Messages marked for deletion in this session (DELE +OK adds one, RSET empties). */
  readonly marked: number;
  /** The last transaction's seq: notes from a phase change are about the transaction that caused it. */
  readonly lastSeq: number | null;
}

export function startLesson(tls = false): LessonState {
  return { said: [], tls, loggedIn: false, updated: false, marked: 0, lastSeq: null };
}

/** What a trigger sees: the event, the state before it, and the transaction if the event is one. */
interface Moment {
  readonly e: EngineEvent;
  readonly s: LessonState;
  readonly tx: Transaction | null;
  readonly verb: string | null;
  readonly ok: boolean;
}

interface Concept {
  readonly id: ConceptId;
  readonly title: string;
  /** The note's text when this event is the concept's moment, else null. */
  readonly when: (m: Moment) => string | null;
}

function modeText(x: SessionSummary): string | null {
  switch (x.mode) {
    case 'download-and-delete':
      return x.removed.length > 0
        ? `This client worked in download-and-delete mode: it downloaded ${counted(x.removed.length, 'message')} and had the server delete them. Bob's other machines (his home PC, his laptop) will not find them: the mail is split over the machines that fetched it.`
        : `This client worked in download-and-delete mode (it downloaded and marked messages), but the session never reached UPDATE: the messages are still on the server.`;
    case 'download-and-keep':
      return `This client worked in download-and-keep mode: it downloaded ${counted(x.retrieved.length, 'message')} and left them on the server, so Bob can read them again from his home PC or his laptop.`;
    case 'other':
      return x.commands > 0 && x.phases.some((p) => p.phase === 'TRANSACTION')
        ? 'This client used neither mode: it downloaded nothing, or deleted what it had not downloaded.'
        : null;
  }
}

/**
 * THE table: one row per concept, in the order the notes of one event are said (the greeting says the phases,
 * then that +OK means it worked).
 */
const CONCEPTS: readonly Concept[] = [
  {
    id: 'phases',
    title: 'Three phases',
    when: ({ tx }) =>
      tx && tx.command === null
        ? 'POP3 has three phases: AUTHORIZATION (USER, then PASS: who is it?), TRANSACTION (LIST, RETR, DELE: read and mark mail), UPDATE (after QUIT: marked mail is removed). A good login moves to TRANSACTION; QUIT moves to UPDATE.'
        : null,
  },
  {
    id: 'ok',
    title: '+OK',
    when: ({ tx }) =>
      tx?.response.status === '+OK'
        ? '+OK means it worked: the server did what the command asked (sometimes data follows, ended by a line holding a single dot).'
        : null,
  },
  {
    id: 'err',
    title: '-ERR',
    when: ({ tx }) =>
      tx?.response.status === '-ERR'
        ? `-ERR means it did not work: the server refused the command${tx.response.text ? ` ("${tx.response.text.slice(0, 60)}")` : ''}. A misspelt command gets -ERR too; the session stays in the phase it was in.`
        : null,
  },
  {
    id: 'clear-text',
    title: 'Passwords in clear',
    when: ({ verb, s }) => {
      if (verb !== 'PASS') return null;
      return s.tls
        ? 'USER and PASS are POP3’s clear-text login, but this session sends them inside TLS: only the client and the server can read the password.'
        : 'USER and PASS travel in clear: anyone on the network path can read the password (pop3scope hides it here). That is what STLS is for: it turns the connection into TLS before the password is sent.';
    },
  },
  {
    id: 'tls',
    title: 'TLS',
    when: ({ e }) =>
      e.type === 'tls'
        ? 'The connection is now encrypted (TLS): from here on nobody on the network path can read the password or the mail.'
        : null,
  },
  {
    id: 'logged-in',
    title: 'TRANSACTION',
    when: ({ e }) =>
      e.type === 'phase' && e.to === 'TRANSACTION'
        ? 'Logged in: the session is in TRANSACTION. The server has locked the mailbox and numbered its messages 1, 2, …; the client may now LIST, RETR, DELE.'
        : null,
  },
  {
    id: 'octets',
    title: 'Sizes in octets',
    when: ({ verb, ok, tx }) => {
      if (verb !== 'LIST' || !ok || !tx) return null;
      const first = tx.response.listing?.[0] ?? (tx.response.multiline ? undefined : tx.response.text);
      const m = first ? /^(\d+)\s+(\d+)/.exec(first) : null;
      return `LIST gives each message's number and its size in octets (bytes)${m ? `: "${m[0]}" is message ${m[1]}, ${m[2]} octets` : ''}.`;
    },
  },
  {
    id: 'retr-keeps',
    title: 'RETR does not delete',
    when: ({ verb, ok, tx }) =>
      verb === 'RETR' && ok
        ? `RETR ${tx!.command!.args[0] ?? 'n'} downloads the message whole, but RETR does not delete: the message stays on the server.`
        : null,
  },
  {
    id: 'dele-marks',
    title: 'DELE only marks',
    when: ({ verb, ok, tx }) =>
      verb === 'DELE' && ok
        ? `DELE only marks message ${tx!.command!.args[0] ?? 'n'} for deletion: it is still on the server. RSET would unmark it; only QUIT removes it, in UPDATE.`
        : null,
  },
  {
    id: 'rset',
    title: 'RSET unmarks',
    when: ({ verb, ok }) =>
      verb === 'RSET' && ok
        ? 'RSET unmarks every message marked in this session: none of them will be removed.'
        : null,
  },
  {
    id: 'update',
    title: 'UPDATE',
    when: ({ e, s }) => {
      if (e.type !== 'phase' || e.to !== 'UPDATE') return null;
      return s.marked > 0
        ? `QUIT: the server enters UPDATE and removes the ${counted(s.marked, 'message')} marked with DELE, now and only now.`
        : 'QUIT: the server enters UPDATE; nothing is marked, so it removes nothing.';
    },
  },
  {
    id: 'dropped',
    title: 'No QUIT, no UPDATE',
    when: ({ e, s }) =>
      e.type === 'summary' && s.loggedIn && !s.updated
        ? `The connection ended without QUIT: no UPDATE, so the server removes nothing${s.marked === 1 ? ' (the marked message stays on the server)' : s.marked > 1 ? ` (the ${s.marked} marked messages stay on the server)` : ''}.`
        : null,
  },
  {
    id: 'mode',
    title: 'The client’s mode',
    when: ({ e }) => (e.type === 'summary' ? modeText(e.summary) : null),
  },
  {
    id: 'no-state',
    title: 'No state across sessions',
    when: ({ e, s }) =>
      e.type === 'summary' && s.loggedIn
        ? 'The server keeps no state across sessions: the next session numbers the messages afresh, with no marks.'
        : null,
  },
];

/** Every concept, in the table's order. */
export const CONCEPT_IDS: readonly ConceptId[] = CONCEPTS.map((c) => c.id);

/** The state after an event (marks, TLS, phases), whatever is said. */
function advance(s: LessonState, m: Moment): LessonState {
  const { e, verb, ok } = m;
  let next = s;
  if (m.tx) next = { ...next, lastSeq: m.tx.seq };
  if (verb === 'DELE' && ok) next = { ...next, marked: next.marked + 1 };
  if (verb === 'RSET' && ok) next = { ...next, marked: 0 };
  if (e.type === 'tls') next = { ...next, tls: true };
  if (e.type === 'phase' && e.to === 'TRANSACTION') next = { ...next, loggedIn: true };
  if (e.type === 'phase' && e.to === 'UPDATE') next = { ...next, updated: true };
  return next;
}

/** One event of one session: the notes it says (each concept once) and the state after it. */
export function lessonStep(
  s: LessonState,
  e: EngineEvent,
): { readonly state: LessonState; readonly notes: readonly LessonNote[] } {
  if (e.type === 'data' || e.type === 'command') return { state: s, notes: [] };
  const tx = e.type === 'transaction' ? e.tx : null;
  const m: Moment = {
    e,
    s,
    tx,
    verb: tx?.command?.verb.toUpperCase() ?? null,
    ok: tx?.response.status === '+OK',
  };
  const seq = tx ? tx.seq : e.type === 'summary' ? null : s.lastSeq;
  const notes: LessonNote[] = [];
  for (const c of CONCEPTS) {
    if (s.said.includes(c.id)) continue;
    const text = c.when(m);
    if (text !== null) notes.push({ concept: c.id, title: c.title, text, seq, t: eventEnd(e) });
  }
  const state = advance(
    notes.length > 0 ? { ...s, said: [...s.said, ...notes.map((n) => n.concept)] } : s,
    m,
  );
  return { state, notes };
}

/** The notes of every session in a list of events, by session, in order. */
export function lessonFor(events: Iterable<EngineEvent>): Map<string, LessonNote[]> {
  const states = new Map<string, LessonState>();
  const out = new Map<string, LessonNote[]>();
  for (const e of events) {
    const { state, notes } = lessonStep(states.get(e.session) ?? startLesson(), e);
    states.set(e.session, state);
    if (notes.length > 0) out.set(e.session, [...(out.get(e.session) ?? []), ...notes]);
  }
  return out;
}
