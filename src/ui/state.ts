/**
 * The dashboard's screen state: what the reducer (reducer.ts) builds from engine events and keys, and what
 * the views (view.ts) turn into lines. Plain immutable data: no blessed, no I/O, no clock. Bodies are never
 * held, only previews; every list is capped (limits.ts).
 */
import type { LessonNote, LessonState } from '../analysis/lesson.js';
import type { ClientMode, CommandInfo, EngineEvent, Phase, Response, Violation } from '../analysis/types.js';
import type { SessionEnd, SessionStart } from '../events.js';
import type { ReplayStatus } from '../replay/timeline.js';

export type PaneId = 'sessions' | 'transcript' | 'mailbox' | 'detail';

/** Tab order. */
export const PANES: readonly PaneId[] = ['sessions', 'transcript', 'mailbox', 'detail'];

export { PHASES } from '../protocol/commands.js';

/** The engine's response facts the dashboard shows as they are (the rest of TxView is its own digest). */
type ResponseFacts = Pick<
  Response,
  'status' | 'code' | 'text' | 'multiline' | 'bodyOctets' | 'bodyLines' | 'complete'
>;

/** A transaction as the dashboard keeps it: previews instead of bodies, capped lists. */
export interface TxView extends ResponseFacts {
  readonly seq: number;
  readonly phase: Phase;
  /** The command as the engine gave it, less its arguments and time (the line shows them). */
  readonly command: Pick<CommandInfo, 'verb' | 'line' | 'pipelined' | 'octets'> | null;
  /** RETR/TOP: the first lines of the body. */
  readonly preview?: readonly string[];
  /** Listings: the first lines, and how many there were. */
  readonly listing?: readonly string[];
  readonly listingTotal?: number;
  readonly sasl?: {
    readonly mechanism: string;
    readonly outcome: string | null;
    readonly user?: string;
    readonly steps: readonly { readonly from: 'client' | 'server'; readonly text: string }[];
    readonly stepsTotal: number;
  };
  readonly latencyMs: number | null;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly explain: string;
  readonly rfc: string;
  readonly violations: readonly Violation[];
  readonly violationsTotal: number;
}

/** One line of a session's story, in order. `id` is stable: the cursor and expansion refer to it. */
export type Entry =
  | { readonly kind: 'tx'; readonly id: number; readonly tx: TxView }
  | {
      readonly kind: 'phase';
      readonly id: number;
      readonly to: Phase;
      readonly at: number;
      readonly reason: string;
    }
  | { readonly kind: 'violation'; readonly id: number; readonly t: number; readonly violation: Violation }
  | {
      readonly kind: 'tls';
      readonly id: number;
      readonly t: number;
      readonly how: string;
      readonly visibility: string;
    }
  /**
   * Something pop3scope itself did on the wire (its own -ERR, bytes it kept from a side, a fault it injected:
   * `injected`), as shown lines.
   */
  | {
      readonly kind: 'own';
      readonly id: number;
      readonly t: number;
      readonly lines: readonly string[];
      readonly injected?: true;
    }
  | { readonly kind: 'end'; readonly id: number; readonly t: number; readonly reason: string };

/** A message of the maildrop as the dashboard derived it from the transactions (and the summary at the end). */
export interface MessageRow {
  readonly n: number;
  readonly size?: number;
  readonly uid?: string;
  readonly retrieved: boolean;
  readonly marked: boolean;
  readonly removed: boolean;
}

