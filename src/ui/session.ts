/**
 * One session's part of the reducer: engine events in, a new SessionView out. Keeps previews, not bodies;
 * caps every list (limits.ts) and counts what it drops. Pure.
 */
import { explainAsk } from '../analysis/explain.js';
import { lessonStep, startLesson } from '../analysis/lesson.js';
import type { EngineEvent, Transaction } from '../analysis/types.js';
import type { SessionStart } from '../events.js';
import { actionLines, printable } from '../render/text.js';
import {
  MAX_ENTRIES_ENDED,
  MAX_ENTRIES_PER_SESSION,
  MAX_LISTING_LINES,
  MAX_PENDING,
  MAX_PREVIEW_LINE_CHARS,
  MAX_PREVIEW_LINES,
  MAX_SASL_STEPS,
  MAX_TEXT_CHARS,
  MAX_TX_VIOLATIONS,
  MAX_VERBS,
} from './limits.js';
import { applySummary, applyTransaction, type MailboxModel } from './mailbox.js';
import type { Entry, SessionView, TxView } from './state.js';

const clip = (s: string, max = MAX_TEXT_CHARS) => (s.length > max ? `${s.slice(0, max)}…` : s);

/** A fresh session, from the proxy's open hook or from the first event of a session we never saw open. */
export function newSession(id: string, t: number, start?: SessionStart): SessionView {
  return {
    id,
    client: start?.client ?? null,
    upstream: start?.upstream ?? null,
    user: null,
    auth: null,
    tls: start?.tls ?? 'none',
    phases: [],
    commands: 0,
    bytes: { c2s: 0, s2c: 0 },
    startedAt: t,
    endedAt: null,
    live: true,
    closeReason: null,
    mode: null,
    violations: 0,
    injected: 0,
    codes: {},
    verbs: {},
    entries: [],
    droppedEntries: 0,
    nextId: 1,
    pending: [],
    mailbox: [],
    mailboxCut: 0,
    mailboxKnown: false,
    stat: null,
    lesson: startLesson(start !== undefined && start.tls !== 'none'),
    notes: [],
  };
}

/** What the dashboard keeps of a transaction: no body, capped lists, printable text. */
export function txView(tx: Transaction): TxView {
  const r = tx.response;
  const preview =
    r.preview === undefined
      ? undefined
      : r.preview
          .split(/\r?\n/)
          .slice(0, MAX_PREVIEW_LINES)
          .map((l) => clip(printable(l), MAX_PREVIEW_LINE_CHARS));
  return {
    seq: tx.seq,
    phase: tx.phase,
    command: tx.command
      ? {
          verb: tx.command.verb,
          line: clip(printable(tx.command.line)),
          pipelined: tx.command.pipelined,
          octets: tx.command.octets,
        }
      : null,
    status: r.status,
    code: r.code,
    text: clip(printable(r.text)),
    multiline: r.multiline,
    bodyOctets: r.bodyOctets,
    bodyLines: r.bodyLines,
    complete: r.complete,
    ...(preview ? { preview } : {}),
    ...(r.listing
      ? {
          listing: r.listing
            .slice(0, MAX_LISTING_LINES)
            .map((l) => clip(printable(l), MAX_PREVIEW_LINE_CHARS)),
          listingTotal: r.listing.length,
        }
      : {}),
    ...(tx.sasl
      ? {
          sasl: {
            mechanism: tx.sasl.mechanism,
            outcome: tx.sasl.outcome,
            ...(tx.sasl.user !== undefined ? { user: clip(printable(tx.sasl.user)) } : {}),
            steps: tx.sasl.steps
              .slice(0, MAX_SASL_STEPS)
              .map((s) => ({ from: s.from, text: clip(printable(s.text)) })),
            stepsTotal: tx.sasl.steps.length,
          },
        }
      : {}),
    latencyMs: tx.latencyMs,
    startedAt: tx.startedAt,
    endedAt: tx.endedAt,
    explain: clip(tx.explain),
    rfc: tx.rfc,
    violations: tx.violations.slice(0, MAX_TX_VIOLATIONS),
    violationsTotal: tx.violations.length,
  };
}

function push(
  s: SessionView,
  make: (id: number) => Entry,
): Pick<SessionView, 'entries' | 'droppedEntries' | 'nextId'> {
  const entry = make(s.nextId);
  const over = s.entries.length + 1 - MAX_ENTRIES_PER_SESSION;
  const kept = over > 0 ? s.entries.slice(over) : s.entries;
  return {
    entries: [...kept, entry],
    droppedEntries: s.droppedEntries + Math.max(0, over),
    nextId: s.nextId + 1,
  };
}

function countCodes(
  codes: Readonly<Record<string, number>>,
  list: readonly { code: string }[],
): Readonly<Record<string, number>> {
  if (list.length === 0) return codes;
  const out = { ...codes };
  for (const v of list) out[v.code] = (out[v.code] ?? 0) + 1;
  return out;
}

/** The user name a transaction reveals (names only, never secrets), as the summary learns it. */
function userOf(tx: Transaction): string | null {
  const verb = tx.command?.verb;
  if ((verb === 'USER' || verb === 'APOP') && tx.command!.args[0])
    return clip(printable(tx.command!.args[0]), 100);
  if (tx.sasl?.user) return clip(printable(tx.sasl.user), 100);
  return null;
}

