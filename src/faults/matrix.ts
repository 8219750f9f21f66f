/**
 * The matrix runner's verdict on one run (`pop3scope faults run`, docs/faults.md "The matrix runner"): from the
 * engine events of the client's sessions, how it exited and (for the embedded server) what the store held, what
 * the client did after the injected fault and whether mail was lost or duplicated. Sans-IO: events and facts in,
 * a row out; the CLI runs the client and the servers.
 */
import type { EngineEvent, SessionSummary } from '../analysis/types.js';
import type { CommandInfo } from '../protocol/types.js';
import { parseRule } from './rules.js';
import type { ActionKind } from './types.js';

/** How the client process ended. */
export interface ClientExit {
  /** Its exit status, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: string | null;
  /** pop3scope killed it because it ran past --timeout. */
  readonly timedOut: boolean;
}

/**
 * What the server's store says (the embedded server only): each maildrop opened during the run in order, with
 * the UIDs it numbered 1..n, and the UIDs the store no longer holds after the run.
 */
export interface StoreFacts {
  readonly logins: readonly { readonly user: string; readonly uids: readonly string[] }[];
  readonly removed: readonly { readonly user: string; readonly uid: string }[];
}

/** One thing the client did after the fault. */
export type Reaction =
  /** The same command again (for a greeting fault: a new connection). */
  | { readonly kind: 'retried'; readonly command: string }
  /** DELE of a message, and whether the client had received it whole by then. */
  | { readonly kind: 'deleted'; readonly message: string; readonly fullyReceived: boolean }
  | { readonly kind: 'quit' }
  /** Still running at --timeout: pop3scope killed it. */
  | { readonly kind: 'hung' }
  /** Exited non-zero without another command. */
  | { readonly kind: 'error' }
  /** Exited 0 without another command. */
  | { readonly kind: 'nothing' };

export interface MatrixRow {
  /** The rule of the run, or null for the baseline run (no fault). */
  readonly rule: string | null;
  /** "0", "1", "timeout", "killed (SIGTERM)". */
  readonly exit: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly sessions: number;
  /** How many faults were injected (0: the rule never fired). */
  readonly injected: number;
  /** The first injected fault: on which response ("RETR 1") and what the client got instead. */
  readonly fault: { readonly on: string; readonly what: string } | null;
  /** What the client did after the first injected fault (empty for the baseline, or when nothing fired). */
  readonly afterwards: readonly Reaction[];
  /** The command lines the client sent after the first injected fault (secrets redacted), at most a few. */
  readonly commandsAfter: readonly string[];
  /** Messages ("bob 1": user and number in the first session that saw them) received whole at least once. */
  readonly received: readonly string[];
  /** Messages the server removed during the run. */
  readonly removed: readonly string[];
  /** Removed without ever being received whole. */
  readonly lost: readonly string[];
  /** Received whole more than once. */
  readonly duplicated: readonly string[];
  /** Whether removals come from the store itself (embedded server) or from the transcript (the server's UPDATE). */
  readonly mailboxFrom: 'store' | 'transcript';
}

/** How many of the command lines after the fault a row keeps (a client looping on RETR would be endless). */
export const MAX_COMMANDS_AFTER = 12;

/** Actions after which the response's body is not what the server sent: a retrieval it hit is not whole. */
const SPOILS_BODY: ReadonlySet<ActionKind> = new Set<ActionKind>([
  'err',
  'cut',
  'stall',
  'drop-terminator',
  'duplicate-line',
  'bare-lf',
  'unstuff',
  'close-before-response',
  'tls-fail',
]);

function spoilsBody(rule: string): boolean {
  try {
    return SPOILS_BODY.has(parseRule(rule).action.kind);
  } catch {
    return true; // a rule we cannot read back: do not count its response as delivered whole
  }
}

/** The response name the injector gives a command ("RETR 2", "LIST", "PASS"). */
export function responseName(c: Pick<CommandInfo, 'verb' | 'args'>): string {
  return c.verb === 'PASS' || !c.args[0] ? c.verb : `${c.verb} ${c.args[0]}`;
}

interface SessionView {
  readonly id: string;
  user: string | null;
  /** UIDs by message number: from the store's login, else from the session's UIDL listing. */
  readonly uids: Map<number, string>;
  summary: SessionSummary | null;
  loggedIn: boolean;
}

const messageNumber = (c: CommandInfo): number | null => {
  const n = Number(c.args[0]);
  return Number.isInteger(n) && n >= 1 ? n : null;
};

