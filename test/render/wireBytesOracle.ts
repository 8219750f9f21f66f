/**
 * An independent account of what each transaction's `bytes` must be, for the wireBytes tests: every data
 * event kept whole (tests only: unbounded), each transaction's spans cut from it. An AUTH exchange's client
 * lines are the complete client lines received before its transaction came out (the engine takes every client
 * line as part of an open exchange).
 */
import { expect } from 'vitest';
import type { EngineEvent, Transaction } from '../../src/analysis/types.js';
import type { JsonRecord, JsonWireBytes } from '../../src/render/json.js';
import { WIRE_COMMAND_MAX } from '../../src/render/limits.js';

export interface Expected {
  readonly tx: Transaction;
  /** The true bytes, or null when the engine did not know where they sit. */
  readonly command: Buffer | null;
  readonly response: Buffer | null;
}

/** The true bytes of every transaction, in order, per session. */
export function expectedBytes(events: Iterable<EngineEvent>): Expected[] {
  const streams = new Map<string, { c2s: Buffer[]; s2c: Buffer[] }>();
  const out: Expected[] = [];
  for (const e of events) {
    const s = streams.get(e.session) ?? { c2s: [], s2c: [] };
    streams.set(e.session, s);
    if (e.type === 'data') s[e.dir].push(Buffer.from(e.bytes));
    if (e.type !== 'transaction') continue;
    const { tx } = e;
    const w = tx.wire;
    const c2s = Buffer.concat(s.c2s);
    const s2c = Buffer.concat(s.s2c);
    let command: Buffer | null = null;
    if (tx.command && w.c2sStart >= 0 && w.c2sEnd >= 0) {
      const end = tx.sasl ? Math.max(w.c2sEnd, c2s.lastIndexOf(0x0a) + 1) : w.c2sEnd;
      command = c2s.subarray(w.c2sStart, end);
    }
    const response = w.s2cStart >= 0 && w.s2cEnd >= 0 ? s2c.subarray(w.s2cStart, w.s2cEnd) : null;
    out.push({ tx, command, response });
  }
  return out;
}

/** The transaction records of a maker's output, in order. */
export function transactionRecords(records: readonly (JsonRecord | null)[]) {
  return records.flatMap((r) => (r?.type === 'transaction' ? [r] : []));
}

/**
 * Each record's bytes against the truth: exact up to the caps, a prefix beyond them with the rest counted,
 * no bytes field exactly when an offset was unknown.
 */
export function expectBytesMatch(
  records: readonly (JsonRecord | null)[],
  expected: readonly Expected[],
  responseMax: number,
): void {
  const txs = transactionRecords(records);
  expect(txs.length).toBe(expected.length);
  txs.forEach((r, i) => {
    const want = expected[i]!;
    const what = `session ${r.session} seq ${r.seq} (${r.command?.verb ?? 'greeting'})`;
    expect(r.seq, what).toBe(want.tx.seq);
    const known = want.response !== null && (want.tx.command === null || want.command !== null);
    if (!known) {
      expect(r.bytes, `${what}: no bytes when an offset is unknown`).toBeUndefined();
      return;
    }
    const bytes = r.bytes as JsonWireBytes;
    expect(bytes, what).toBeDefined();
    let omitted = 0;
    if (want.command === null) expect(bytes.command, what).toBeNull();
    else {
      const cmd = want.command.subarray(0, WIRE_COMMAND_MAX).toString('latin1');
      expect(bytes.command, `${what}: command`).toBe(cmd);
      omitted += want.command.length - cmd.length;
    }
    const resp = want.response!.subarray(0, responseMax).toString('latin1');
    expect(bytes.response.length, `${what}: response length`).toBe(resp.length);
    expect(bytes.response === resp, `${what}: response bytes`).toBe(true);
    omitted += want.response!.length - resp.length;
    expect(bytes.omitted, `${what}: omitted`).toBe(omitted);
  });
}

/**
 * The weaker promise that holds whatever a session sends (past the pipelining bound too): each string is a
 * prefix of the truth and, with `omitted`, accounts for every octet of it. Returns how many commands were exact.
 */
export function expectBytesPrefix(
  records: readonly (JsonRecord | null)[],
  expected: readonly Expected[],
): number {
  const txs = transactionRecords(records);
  expect(txs.length).toBe(expected.length);
  let exact = 0;
  txs.forEach((r, i) => {
    const want = expected[i]!;
    const bytes = r.bytes as JsonWireBytes;
    const what = `seq ${r.seq}`;
    const cmd = bytes.command ?? '';
    const truth = want.command ?? Buffer.alloc(0);
    const resp = want.response!;
    expect(truth.subarray(0, cmd.length).toString('latin1') === cmd, `${what}: command prefix`).toBe(true);
    expect(resp.subarray(0, bytes.response.length).toString('latin1') === bytes.response, what).toBe(true);
    expect(bytes.omitted, `${what}: omitted`).toBe(
      truth.length - cmd.length + resp.length - bytes.response.length,
    );
    if (cmd.length === truth.length) exact++;
  });
  return exact;
}
