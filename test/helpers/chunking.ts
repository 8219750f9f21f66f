/**
 * The project's rule for engine tests: every dialogue is fed three ways — whole (one chunk per step), one byte
 * at a time, and split at random points chosen by fast-check — and must produce the SAME events each way.
 *
 * A dialogue is a list of steps: bytes from one side, or TLS starting. Every chunk of step i gets the timestamp
 * i + 1 (the Inspector is created at 0 and closed at steps.length + 1), so timestamps do not depend on the
 * chunking and are compared as they are. `data` events are not compared one by one — chunk boundaries
 * legitimately differ — but their bytes are concatenated per direction and compared, and their lengths must
 * equal the chunks fed (the masked tap keeps boundaries).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { expect } from 'vitest';
import { Inspector } from '../../src/analysis/inspector.js';
import type { EngineEvent, SessionSummary, Transaction } from '../../src/analysis/types.js';
import type { Direction, TlsInfo } from '../../src/protocol/types.js';
import { jsonRecord } from '../../src/render/json.js';
import { expectValidJsonOutput } from './schema.js';

export type Step =
  | readonly [Direction, string | Uint8Array]
  | readonly ['tls', TlsInfo]
  /** `octets` of a direction were never captured (a packet trace lost them). */
  | readonly ['lost', Direction, number]
  /** The capture began inside the connection (first step only). */
  | readonly ['midstream'];
export type Dialogue = readonly Step[];

/** Shorthands for building dialogues. */
export const c = (bytes: string | Uint8Array): Step => ['c2s', bytes];
export const s = (bytes: string | Uint8Array): Step => ['s2c', bytes];
export const lost = (dir: Direction, octets: number): Step => ['lost', dir, octets];
export const midstream: Step = ['midstream'];
export const tls = (info: Partial<TlsInfo> = {}): Step => [
  'tls',
  { how: 'stls', visibility: 'decrypted', ...info },
];

/** How a step of `length` bytes is cut: the chunk lengths, summing to `length`. */
export type Chunker = (length: number, stepIndex: number) => number[];

export const wholeChunks: Chunker = (length) => (length === 0 ? [] : [length]);

/**
 * One byte at a time. Steps longer than `limit` (huge-line tests) are fed byte by byte over their first and last
 * `edge` bytes, where line boundaries sit, and in 64 KiB chunks in between, to keep the test fast.
 */
export function bytewiseChunks(limit = 256 * 1024, edge = 4096): Chunker {
  return (length) => {
    if (length <= limit) return Array.from({ length }, () => 1);
    const middle: number[] = [];
    for (let left = length - 2 * edge; left > 0; left -= 64 * 1024) middle.push(Math.min(left, 64 * 1024));
    return [...Array.from({ length: edge }, () => 1), ...middle, ...Array.from({ length: edge }, () => 1)];
  };
}

/** Cuts at the given raw offsets (taken modulo the step length; duplicates and 0 ignored). */
export function splitChunks(cutsPerStep: readonly (readonly number[])[]): Chunker {
  return (length, i) => {
    if (length === 0) return [];
    const cuts = [...new Set((cutsPerStep[i] ?? []).map((x) => x % length).filter((x) => x > 0))].sort(
      (a, b) => a - b,
    );
    const out: number[] = [];
    let prev = 0;
    for (const cut of [...cuts, length]) {
      out.push(cut - prev);
      prev = cut;
    }
    return out;
  };
}

/** fast-check arbitrary for the raw cut offsets of a dialogue of `steps` steps. */
export function cutsArbitrary(steps: number, maxCuts = 8): fc.Arbitrary<number[][]> {
  return fc.array(fc.array(fc.nat({ max: 0x7fffffff }), { maxLength: maxCuts }), {
    minLength: steps,
    maxLength: steps,
  });
}

/** A JSON-safe copy of a non-data event, without the session id. */
export type NormalEvent = Record<string, unknown> & { type: string };

export interface RunResult {
  /** Every non-data event, in order, deep-copied to plain JSON values. */
  readonly events: NormalEvent[];
  /** The masked bytes the engine handed on, concatenated per direction. */
  readonly data: { readonly c2s: Buffer; readonly s2c: Buffer };
  /** Every event as emitted, `data` included (bytes copied at emission time). */
  readonly raw: EngineEvent[];
  readonly transactions: Transaction[];
  readonly summary: SessionSummary;
  /** The data events' chunk lengths per direction, and the chunk lengths fed. */
  readonly dataLengths: { readonly c2s: number[]; readonly s2c: number[] };
  readonly fedLengths: { readonly c2s: number[]; readonly s2c: number[] };
}

function toBuffer(bytes: string | Uint8Array): Buffer {
  return typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
}

function normal(e: EngineEvent): NormalEvent {
  const { session: _session, ...rest } = e;
  return JSON.parse(JSON.stringify(rest)) as NormalEvent;
}

/** Collects engine output into a RunResult. */
export class Collector {
  readonly raw: EngineEvent[] = [];
  private readonly parts: { c2s: Buffer[]; s2c: Buffer[] } = { c2s: [], s2c: [] };

