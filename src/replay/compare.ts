/**
 * Compares a recorded session with its replay against a new server, transaction by transaction, from the
 * engine's events only (bodies by SHA-256 digest, so no private content is ever printed). Pure.
 *
 * The rules (docs/replay.md): a difference in status, response code, the data a status line carries
 * (STAT, LIST n, UIDL n), listings (LIST, UIDL; CAPA as a set, without IMPLEMENTATION), body size, lines and
 * digest, completeness, the phase a command ran in, SASL outcome, violation codes, phase changes or the
 * mailbox facts of the summary makes the sessions NOT equivalent. Greeting text (host names, APOP
 * timestamps), SASL challenges, free status text ("Logged in."), timing and who closed are expected to differ:
 * text differences are shown as notes, the rest is ignored.
 */

import type { EngineEvent, SessionSummary, Transaction } from '../analysis/types.js';
import { counted } from '../words.js';

export type RowKind = 'same' | 'changed' | 'missing' | 'extra';

export interface Row {
  readonly kind: RowKind;
  /** "#4 RETR 1" (the recorded numbering; extras use the new one). */
  readonly label: string;
  /** What makes it not equivalent. */
  readonly changes: readonly string[];
  /** Differences that are expected and do not count. */
  readonly notes: readonly string[];
}

export interface Comparison {
  readonly rows: readonly Row[];
  /** Session-level differences: phase changes, session violations, summary facts. */
  readonly session: readonly string[];
  readonly equivalent: boolean;
}

interface Facts {
  readonly txs: Transaction[];
  readonly phases: string[];
  readonly violations: string[];
  readonly summary: SessionSummary | null;
}

function factsOf(events: readonly EngineEvent[]): Facts {
  const txs: Transaction[] = [];
  const phases: string[] = [];
  const violations: string[] = [];
  let summary: SessionSummary | null = null;
  for (const e of events) {
    if (e.type === 'transaction') txs.push(e.tx);
    else if (e.type === 'phase') phases.push(e.to);
    else if (e.type === 'violation') violations.push(e.violation.code);
    else if (e.type === 'summary') summary = e.summary;
  }
  return { txs, phases, violations, summary };
}

/** What pairs transactions: the greeting, or the verb with its arguments; credentials do not count. */
function key(tx: Transaction): string {
  const c = tx.command;
  if (!c) return tx.seq === 0 ? 'greeting' : 'unsolicited';
  if (c.verb === 'USER' || c.verb === 'PASS' || c.verb === 'APOP') return c.verb;
  if (c.verb === 'AUTH') return `AUTH ${(c.args[0] ?? '').toUpperCase()}`;
  return [c.verb, ...c.args].join(' ');
}

function label(tx: Transaction): string {
  if (!tx.command) return `#${tx.seq} ${tx.seq === 0 ? 'greeting' : 'data nobody asked for'}`;
  return `#${tx.seq} ${tx.command.line}`;
}

/** Verbs whose +OK status line carries data, not free text (RFC 1939 §5). */
const DATA_TEXT = (tx: Transaction) => {
  const c = tx.command;
  return (
    c !== null && (c.verb === 'STAT' || ((c.verb === 'LIST' || c.verb === 'UIDL') && c.args.length === 1))
  );
};

const show = (v: unknown) =>
  v === null || v === undefined ? '—' : typeof v === 'string' ? JSON.stringify(v) : String(v);

function differ(what: string, a: unknown, b: unknown, out: string[]): void {
  if (a !== b) out.push(`${what} ${show(a)} → ${show(b)}`);
}

/** CAPA: a set of capabilities, the IMPLEMENTATION line (a version string) left out. */
function listingOf(tx: Transaction): string[] | undefined {
  const listing = tx.response.listing;
  if (!listing || tx.command?.verb !== 'CAPA') return listing ? [...listing] : undefined;
  return listing
    .filter((l) => !/^IMPLEMENTATION\b/i.test(l))
    .map((l) => l.toUpperCase())
    .sort();
}

function compareListing(a: Transaction, b: Transaction, out: string[]): void {
  const la = listingOf(a);
  const lb = listingOf(b);
  if (la === undefined && lb === undefined) return;
  if (JSON.stringify(la) === JSON.stringify(lb)) return;
  const gone = (la ?? []).filter((l) => !(lb ?? []).includes(l));
  const added = (lb ?? []).filter((l) => !(la ?? []).includes(l));
  const parts = [
    gone.length ? `without ${gone.slice(0, 5).map(show).join(', ')}` : '',
    added.length ? `with ${added.slice(0, 5).map(show).join(', ')}` : '',
  ];
  out.push(
    `listing differs (${la?.length ?? 0} → ${lb?.length ?? 0} lines${parts.some(Boolean) ? `; ${parts.filter(Boolean).join('; ')}` : ', in another order'})`,
  );
}

