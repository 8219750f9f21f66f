/**
 * The `/` filter: one term, matched case-insensitively against a session's user, id and client, the command
 * verbs it sent, and the violation codes it drew. In the transcript, when the term names a command or a code,
 * only the matching transactions and violations are listed; when it matched the session by user, id or client,
 * the whole transcript is. Pure.
 */
import type { Entry, SessionView } from './state.js';

const has = (text: string | null, term: string) => text?.toUpperCase().includes(term) ?? false;

/** Whether an entry is a transaction of a matching command, or carries a matching violation code. */
export function entryMatches(e: Entry, term: string): boolean {
  const t = term.toUpperCase();
  if (e.kind === 'tx')
    return has(e.tx.command?.verb ?? null, t) || e.tx.violations.some((v) => has(v.code, t));
  if (e.kind === 'violation') return has(e.violation.code, t);
  return false;
}

export function sessionMatches(s: SessionView, term: string): boolean {
  if (term === '') return true;
  const t = term.toUpperCase();
  return (
    has(s.user, t) ||
    has(s.id, t) ||
    has(s.client, t) ||
    Object.keys(s.verbs).some((v) => has(v, t)) ||
    Object.keys(s.codes).some((c) => has(c, t))
  );
}

export function visibleSessions(sessions: readonly SessionView[], term: string): readonly SessionView[] {
  return term === '' ? sessions : sessions.filter((s) => sessionMatches(s, term));
}

/** The transcript entries shown for a session under the filter. */
export function visibleEntries(s: SessionView, term: string): readonly Entry[] {
  if (term === '') return s.entries;
  const matching = s.entries.filter((e) => entryMatches(e, term));
  return matching.length > 0 ? matching : s.entries;
}