export interface SessionView {
  readonly id: string;
  readonly client: string | null;
  readonly upstream: string | null;
  /** The user name (never a password): from USER, APOP, a SASL exchange, or the summary. */
  readonly user: string | null;
  readonly auth: string | null;
  readonly tls: string;
  readonly phases: readonly { readonly phase: Phase; readonly at: number }[];
  readonly commands: number;
  readonly bytes: { readonly c2s: number; readonly s2c: number };
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly live: boolean;
  readonly closeReason: string | null;
  readonly mode: ClientMode | null;
  readonly violations: number;
  /** Faults pop3scope injected into the session (--fault): the session list marks them (⚡N). */
  readonly injected: number;
  readonly codes: Readonly<Record<string, number>>;
  readonly verbs: Readonly<Record<string, number>>;
  readonly entries: readonly Entry[];
  /** Entries dropped from the front (MAX_ENTRIES_PER_SESSION). */
  readonly droppedEntries: number;
  readonly nextId: number;
  /**
   * Commands sent whose response has not completed, with what each asks (analysis/explain.ts explainAsk): the
   * detail a step-through shows before the answer.
   */
  readonly pending: readonly {
    readonly seq: number;
    readonly line: string;
    readonly at: number;
    readonly ask: string;
  }[];
  readonly mailbox: readonly MessageRow[];
  /** Messages beyond MAX_MAILBOX_ROWS, not shown. */
  readonly mailboxCut: number;
  /** The server said how many messages there are (STAT, or a complete full LIST/UIDL), even if none. */
  readonly mailboxKnown: boolean;
  /** The last STAT: count and octets. */
  readonly stat: { readonly count: number; readonly octets: number } | null;
  /** The lesson (analysis/lesson.ts): what this session has shown so far, and the notes said (one per concept). */
  readonly lesson: LessonState;
  readonly notes: readonly LessonNote[];
}

/**
 * How a person connects, shown on screen as long as the dashboard runs (demo and proxy). The demo's users and
 * passwords are its public teaching accounts: the dashboard draws them on the terminal only, never into a
 * capture, a log or an export.
 */
export interface ConnectInfo {
  readonly host: string;
  readonly port: number;
  readonly users?: readonly { readonly name: string; readonly password: string; readonly messages: number }[];
  /** demo --tls: the server offers STLS with a certificate of this CA (curl needs --cacert). */
  readonly caPath?: string | null;
}

/** The command a built-in client sends at the next space (demo --play --step), shown with what it asks. */
export interface NextCommand {
  /** As shown: secrets already replaced ("PASS <redacted 6 octets>"). */
  readonly line: string;
  readonly ask: string;
}

/** Teaching pace (key p): the follow cursor moves at most one transaction per `everyMs` of wall time. */
export interface Pace {
  readonly everyMs: number;
  /** Wall time of the last step. */
  readonly lastAt: number;
}

/** The replay player's status as the status line shows it (speed 0 plays as fast as possible). */
export interface ReplayView extends Omit<ReplayStatus, 'sessions'> {
  readonly file: string;
}

/** The session data, apart from how it is looked at (so a live pause can freeze it cheaply). */
export interface SessionsData {
  readonly sessions: readonly SessionView[];
  /** Ended sessions dropped (MAX_ENDED_SESSIONS). */
  readonly hidden: number;
}

export interface DashboardState {
  readonly mode: 'live' | 'replay';
  readonly data: SessionsData;
  /** Live pause: the data as it was when paused (the live data keeps flowing underneath). */
  readonly frozen: SessionsData | null;
  readonly selected: string | null;
  /** The transcript entry under the cursor, or null to track the newest entry. */
  readonly cursor: number | null;
  /** Expanded entries, as "session#id". */
  readonly expanded: readonly string[];
  readonly focus: PaneId;
  /** Follow the newest session and its newest entry. */
  readonly follow: boolean;
  readonly paused: boolean;
  /** The applied filter ('' for none). */
  readonly filter: string;
  /** The filter being typed after `/`, or null. */
  readonly editing: string | null;
  readonly help: boolean;
  readonly scroll: { readonly mailbox: number; readonly detail: number };
  /** The clock the durations and the throughput are measured with (the capture's clock in replay). */
  readonly now: number;
  readonly totals: { readonly c2s: number; readonly s2c: number };
  readonly samples: readonly { readonly t: number; readonly bytes: number }[];
  readonly capture: string | null;
  /** Where the logs go, for the status line. */
  readonly logs: string | null;
  /** Shown while there is no session yet: where clients should connect. */
  readonly hint: string | null;
  /** Lines others wrote to stdout/stderr while the screen was up. */
  readonly messages: readonly { readonly t: number; readonly text: string }[];
  readonly replay: ReplayView | null;
  readonly quitting: boolean;
  /**
   * What the program running the dashboard says to the class (Dashboard.showNote: e.g. the demo player's "office:
   * got 1, 2"): on screen until the next note or quit, whatever the lesson toggle says.
   */
  readonly note: Note | null;
  readonly connect: ConnectInfo | null;
  /** The lesson pane is shown (key t). */
  readonly lesson: boolean;
  /** Explanations inline under each transaction in the transcript (key e). */
  readonly inline: boolean;
  readonly pace: Pace | null;
  /** The wall clock at the last tick (teaching pace is measured in wall time, also in a replay). */
  readonly wall: number;
  /** Live: space asks the program for its next step (demo --play --step) instead of pausing. */
  readonly stepping: boolean;
  /** demo --play --step: the command waiting for space (Dashboard.showNext), or null. */
  readonly next: NextCommand | null;
}