/** The changes and notes between a recorded transaction and its replay. */
export function compareTransactions(a: Transaction, b: Transaction): { changes: string[]; notes: string[] } {
  const changes: string[] = [];
  const notes: string[] = [];
  const ra = a.response;
  const rb = b.response;
  differ('status', ra.status, rb.status, changes);
  differ('response code', ra.code, rb.code, changes);
  if (ra.text !== rb.text) {
    if (DATA_TEXT(a) && ra.status === '+OK') changes.push(`status text ${show(ra.text)} → ${show(rb.text)}`);
    else if (a.command !== null) notes.push(`text ${show(ra.text)} → ${show(rb.text)}`);
  }
  if (ra.multiline || rb.multiline) {
    compareListing(a, b, changes);
    if (!ra.listing && !rb.listing) {
      differ('body octets', ra.bodyOctets, rb.bodyOctets, changes);
      differ('body lines', ra.bodyLines, rb.bodyLines, changes);
      if (ra.digest && rb.digest && ra.digest !== rb.digest) {
        changes.push(
          ra.bodyOctets === rb.bodyOctets
            ? 'body digest differs (same size, other content)'
            : 'body digest differs',
        );
      }
    }
  }
  differ('complete', ra.complete, rb.complete, changes);
  differ('phase', a.phase, b.phase, changes);
  if (a.sasl || b.sasl) differ('SASL outcome', a.sasl?.outcome ?? null, b.sasl?.outcome ?? null, changes);
  const va = [...new Set(a.violations.map((v) => v.code))].sort().join(', ');
  const vb = [...new Set(b.violations.map((v) => v.code))].sort().join(', ');
  if (va !== vb) changes.push(`violations [${va}] → [${vb}]`);
  return { changes, notes };
}

/** Pairs the two sequences in order; an unpaired transaction is missing (recorded only) or extra (new only). */
function align(a: Transaction[], b: Transaction[]): [Transaction | null, Transaction | null][] {
  const pairs: [Transaction | null, Transaction | null][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (!x || !y) {
      pairs.push(x ? [x, null] : [null, y!]);
      if (x) i++;
      else j++;
      continue;
    }
    if (key(x) === key(y)) {
      pairs.push([x, y]);
      i++;
      j++;
      continue;
    }
    // Resynchronise on the nearer match: skip what one side has and the other lacks.
    const inB = b.slice(j).findIndex((t) => key(t) === key(x));
    const inA = a.slice(i).findIndex((t) => key(t) === key(y));
    if (inB === -1 || (inA !== -1 && inA < inB)) {
      pairs.push([x, null]);
      i++;
    } else {
      pairs.push([null, y]);
      j++;
    }
  }
  return pairs;
}

const list = (ns: readonly number[] | undefined) => `[${(ns ?? []).join(', ')}]`;

export function compareSessions(
  recorded: readonly EngineEvent[],
  replayed: readonly EngineEvent[],
): Comparison {
  const a = factsOf(recorded);
  const b = factsOf(replayed);
  const rows: Row[] = align(a.txs, b.txs).map(([x, y]) => {
    if (x && !y) return { kind: 'missing', label: label(x), changes: ['not in the replay'], notes: [] };
    if (!x && y)
      return {
        kind: 'extra',
        label: label(y),
        changes: [`not in the recording (${y.response.status ?? 'no status'})`],
        notes: [],
      };
    const { changes, notes } = compareTransactions(x!, y!);
    return { kind: changes.length ? 'changed' : 'same', label: label(x!), changes, notes };
  });
  const session: string[] = [];
  if (a.phases.join() !== b.phases.join())
    session.push(`phases ${a.phases.join(' → ') || '—'} → ${b.phases.join(' → ') || '—'}`);
  const va = [...new Set(a.violations)].sort().join(', ');
  const vb = [...new Set(b.violations)].sort().join(', ');
  if (va !== vb) session.push(`session violations [${va}] → [${vb}]`);
  if (a.summary && b.summary) {
    differ('mode', a.summary.mode, b.summary.mode, session);
    for (const f of ['retrieved', 'marked', 'removed', 'discarded'] as const) {
      if (list(a.summary[f]) !== list(b.summary[f]))
        session.push(`${f} ${list(a.summary[f])} → ${list(b.summary[f])}`);
    }
  }
  const equivalent = session.length === 0 && rows.every((r) => r.kind === 'same');
  return { rows, session, equivalent };
}

/** The comparison as text lines (no colour: it is read in terminals and CI logs alike). */
export function comparisonLines(c: Comparison): string[] {
  const out: string[] = [];
  for (const r of c.rows) {
    out.push(
      `  ${r.kind.padEnd(8)}${r.label}${r.changes.length && r.kind !== 'same' ? `: ${r.changes.join('; ')}` : ''}`,
    );
    for (const n of r.notes) out.push(`          note: ${n} (free text: not compared)`);
  }
  for (const s of c.session) out.push(`  session ${s}`);
  const count = (k: RowKind) => c.rows.filter((r) => r.kind === k).length;
  const tally = (['same', 'changed', 'missing', 'extra'] as const).map((k) => `${count(k)} ${k}`).join(', ');
  out.push(
    c.equivalent
      ? `  => equivalent (${tally})`
      : `  => NOT equivalent (${tally}${c.session.length ? `, ${counted(c.session.length, 'session difference')}` : ''})`,
  );
  return out;
}