/** Classifies one run. `events` in the order the sink received them (every session of the run). */
export function classifyRun(input: {
  readonly rule: string | null;
  readonly events: readonly EngineEvent[];
  readonly exit: ClientExit;
  readonly store?: StoreFacts | null;
}): MatrixRow {
  const { events, exit, rule } = input;
  const store = input.store ?? null;
  const sessions = new Map<string, SessionView>();
  const view = (id: string): SessionView => {
    let s = sessions.get(id);
    if (!s) {
      s = { id, user: null, uids: new Map(), summary: null, loggedIn: false };
      sessions.set(id, s);
    }
    return s;
  };
  // First pass: who logged in where (the k-th session to reach TRANSACTION opened the k-th maildrop),
  // the UIDs, the summaries, the last command for each response name (to find what a fault hit).
  let logins = 0;
  const commands = new Map<string, CommandInfo>(); // session/seq -> command
  const spoiled = new Set<string>(); // session/seq of responses a body-spoiling fault hit
  const lastByName = new Map<string, number>(); // session/name -> seq
  for (const e of events) {
    const s = view(e.session);
    if (e.type === 'phase' && e.to === 'TRANSACTION' && !s.loggedIn) {
      s.loggedIn = true;
      const login = store?.logins[logins++];
      if (login) {
        s.user = login.user;
        for (const [i, uid] of login.uids.entries()) s.uids.set(i + 1, uid);
      }
    } else if (e.type === 'command') {
      commands.set(`${e.session}/${e.seq}`, e.command);
      lastByName.set(`${e.session}/${responseName(e.command)}`, e.seq);
    } else if (e.type === 'injected' && spoilsBody(e.rule)) {
      const seq = lastByName.get(`${e.session}/${e.on}`);
      if (seq !== undefined) spoiled.add(`${e.session}/${seq}`);
    } else if (e.type === 'transaction' && e.tx.command?.verb === 'UIDL' && !store) {
      for (const line of e.tx.response.listing ?? []) {
        const [n, uid] = line.split(' ');
        if (n && uid && !s.uids.has(Number(n))) s.uids.set(Number(n), uid);
      }
    } else if (e.type === 'summary') {
      s.summary = e.summary;
      s.user ??= e.summary.user;
    }
  }

  // Messages are known by a key (user + UID when known, else user + number) and shown by a label.
  const labels = new Map<string, string>();
  const keyOf = (s: SessionView, n: number): string => {
    const user = s.user ?? '?';
    const uid = s.uids.get(n);
    const key = uid ? `${user}\u0000${uid}` : `${user}\u0000#${n}`;
    if (!labels.has(key)) labels.set(key, `${user} ${n}`);
    return key;
  };

  // Second pass, in stream order: whole receipts, what came after the first fault.
  const receipts = new Map<string, number>();
  const afterwards: Reaction[] = [];
  const commandsAfter: string[] = [];
  let injected = 0;
  let fault: { on: string; what: string; session: string; command: string | null } | null = null;
  const sessionsAfterFault = new Set<string>();
  const seen = new Set<string>();
  for (const e of events) {
    const s = view(e.session);
    if (!seen.has(e.session)) {
      seen.add(e.session);
      if (fault) sessionsAfterFault.add(e.session);
    }
    if (e.type === 'injected') {
      injected++;
      if (!fault) {
        const seq = lastByName.get(`${e.session}/${e.on}`);
        const cmd = seq === undefined ? null : commands.get(`${e.session}/${seq}`);
        fault = { on: e.on, what: e.what, session: e.session, command: cmd ? cmd.line : null };
      }
    } else if (e.type === 'transaction') {
      const verb = e.tx.command?.verb;
      const n = e.tx.command ? messageNumber(e.tx.command) : null;
      if ((verb !== 'RETR' && verb !== 'TOP') || n === null || spoiled.has(`${e.session}/${e.tx.seq}`))
        continue;
      if (e.tx.response.status !== '+OK' || !e.tx.response.complete) continue;
      // TOP counts when it brought the whole message (the engine's judgement: fewer body lines than asked).
      if (verb === 'TOP' && !(s.summary?.retrieved ?? []).includes(n)) continue;
      const key = keyOf(s, n);
      receipts.set(key, (receipts.get(key) ?? 0) + 1);
    } else if (e.type === 'command' && fault) {
      const c = e.command;
      if (commandsAfter.length < MAX_COMMANDS_AFTER) commandsAfter.push(c.line);
      if (fault.command !== null && c.line === fault.command && !has(afterwards, 'retried'))
        afterwards.push({ kind: 'retried', command: c.line });
      if (c.verb === 'DELE') {
        const n = messageNumber(c);
        const message = n === null ? c.line : (labels.get(keyOf(s, n)) ?? `${s.user} ${n}`);
        const fullyReceived = n !== null && (receipts.get(keyOf(s, n)) ?? 0) > 0;
        afterwards.push({ kind: 'deleted', message, fullyReceived });
      }
      if (c.verb === 'QUIT' && !has(afterwards, 'quit')) afterwards.push({ kind: 'quit' });
    }
  }
  // A greeting fault is "retried" when the client connected again.
  if (fault && fault.command === null && sessionsAfterFault.size > 0 && !has(afterwards, 'retried'))
    afterwards.unshift({ kind: 'retried', command: 'a new connection' });
  if (fault) {
    if (exit.timedOut) afterwards.push({ kind: 'hung' });
    else if (commandsAfter.length === 0) afterwards.push({ kind: exit.code === 0 ? 'nothing' : 'error' });
  }

  // What the server removed: the store's own word, or the UPDATEs the transcript shows.
  const removedKeys: string[] = [];
  if (store) {
    for (const r of store.removed) {
      const key = `${r.user}\u0000${r.uid}`;
      if (!labels.has(key)) labels.set(key, labelFromLogins(store, r.user, r.uid));
      removedKeys.push(key);
    }
  } else {
    for (const s of sessions.values())
      for (const n of s.summary?.removed ?? []) removedKeys.push(keyOf(s, n));
  }
  const label = (key: string) => labels.get(key) ?? key;
  const lost = removedKeys.filter((k) => !receipts.has(k));
  const duplicated = [...receipts].filter(([, count]) => count > 1).map(([k]) => k);
  return {
    rule,
    exit: exitText(exit),
    exitCode: exit.code,
    signal: exit.signal,
    timedOut: exit.timedOut,
    sessions: sessions.size,
    injected,
    fault: fault ? { on: fault.on, what: fault.what } : null,
    afterwards,
    commandsAfter,
    received: [...receipts.keys()].map(label),
    removed: removedKeys.map(label),
    lost: lost.map(label),
    duplicated: duplicated.map(label),
    mailboxFrom: store ? 'store' : 'transcript',
  };
}

