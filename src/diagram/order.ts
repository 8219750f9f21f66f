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

/** The transactions by seq, each seq once (the first record of it wins: arrow ids stay unique). */
function transactionsBySeq(list: readonly JsonTransactionRecord[]): JsonTransactionRecord[] {
  const seen = new Set<number>();
  const out: JsonTransactionRecord[] = [];
  let sorted = true;
  for (const tx of list) {
    if (seen.has(tx.seq)) continue;
    seen.add(tx.seq);
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.seq > tx.seq) sorted = false;
    out.push(tx);
  }
  // The engine hands transactions on in seq order; only a hand-made file needs the sort.
  return sorted ? out : out.sort((a, b) => a.seq - b.seq);
}

/**
 * Commands and responses merged: a command goes before an earlier transaction's response when it was sent
 * before that response ended and the engine saw it as pipelined (sent with answers outstanding). The flag
 * decides, not the clock alone: two lines in the same millisecond are still in the order they happened.
 */
function peerArrows(s: SessionRecords): Element[] {
  const txs = transactionsBySeq(s.transactions);
  const commands = txs.filter((tx) => tx.command !== null);
  const responses = txs.filter(hasResponse);
  const out: Element[] = [];
  let i = 0;
  let j = 0;
  while (i < commands.length || j < responses.length) {
    const c = commands[i];
    const r = responses[j];
    const commandFirst =
      c !== undefined &&
      (r === undefined ||
        c.seq <= r.seq ||
        (c.command?.pipelined === true && time(c.startedAt) <= time(r.endedAt)));
    if (commandFirst) {
      out.push({ kind: 'command', t: time(c.startedAt), tx: c });
      i++;
    } else if (r !== undefined) {
      out.push({ kind: 'response', t: time(r.endedAt), tx: r });
      j++;
    }
  }
  return out;
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

/**
 * Every element of the session in drawing order. An aside goes before the first peer arrow that happened
 * after it; at the same time, after responses (a phase changes when the answer ended) and before commands
 * (the command is the next thing in the new phase).
 */
export function drawingOrder(s: SessionRecords): Element[] {
  const peers = peerArrows(s);
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
  return out;
}