  add(events: readonly EngineEvent[]): void {
    for (const e of events) {
      if (e.type === 'data') {
        // Copied now: a sink writes it to a socket or a file at once, so later changes would be too late.
        const bytes = Buffer.from(e.bytes);
        this.parts[e.dir].push(bytes);
        this.raw.push({ ...e, bytes });
      } else {
        this.raw.push(e);
      }
    }
  }

  result(fedLengths: RunResult['fedLengths']): RunResult {
    const events = this.raw.filter((e) => e.type !== 'data').map(normal);
    const transactions = this.raw.flatMap((e) => (e.type === 'transaction' ? [e.tx] : []));
    const summaries = this.raw.flatMap((e) => (e.type === 'summary' ? [e.summary] : []));
    expect(summaries).toHaveLength(1);
    expect(this.raw[this.raw.length - 1]?.type).toBe('summary');
    // Every engine test's events, as the JSON output shows them, must match the published schema.
    expectValidJsonOutput(
      this.raw.flatMap((e) => jsonRecord(e) ?? []),
      'JSON output of the run',
    );
    return {
      events,
      data: { c2s: Buffer.concat(this.parts.c2s), s2c: Buffer.concat(this.parts.s2c) },
      raw: this.raw,
      transactions,
      summary: summaries[0]!,
      dataLengths: { c2s: this.parts.c2s.map((b) => b.length), s2c: this.parts.s2c.map((b) => b.length) },
      fedLengths,
    };
  }
}

/**
 * Feeds a dialogue to a fresh Inspector, each step cut by `chunker`, then closes it. `reuse`: every chunk is
 * fed from one buffer that is overwritten after each call, as the proxy's reused read buffers are
 * (src/proxy/readPool.ts): the engine must keep nothing of a caller's buffer past the call.
 */
export function runDialogue(
  dialogue: Dialogue,
  chunker: Chunker,
  session = 'test',
  o: { reuse?: boolean } = {},
): RunResult {
  const inspector = new Inspector(session, { client: '192.0.2.1:50000', upstream: '192.0.2.2:110' }, 0);
  const out = new Collector();
  const fed: { c2s: number[]; s2c: number[] } = { c2s: [], s2c: [] };
  let scratch = Buffer.alloc(0);
  const feed = (dir: Direction, chunk: Buffer, t: number): void => {
    if (!o.reuse) {
      out.add(inspector.receive(dir, chunk, t));
      return;
    }
    if (scratch.length < chunk.length) scratch = Buffer.alloc(Math.max(chunk.length, 2 * scratch.length));
    chunk.copy(scratch);
    // add() copies each data event's bytes, as a sink keeping them must; then the buffer is read into again.
    out.add(inspector.receive(dir, scratch.subarray(0, chunk.length), t));
    scratch.fill(0x7e, 0, chunk.length);
  };
  dialogue.forEach((step, i) => {
    const t = i + 1;
    if (step[0] === 'tls') {
      out.add(inspector.tls(step[1], t));
      return;
    }
    if (step[0] === 'lost') {
      out.add(inspector.lost(step[1], step[2], t));
      return;
    }
    if (step[0] === 'midstream') {
      out.add(inspector.midStream(t));
      return;
    }
    const dir = step[0];
    // A fresh copy per run: the engine must never change the caller's bytes (the proxy relays them).
    const bytes = toBuffer(step[1]);
    const before = Buffer.from(bytes);
    let at = 0;
    for (const n of chunker(bytes.length, i)) {
      feed(dir, bytes.subarray(at, at + n), t);
      fed[dir].push(n);
      at += n;
    }
    expect(at).toBe(bytes.length);
    if (!bytes.equals(before)) throw new Error(`the engine modified the caller's ${dir} buffer of step ${i}`);
  });
  out.add(inspector.close(dialogue.length + 1, 'client', 'test over'));
  return out.result(fed);
}

/** Feeds the masked data (and TLS) events of a run back into a fresh Inspector, as replay from a capture does. */
export function replay(result: RunResult, session = 'test'): RunResult {
  const inspector = new Inspector(session, { client: '192.0.2.1:50000', upstream: '192.0.2.2:110' }, 0);
  const out = new Collector();
  const fed: { c2s: number[]; s2c: number[] } = { c2s: [], s2c: [] };
  let lastT = 0;
  for (const e of result.raw) {
    if (e.type === 'data') {
      out.add(inspector.receive(e.dir, Buffer.from(e.bytes), e.t));
      fed[e.dir].push(e.bytes.length);
      lastT = Math.max(lastT, e.t);
    } else if (e.type === 'tls') {
      out.add(inspector.tls(e.info, e.t));
    } else if (e.type === 'summary') {
      out.add(inspector.close(e.summary.endedAt, e.summary.closedBy, e.summary.closeReason));
    }
  }
  return out.result(fed);
}

