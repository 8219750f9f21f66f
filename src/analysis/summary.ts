/** The session summary: who, how, what happened to the mail, what went wrong. Secrets never enter it. */
import type { Phase, RawTransaction } from '../protocol/types.js';
import type { Violation } from '../protocol/violations.js';
import type { Mailbox } from './mailbox.js';
import type { ClientMode, SessionSummary } from './types.js';

/** Facts gathered while the session runs; the summary is computed from them at the end. */
export class SummaryFacts {
  user: string | null = null;
  auth: string | null = null;
  tls: SessionSummary['tls'] = 'none';
  readonly phases: { phase: Phase; at: number }[] = [];
  readonly violations: Record<string, number> = {};
  readonly bytes = { c2s: 0, s2c: 0 };
  commands = 0;
  /** Faults injected (a --fault rule fired). */
  injected = 0;
  startedAt: number | null = null;
  lastAt = 0;

  seen(t: number): void {
    if (this.startedAt === null) this.startedAt = t;
    if (t > this.lastAt) this.lastAt = t;
  }

  count(v: Violation): void {
    this.violations[v.code] = (this.violations[v.code] ?? 0) + 1;
  }

  /** Learns the user and the login method from a transaction (names only, never secrets). */
  learn(tx: RawTransaction): void {
    const verb = tx.command?.verb;
    if (verb === 'USER' && tx.command!.args[0]) this.user = tx.command!.args[0];
    if (verb === 'APOP' && tx.command!.args[0]) this.user = tx.command!.args[0];
    if (tx.sasl?.user) this.user = tx.sasl.user;
    if (tx.response.status !== '+OK' || tx.phase !== 'AUTHORIZATION') return;
    if (verb === 'PASS') this.auth = 'USER/PASS';
    if (verb === 'APOP') this.auth = 'APOP';
    if (verb === 'AUTH' && tx.sasl) this.auth = `SASL ${tx.sasl.mechanism}`;
  }
}

function modeOf(retrieved: number[], marked: number[]): ClientMode {
  if (retrieved.length === 0) return 'other';
  if (marked.length === 0) return 'download-and-keep';
  return marked.every((n) => retrieved.includes(n)) ? 'download-and-delete' : 'other';
}

export function summarize(
  session: string,
  facts: SummaryFacts,
  box: Mailbox,
  open: { client: string | null; upstream: string | null },
  close: { t: number; by: string | null; reason: string | null },
): SessionSummary {
  const retrieved = box.numbers((m) => m.retrieved);
  const marked = box.numbers((m) => m.marked);
  const removed = box.numbers((m) => m.removed);
  const discarded = box.updated ? [] : marked;
  const startedAt = facts.startedAt ?? close.t;
  const endedAt = Math.max(close.t, facts.lastAt);
  return {
    session,
    client: open.client,
    upstream: open.upstream,
    user: facts.user,
    auth: facts.auth,
    tls: facts.tls,
    phases: facts.phases,
    mode: modeOf(retrieved, marked),
    commands: facts.commands,
    retrieved,
    marked,
    removed,
    discarded,
    violations: facts.violations,
    bytes: facts.bytes,
    startedAt,
    endedAt,
    durationMs: endedAt - startedAt,
    closedBy: close.by,
    closeReason: close.reason,
    // Only when faults were injected: every summary of a session without them stays as it always was.
    ...(facts.injected > 0 ? { injected: facts.injected } : {}),
  };
}