const model = (s: SessionView): MailboxModel => ({
  rows: s.mailbox,
  cut: s.mailboxCut,
  stat: s.stat,
  known: s.mailboxKnown,
});
const fromModel = (
  m: MailboxModel,
): Pick<SessionView, 'mailbox' | 'mailboxCut' | 'stat' | 'mailboxKnown'> => ({
  mailbox: m.rows,
  mailboxCut: m.cut,
  stat: m.stat,
  mailboxKnown: m.known,
});

/** The session after one engine event, with what the lesson says about it (at most one note per concept). */
export function applySessionEvent(s: SessionView, e: EngineEvent): SessionView {
  const next = applyEvent(s, e);
  if (e.type === 'data' || e.type === 'command') return next;
  const { state, notes } = lessonStep(s.lesson, e);
  return { ...next, lesson: state, notes: notes.length > 0 ? [...s.notes, ...notes] : s.notes };
}

function applyEvent(s: SessionView, e: EngineEvent): SessionView {
  switch (e.type) {
    case 'data':
      return { ...s, bytes: { ...s.bytes, [e.dir]: s.bytes[e.dir] + e.bytes.length } };
    case 'command': {
      const verb = e.command.verb;
      const verbs =
        verb in s.verbs || Object.keys(s.verbs).length < MAX_VERBS
          ? { ...s.verbs, [verb]: (s.verbs[verb] ?? 0) + 1 }
          : s.verbs;
      const pending = [
        ...s.pending,
        {
          seq: e.seq,
          line: clip(printable(e.command.line), 200),
          at: e.command.at,
          ask: clip(printable(explainAsk(e.command))),
        },
      ].slice(-MAX_PENDING);
      return { ...s, commands: s.commands + 1, verbs, pending };
    }
    case 'transaction': {
      const tx = e.tx;
      const before = model(s);
      const mailbox = applyTransaction(before, tx);
      return {
        ...s,
        ...push(s, (id) => ({ kind: 'tx', id, tx: txView(tx) })),
        pending: s.pending.filter((p) => p.seq > tx.seq),
        user: userOf(tx) ?? s.user,
        violations: s.violations + tx.violations.length,
        codes: countCodes(s.codes, tx.violations),
        ...(mailbox === before ? {} : fromModel(mailbox)),
      };
    }
    case 'phase':
      return {
        ...s,
        phases: [...s.phases, { phase: e.to, at: e.at }].slice(-8),
        ...push(s, (id) => ({ kind: 'phase', id, to: e.to, at: e.at, reason: clip(e.reason) })),
      };
    case 'violation':
      return {
        ...s,
        violations: s.violations + 1,
        codes: countCodes(s.codes, [e.violation]),
        ...push(s, (id) => ({ kind: 'violation', id, t: e.t, violation: e.violation })),
      };
    case 'tls':
      return {
        ...s,
        tls: `${e.info.how}${e.info.visibility === 'opaque' ? ' (opaque)' : ''}`,
        ...push(s, (id) => ({ kind: 'tls', id, t: e.t, how: e.info.how, visibility: e.info.visibility })),
      };
    case 'proxy':
    case 'alter':
      // The same lines as the live transcript and show; the violation, if any, comes as its own event.
      return {
        ...s,
        ...push(s, (id) => ({ kind: 'own', id, t: e.t, lines: actionLines(e).map((l) => clip(l)) })),
      };
    case 'injected':
      // pop3scope's own doing too, marked as a fault it injected and counted for the session list.
      return {
        ...s,
        injected: s.injected + 1,
        ...push(s, (id) => ({
          kind: 'own',
          id,
          t: e.t,
          lines: actionLines(e).map((l) => clip(l)),
          injected: true,
        })),
      };
    case 'summary': {
      const m = e.summary;
      const codes = m.violations;
      const ended = push(s, (id) => ({
        kind: 'end',
        id,
        t: m.endedAt,
        reason: clip(m.closeReason ?? 'the session ended'),
      }));
      // An ended session keeps its last entries only: the outcome is there, the capture has the rest.
      const trim = Math.max(0, ended.entries.length - MAX_ENTRIES_ENDED);
      return {
        ...s,
        ...ended,
        entries: trim > 0 ? ended.entries.slice(trim) : ended.entries,
        droppedEntries: ended.droppedEntries + trim,
        client: s.client ?? m.client,
        upstream: s.upstream ?? m.upstream,
        user: m.user !== null ? clip(printable(m.user), 100) : s.user,
        auth: m.auth,
        tls: m.tls,
        phases: m.phases.slice(-8),
        commands: m.commands,
        bytes: m.bytes,
        startedAt: m.startedAt,
        endedAt: m.endedAt,
        live: false,
        closeReason: m.closeReason,
        mode: m.mode,
        violations: Object.values(codes).reduce((a, b) => a + b, 0),
        injected: m.injected ?? s.injected,
        codes,
        pending: [],
        ...fromModel(applySummary(model(s), m)),
      };
    }
  }
}

/** The session after the proxy's close hook (normally after its summary: only fills what is missing). */
export function applySessionClose(s: SessionView, t: number, reason: string): SessionView {
  if (!s.live) return s;
  return { ...s, live: false, endedAt: t, closeReason: s.closeReason ?? reason, pending: [] };
}