/** A note: a title and its lines, capped (limits.ts MAX_NOTE_LINES, MAX_TEXT_CHARS). */
export interface Note {
  readonly title: string;
  readonly lines: readonly string[];
}

export interface DashboardSetup {
  readonly mode: 'live' | 'replay';
  readonly now: number;
  readonly capture?: string | null;
  readonly logs?: string | null;
  readonly hint?: string | null;
  readonly replay?: { readonly file: string; readonly speed: number; readonly step: boolean };
  readonly connect?: ConnectInfo | null;
  /** The lesson pane at start (demo: on; proxy and replay: --lesson). */
  readonly lesson?: boolean;
  /** Explanations inline at start. */
  readonly inline?: boolean;
  /** Teaching pace at start: milliseconds per step, or null/undefined for off. */
  readonly paceMs?: number | null;
  /** Live: space asks for the next step (demo --play --step); a replay's step mode is `replay.step`. */
  readonly step?: boolean;
}

export function initialState(o: DashboardSetup): DashboardState {
  return {
    mode: o.mode,
    data: { sessions: [], hidden: 0 },
    frozen: null,
    selected: null,
    cursor: null,
    expanded: [],
    focus: 'sessions',
    follow: true,
    paused: false,
    filter: '',
    editing: null,
    help: false,
    scroll: { mailbox: 0, detail: 0 },
    now: o.now,
    totals: { c2s: 0, s2c: 0 },
    samples: [],
    capture: o.capture ?? null,
    logs: o.logs ?? null,
    hint: o.hint ?? null,
    messages: [],
    replay: o.replay ? { ...o.replay, paused: false, done: false, records: 0, at: null } : null,
    quitting: false,
    note: null,
    connect: o.connect ?? null,
    lesson: o.lesson ?? false,
    inline: o.inline ?? false,
    pace: o.paceMs ? { everyMs: o.paceMs, lastAt: o.now } : null,
    wall: o.now,
    stepping: o.step ?? false,
    next: null,
  };
}

/** Everything that changes the screen state. */
export type Action =
  | { readonly type: 'open'; readonly start: SessionStart }
  | { readonly type: 'event'; readonly event: EngineEvent }
  | { readonly type: 'close'; readonly end: SessionEnd }
  /** `wall`: the wall clock (Date.now), when the dashboard's clock is a capture's. */
  | { readonly type: 'tick'; readonly now: number; readonly wall?: number }
  /** Move in the focused pane: ±1 a row, ±page, or ±Infinity to either end. */
  | { readonly type: 'move'; readonly delta: number }
  | { readonly type: 'focus'; readonly delta: 1 | -1 }
  | { readonly type: 'expand' }
  | { readonly type: 'filterStart' }
  | { readonly type: 'filterInput'; readonly text: string }
  | { readonly type: 'filterCommit' }
  | { readonly type: 'filterCancel' }
  | { readonly type: 'follow' }
  | { readonly type: 'pause' }
  | { readonly type: 'step' }
  | { readonly type: 'speed'; readonly faster: boolean }
  | { readonly type: 'help' }
  | { readonly type: 'lesson' }
  /** Where clients connect, once the listener is bound (the proxy learns its port only then). */
  | { readonly type: 'connect'; readonly connect: ConnectInfo | null }
  | { readonly type: 'inline' }
  | { readonly type: 'pace' }
  | { readonly type: 'quit' }
  | { readonly type: 'replay'; readonly status: Partial<Omit<ReplayView, 'file'>> }
  | { readonly type: 'message'; readonly t: number; readonly text: string }
  /** The command a built-in client sends at the next space, or null once it is sent (Dashboard.showNext). */
  | { readonly type: 'next'; readonly next: NextCommand | null }
  /** A note to show until the next one (Dashboard.showNote). */
  | { readonly type: 'note'; readonly title: string; readonly lines: readonly string[] };

/** The data the screen shows: frozen while paused live. */
export function shown(s: DashboardState): SessionsData {
  return s.frozen ?? s.data;
}