const has = (list: readonly Reaction[], kind: Reaction['kind']) => list.some((r) => r.kind === kind);

function labelFromLogins(store: StoreFacts, user: string, uid: string): string {
  for (const login of store.logins) {
    const i = login.uids.indexOf(uid);
    if (login.user === user && i >= 0) return `${user} ${i + 1}`;
  }
  return `${user} ${uid}`;
}

export function exitText(exit: ClientExit): string {
  if (exit.timedOut) return 'timeout';
  if (exit.code !== null) return String(exit.code);
  return `killed (${exit.signal ?? 'signal'})`;
}

/** What the client did after the fault, in words ("retried RETR 1, deleted bob 1 (received whole), quit"). */
export function describeReactions(row: MatrixRow): string {
  if (row.rule === null) return describeBaseline(row);
  if (row.injected === 0) return 'rule never fired';
  return row.afterwards
    .map((r) => {
      switch (r.kind) {
        case 'retried':
          return `retried (${r.command})`;
        case 'deleted':
          return `deleted ${r.message}${r.fullyReceived ? '' : ' NOT received whole'}`;
        case 'quit':
          return 'quit';
        case 'hung':
          return 'hung until timeout';
        case 'error':
          return 'reported an error';
        default:
          return 'nothing';
      }
    })
    .join(', ');
}

function describeBaseline(row: MatrixRow): string {
  const parts = [
    `received ${row.received.length === 0 ? 'nothing' : row.received.join(', ')}`,
    ...(row.removed.length > 0 ? [`removed ${row.removed.join(', ')}`] : []),
  ];
  return `baseline: ${parts.join('; ')}`;
}

/** The mail column: "ok", or what was lost and duplicated. */
export function describeMail(row: MatrixRow): string {
  const parts = [
    ...(row.lost.length > 0 ? [`LOST ${row.lost.join(', ')}`] : []),
    ...(row.duplicated.length > 0 ? [`duplicated ${row.duplicated.join(', ')}`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : 'ok';
}