/** Asserts that replaying a run's masked output shows exactly what the run showed: events, summary, bytes. */
export function expectReplaySame(r: RunResult): void {
  const again = replay(r);
  expect(again.events).toEqual(r.events);
  expect(again.summary).toEqual(r.summary);
  expect(digest(again.data.c2s)).toBe(digest(r.data.c2s));
  expect(digest(again.data.s2c)).toBe(digest(r.data.s2c));
}

export interface SameOptions {
  /** Random split runs (default 50). */
  readonly numRuns?: number;
  /** Most cuts per step in random runs (default 8). */
  readonly maxCuts?: number;
  /** Steps longer than this are fed byte by byte only at their edges (see bytewiseChunks). */
  readonly bytewiseLimit?: number;
  /** What must be equal between the ways (default: the non-data events and the concatenated data). */
  readonly project?: (r: RunResult) => unknown;
}

/** A short stand-in for bytes in comparisons (deep equality on a 10 MB Buffer is very slow). */
export function digest(bytes: Buffer): string {
  return `${bytes.length}:${createHash('sha256').update(bytes).digest('hex')}`;
}

const defaultProjection = (r: RunResult) => ({
  events: r.events,
  data: { c2s: digest(r.data.c2s), s2c: digest(r.data.s2c) },
});

/** Checks what holds for every way: data events keep the fed chunk lengths. */
function checkRun(r: RunResult): void {
  expect(r.dataLengths).toEqual(r.fedLengths);
}

/**
 * Runs `dialogue` whole, byte by byte and at random splits; asserts the same result each way, and runs
 * `assertions` on every way's result (so e.g. redaction is checked under every chunking). Returns the whole run.
 */
export function expectSameEachWay(
  dialogue: Dialogue,
  assertions: (r: RunResult, way: string) => void = () => {},
  options: SameOptions = {},
): RunResult {
  const project = options.project ?? defaultProjection;
  const whole = runDialogue(dialogue, wholeChunks);
  checkRun(whole);
  assertions(whole, 'whole');
  const expected = project(whole);

  const bytewise = runDialogue(dialogue, bytewiseChunks(options.bytewiseLimit));
  checkRun(bytewise);
  expect(project(bytewise), 'byte by byte vs whole').toEqual(expected);
  assertions(bytewise, 'byte by byte');

  fc.assert(
    fc.property(cutsArbitrary(dialogue.length, options.maxCuts), (cuts) => {
      const split = runDialogue(dialogue, splitChunks(cuts));
      checkRun(split);
      expect(project(split), 'random splits vs whole').toEqual(expected);
      assertions(split, 'random splits');
    }),
    { numRuns: options.numRuns ?? 50 },
  );
  return whole;
}

// ----- small readers of a RunResult -----

/** The transactions whose command verb is `verb` ('' for the greeting/unsolicited). */
export function txsOf(r: RunResult, verb: string): Transaction[] {
  return r.transactions.filter((t) => (t.command?.verb ?? '') === verb);
}

/** The only transaction for `verb` (fails when there is not exactly one). */
export function txOf(r: RunResult, verb: string): Transaction {
  const found = txsOf(r, verb);
  expect(found, `transactions for ${verb}`).toHaveLength(1);
  return found[0]!;
}

/** The codes of a transaction's violations. */
export function codesOf(tx: Transaction): string[] {
  return tx.violations.map((v) => v.code);
}

/** Every violation code in the run: in transactions and session-level violation events. */
export function allCodes(r: RunResult): string[] {
  return r.raw.flatMap((e) =>
    e.type === 'transaction'
      ? e.tx.violations.map((v) => v.code)
      : e.type === 'violation'
        ? [e.violation.code]
        : [],
  );
}

/** Everything the engine emitted, as latin1 text: every event as JSON plus the raw data bytes per direction. */
export function everythingAsText(r: RunResult): string {
  const json = JSON.stringify(r.raw, (_k, v) =>
    v && typeof v === 'object' && v.type === 'Buffer' && Array.isArray(v.data)
      ? Buffer.from(v.data).toString('latin1')
      : v,
  );
  return `${json}\n${r.data.c2s.toString('latin1')}\n${r.data.s2c.toString('latin1')}`;
}

// ----- dialogue building blocks -----

export const GREETING = '+OK POP3 ready <1896.697170952@example.org>\r\n';

/** Greeting, USER bob, PASS hunter2, all accepted: the session is in TRANSACTION after these steps. */
export const LOGIN: Dialogue = [
  s(GREETING),
  c('USER bob\r\n'),
  s('+OK\r\n'),
  c('PASS hunter2\r\n'),
  s('+OK logged in\r\n'),
];

/** A message as the body of a RETR/TOP response: lines dot-stuffed, CRLF endings, then the terminator. */
export function multiline(lines: readonly string[]): string {
  return `${lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n')}${lines.length ? '\r\n' : ''}.\r\n`;
}

/** The size LIST promises for a message of these lines: unstuffed, every line ending counted as CRLF. */
export function messageSize(lines: readonly string[]): number {
  return lines.reduce((n, l) => n + Buffer.byteLength(l, 'latin1') + 2, 0);
}
