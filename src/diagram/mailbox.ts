/**
 * The mailbox over a session, as the page's small table shows it (issue #16): one row per message the session
 * showed — in a LIST or UIDL listing or answer, by STAT's count, as the argument of RETR, TOP or DELE — with
 * the transaction (seq) that first showed it, retrieved it (RETR +OK, complete), marked it (DELE +OK; a later
 * RSET +OK clears every mark) and removed it (the QUIT +OK that entered UPDATE; once the summary is there, its
 * `removed` list decides). Read from the records only, so the live page and the report agree.
 * Browser code: imports no Node module.
 */
import type { JsonTransactionRecord } from '../render/json.js';
import { MAX_MAILBOX_ROWS } from './limits.js';
import type { MailboxRow, SessionRecords } from './types.js';

interface Row {
  n: number;
  size: number | null;
  uid: string | null;
  seen: number | null;
  retrieved: number | null;
  marked: number | null;
  removed: number | null;
  /** A TOP that returned a whole message: the summary may count it as a retrieval (fetchmail's TOP n 99999999). */
  top: number | null;
}

/** A message number as POP3 writes it (RFC 1939: a positive decimal), or null. */
function messageNumber(text: string | undefined): number | null {
  if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text)) return null;
  return Number(text);
}

class Rows {
  private readonly rows = new Map<number, Row>();

  /** The row of message n, made on first sight (null beyond the limit: the table is bounded). */
  at(n: number, seq: number | null): Row | null {
    let row = this.rows.get(n);
    if (row === undefined) {
      if (this.rows.size >= MAX_MAILBOX_ROWS) return null;
      row = { n, size: null, uid: null, seen: seq, retrieved: null, marked: null, removed: null, top: null };
      this.rows.set(n, row);
    }
    return row;
  }

  get(n: number): Row | undefined {
    return this.rows.get(n);
  }

  all(): Row[] {
    return [...this.rows.values()];
  }
}

/** "n size" of LIST or "n uid" of UIDL, from a listing line or a one-line answer. */
function scanLine(rows: Rows, verb: string, line: string, seq: number): void {
  const [first, second] = line.trim().split(/\s+/);
  const n = messageNumber(first);
  if (n === null || second === undefined) return;
  const row = rows.at(n, seq);
  if (row === null) return;
  if (verb === 'LIST' && /^[0-9]{1,15}$/.test(second)) row.size = Number(second);
  if (verb === 'UIDL') row.uid = second;
}

function apply(rows: Rows, tx: JsonTransactionRecord, quits: number[]): void {
  const command = tx.command;
  if (command === null || tx.response.status !== '+OK') return;
  const verb = command.verb.toUpperCase();
  const seq = tx.seq;
  const r = tx.response;
  const target = messageNumber(command.args[0]);
  switch (verb) {
    case 'LIST':
    case 'UIDL':
      if (command.args.length === 0) for (const line of r.listing ?? []) scanLine(rows, verb, line, seq);
      else scanLine(rows, verb, r.text, seq);
      break;
    case 'STAT': {
      const count = messageNumber(r.text.trim().split(/\s+/)[0]);
      for (let n = 1; count !== null && n <= Math.min(count, MAX_MAILBOX_ROWS); n++) rows.at(n, seq);
      break;
    }
    case 'RETR':
      if (target !== null) {
        const row = rows.at(target, seq);
        if (row !== null && r.complete && row.retrieved === null) row.retrieved = seq;
      }
      break;
    case 'TOP':
      if (target !== null) {
        const row = rows.at(target, seq);
        if (row !== null && r.complete) row.top = seq;
      }
      break;
    case 'DELE':
      if (target !== null) {
        const row = rows.at(target, seq);
        if (row !== null && row.marked === null) row.marked = seq;
      }
      break;
    case 'RSET':
      for (const row of rows.all()) row.marked = null;
      break;
    case 'QUIT':
      // Only a QUIT from TRANSACTION enters UPDATE; in AUTHORIZATION it just ends the session.
      if (tx.phase === 'TRANSACTION') quits.push(seq);
      break;
  }
}

/** One row per message the session showed, by message number. */
export function mailboxTimeline(s: SessionRecords): MailboxRow[] {
  const rows = new Rows();
  const quits: number[] = [];
  for (const tx of s.transactions) apply(rows, tx, quits);
  const quit = quits[0] ?? null;
  const summary = s.summary;
  if (summary !== null) {
    // The summary is the engine's account: a TOP it counted as a retrieval, and what UPDATE removed.
    for (const n of summary.retrieved) {
      const row = rows.get(n);
      if (row !== undefined && row.retrieved === null && row.top !== null) row.retrieved = row.top;
    }
    const removed = new Set(summary.removed);
    // A removed message no transaction showed (its listing was cut short) still gets its row.
    for (const n of removed) rows.at(n, null);
    for (const row of rows.all()) row.removed = removed.has(row.n) ? quit : null;
  } else if (quit !== null) {
    for (const row of rows.all()) if (row.marked !== null) row.removed = quit;
  }
  return rows
    .all()
    .sort((a, b) => a.n - b.n)
    .map(({ n, size, uid, seen, retrieved, marked, removed }) => ({
      n,
      size,
      uid,
      seen,
      retrieved,
      marked,
      removed,
    }));
}
