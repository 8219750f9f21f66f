/**
 * The order a session's arrows are drawn in, top to bottom: commands and responses merged as they happened
 * (a pipelined command before the responses it did not wait for), and the records that are no arrow of a
 * peer's (phase changes, TLS, pop3scope's own lines, injected faults, session violations) slotted in at their
 * time. Linear in the records once the transactions are sorted. Pure; no DOM.
 */
import type {
  JsonAlterRecord,
  JsonInjectedRecord,
  JsonPhaseRecord,
  JsonProxyRecord,
  JsonTlsRecord,
  JsonTransactionRecord,
  JsonViolationRecord,
} from '../render/json.js';
import type { SessionRecords } from './types.js';

export type Element =
  | { readonly kind: 'command'; readonly t: number; readonly tx: JsonTransactionRecord }
  | { readonly kind: 'response'; readonly t: number; readonly tx: JsonTransactionRecord }
  | { readonly kind: 'proxy'; readonly t: number; readonly i: number; readonly record: JsonProxyRecord }
  | { readonly kind: 'injected'; readonly t: number; readonly i: number; readonly record: JsonInjectedRecord }
  | { readonly kind: 'alter'; readonly t: number; readonly i: number; readonly record: JsonAlterRecord }
  | { readonly kind: 'phase'; readonly t: number; readonly record: JsonPhaseRecord }
  | { readonly kind: 'tls'; readonly t: number; readonly record: JsonTlsRecord }
  | { readonly kind: 'violation'; readonly t: number; readonly record: JsonViolationRecord };

type Aside = Exclude<Element, { kind: 'command' | 'response' }>;

/** A time to sort by: records from a broken or hand-made file may lack one; they go first rather than throw. */
function time(x: unknown): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : Number.NEGATIVE_INFINITY;
}

/** A response arrow is drawn unless nothing came at all (the connection ended first: POP3_NO_RESPONSE). */
export function hasResponse(tx: JsonTransactionRecord): boolean {
  const r = tx.response;
  return tx.command === null || r.status !== null || r.text !== '' || r.multiline || r.bodyOctets > 0;
}

/**
 * The transactions by seq, each seq once (the first record of it wins: arrow ids stay unique). The engine
 * hands them on in increasing seq order, which one pass confirms; only a hand-made file costs a set and a sort.
 */
function transactionsBySeq(list: readonly JsonTransactionRecord[]): readonly JsonTransactionRecord[] {
  let increasing = true;
  for (let k = 1; k < list.length && increasing; k++) {
    increasing = (list[k - 1] as JsonTransactionRecord).seq < (list[k] as JsonTransactionRecord).seq;
  }
  if (increasing) return list;
  const seen = new Set<number>();
  const out: JsonTransactionRecord[] = [];
  for (const tx of list) {
    if (seen.has(tx.seq)) continue;
    seen.add(tx.seq);
    out.push(tx);
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** The index of the next transaction from `k` on that `ok` accepts (txs.length when none). */
function next(
  txs: readonly JsonTransactionRecord[],
  k: number,
  ok: (tx: JsonTransactionRecord) => boolean,
): number {
  while (k < txs.length && !ok(txs[k] as JsonTransactionRecord)) k++;
  return k;
}

const isCommand = (tx: JsonTransactionRecord) => tx.command !== null;

/**
 * Commands and responses merged: a command goes before an earlier transaction's response when it was sent
 * before that response ended and the engine saw it as pipelined (sent with answers outstanding). The flag
 * decides, not the clock alone: two lines in the same millisecond are still in the order they happened.
 * Two cursors over the transactions (one for commands, one for responses), stopping after `limit` arrows.
 */
function peerArrows(s: SessionRecords, limit: number): { arrows: Element[]; total: number } {
  const txs = transactionsBySeq(s.transactions);
  let total = 0;
  for (const tx of txs) total += (tx.command !== null ? 1 : 0) + (hasResponse(tx) ? 1 : 0);
  const out: Element[] = [];
  let i = next(txs, 0, isCommand);
  let j = next(txs, 0, hasResponse);
  while ((i < txs.length || j < txs.length) && out.length < limit) {
    const c = txs[i];
    const r = txs[j];
    const commandFirst =
      c !== undefined &&
      (r === undefined ||
        c.seq <= r.seq ||
        (c.command?.pipelined === true && time(c.startedAt) <= time(r.endedAt)));
    if (commandFirst) {
      out.push({ kind: 'command', t: time(c.startedAt), tx: c });
      i = next(txs, i + 1, isCommand);
    } else if (r !== undefined) {
      out.push({ kind: 'response', t: time(r.endedAt), tx: r });
      j = next(txs, j + 1, hasResponse);
    }
  }
  return { arrows: out, total };
}

/** The records that are not a peer's arrow, by time (stable: records of one time keep their kinds' order). */
function asides(s: SessionRecords): Aside[] {
  const out: Aside[] = [];
  for (const record of s.tls) out.push({ kind: 'tls', t: time(record.at), record });
  for (const record of s.phases) out.push({ kind: 'phase', t: time(record.at), record });
  s.proxy.forEach((record, i) => {
    out.push({ kind: 'proxy', t: time(record.at), i, record });
  });
  s.alter.forEach((record, i) => {
    out.push({ kind: 'alter', t: time(record.at), i, record });
  });
  s.injected.forEach((record, i) => {
    out.push({ kind: 'injected', t: time(record.at), i, record });
  });
  for (const record of s.violations) out.push({ kind: 'violation', t: time(record.at), record });
  return out.sort((a, b) => (a.t === b.t ? 0 : a.t < b.t ? -1 : 1));
}

/** The session's elements in drawing order, and how many arrows the whole session has. */
export interface DrawingOrder {
  readonly elements: readonly Element[];
  readonly arrows: number;
}

/**
 * Every element of the session in drawing order, the peers' arrows merged only as far as `limit` of them (a
 * diagram cut at maxArrows needs no more: a huge session costs its cut, not its length). An aside goes before
 * the first peer arrow that happened after it; at the same time, after responses (a phase changes when the
 * answer ended) and before commands (the command is the next thing in the new phase).
 */
export function drawingOrderUpTo(s: SessionRecords, limit: number): DrawingOrder {
  const { arrows: peers, total } = peerArrows(s, limit);
  const others = asides(s);
  const out: Element[] = [];
  let k = 0;
  for (const e of peers) {
    while (k < others.length) {
      const o = others[k] as Aside;
      if (o.t < e.t || (o.t === e.t && e.kind === 'command')) out.push(o);
      else break;
      k++;
    }
    out.push(e);
  }
  while (k < others.length) out.push(others[k++] as Aside);
  return { elements: out, arrows: total + s.proxy.length + s.alter.length + s.injected.length };
}

/** Every element of the session in drawing order (mermaid.ts draws them all, bounded by its own limit). */
export function drawingOrder(s: SessionRecords): Element[] {
  return [...drawingOrderUpTo(s, Number.POSITIVE_INFINITY).elements];
}
