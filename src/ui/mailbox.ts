/**
 * The mailbox model as the dashboard shows it, derived from the transactions as they complete: LIST and UIDL
 * (listings or single answers) give sizes and UIDs, STAT the count, RETR marks a message retrieved (and gives
 * its size when LIST did not: the unstuffed octets it delivered are what LIST would have said), DELE
 * marked, RSET unmarks, a successful QUIT from TRANSACTION removes what was marked; the session summary at the
 * end is the engine's word and wins. Only successful responses in TRANSACTION change anything (RFC 1939 §5).
 * Pure: rows in, rows out.
 */
import { numberedValue } from '../analysis/mailbox.js';
import type { SessionSummary, Transaction } from '../analysis/types.js';
import { MAX_MAILBOX_ROWS } from './limits.js';
import type { MessageRow } from './state.js';

export interface MailboxModel {
  readonly rows: readonly MessageRow[];
  /** Messages the server announced beyond MAX_MAILBOX_ROWS. */
  readonly cut: number;
  readonly stat: { readonly count: number; readonly octets: number } | null;
  /** The server said how many messages there are (a STAT, or a complete full LIST or UIDL), even if none. */
  readonly known: boolean;
}

const NUMBER = /^[1-9][0-9]{0,9}$/;

type Patch = Partial<Omit<MessageRow, 'n'>>;

/** Applies patches by message number, keeping rows sorted and at most MAX_MAILBOX_ROWS. */
function patch(m: MailboxModel, patches: ReadonlyMap<number, Patch>, announced = 0): MailboxModel {
  if (patches.size === 0 && announced <= m.rows.length + m.cut) return m;
  const byN = new Map<number, MessageRow>(m.rows.map((r) => [r.n, r]));
  let refused = 0;
  for (const [n, p] of patches) {
    const row = byN.get(n);
    if (row) byN.set(n, { ...row, ...p });
    else if (byN.size < MAX_MAILBOX_ROWS)
      byN.set(n, { n, retrieved: false, marked: false, removed: false, ...p });
    else refused++;
  }
  const rows = [...byN.values()].sort((a, b) => a.n - b.n);
  const cut = Math.max(m.cut, refused, announced - rows.length);
  return { ...m, rows, cut };
}

function listing(lines: readonly string[] | undefined, field: 'size' | 'uid'): Map<number, Patch> {
  const out = new Map<number, Patch>();
  for (const line of lines ?? []) {
    const entry = numberedValue(line);
    if (!entry || entry.n < 1) continue;
    if (field === 'size') {
      if (/^[0-9]+$/.test(entry.value)) out.set(entry.n, { size: Number(entry.value) });
    } else out.set(entry.n, { uid: entry.value });
  }
  return out;
}

function single(text: string, field: 'size' | 'uid'): Map<number, Patch> {
  return listing([text], field);
}

/** The model after one finished transaction (the same object when nothing changed). */
export function applyTransaction(m: MailboxModel, tx: Transaction): MailboxModel {
  const verb = tx.command?.verb;
  if (!verb || tx.phase !== 'TRANSACTION' || tx.response.status !== '+OK') return m;
  const arg = tx.command?.args[0];
  const n = arg !== undefined && NUMBER.test(arg) ? Number(arg) : null;
  switch (verb) {
    case 'STAT': {
      const s = /^([0-9]+) ([0-9]+)/.exec(tx.response.text);
      if (!s) return m;
      const count = Number(s[1]);
      const stat = { count, octets: Number(s[2]) };
      if (m.rows.length > 0) return { ...m, stat, known: true };
      const fresh = new Map<number, Patch>();
      for (let k = 1; k <= Math.min(count, MAX_MAILBOX_ROWS); k++) fresh.set(k, {});
      return patch({ ...m, stat, known: true }, fresh, count);
    }
    case 'LIST':
    case 'UIDL': {
      const field = verb === 'LIST' ? 'size' : 'uid';
      if (n !== null) return patch(m, single(tx.response.text, field));
      const lines = tx.response.listing;
      const known = m.known || tx.response.complete;
      return patch(known === m.known ? m : { ...m, known }, listing(lines, field), lines?.length ?? 0);
    }
    case 'RETR': {
      if (n === null || !tx.response.complete) return m;
      const sized = m.rows.find((r) => r.n === n)?.size !== undefined;
      return patch(
        m,
        new Map([[n, sized ? { retrieved: true } : { retrieved: true, size: tx.response.bodyOctets }]]),
      );
    }
    case 'DELE':
      return n !== null ? patch(m, new Map([[n, { marked: true }]])) : m;
    case 'RSET':
      return { ...m, rows: m.rows.map((r) => (r.marked && !r.removed ? { ...r, marked: false } : r)) };
    case 'QUIT':
      return { ...m, rows: m.rows.map((r) => (r.marked ? { ...r, removed: true } : r)) };
    default:
      return m;
  }
}

/** The model reconciled with the engine's summary: its retrieved, marked and removed lists are authoritative. */
export function applySummary(m: MailboxModel, s: SessionSummary): MailboxModel {
  const patches = new Map<number, Patch>();
  const set = (ns: readonly number[], p: Patch) => {
    for (const n of ns) patches.set(n, { ...patches.get(n), ...p });
  };
  set(s.retrieved, { retrieved: true });
  set(s.marked, { marked: true });
  set(s.removed, { removed: true, marked: true });
  const out = patch(m, patches);
  const retrieved = new Set(s.retrieved);
  const marked = new Set(s.marked);
  const removed = new Set(s.removed);
  return {
    ...out,
    rows: out.rows.map((r) => ({
      ...r,
      retrieved: retrieved.has(r.n),
      marked: marked.has(r.n) || removed.has(r.n),
      removed: removed.has(r.n),
    })),
  };
}
