/**
 * A recorded session turned into a replay script, sans-IO. Both replays need the same thing from a capture:
 * the recorded client lines and the recorded server bytes cut into one response per command. The engine
 * already knows where each transaction sits in both byte streams (`tx.wire`), so the session is run through
 * an Inspector (with body digests, for comparisons) and its streams are cut at those offsets. The recorded
 * chunk boundaries and timestamps are kept inside each response: timing and segmentation bugs hide there.
 */

import { Inspector } from '../analysis/inspector.js';
import type { EngineEvent, Transaction } from '../analysis/types.js';
import { type CaptureRecord, type CloseRecord, dataBytes, type OpenRecord } from '../capture/format.js';
import { counted } from '../words.js';

/** Recorded server bytes to send, and how long after the previous piece (or the trigger) they came. */
export interface Piece {
  readonly bytes: Buffer;
  readonly delayMs: number;
}

/** One recorded command and everything that answered it. */
export interface ScriptStep {
  /** Position among the commands, 1-based (the transaction's seq when nothing unsolicited came first). */
  readonly index: number;
  readonly tx: Transaction;
  /** The recorded command line (secrets masked), line ending included. */
  readonly line: Buffer;
  /** The recorded client lines of a SASL exchange after the AUTH line (masked), endings included. */
  readonly saslLines: readonly Buffer[];
  /**
   * The response, cut for lock-step SASL: segment 0 answers the command; for AUTH each challenge line ends a
   * segment and each client answer releases the next one. Other commands have exactly one segment.
   */
  readonly segments: readonly (readonly Piece[])[];
  /** STLS answered +OK, after which the recorded session went on in (decrypted) TLS: the replay upgrades here. */
  readonly startsTls: boolean;
}

export interface RecordedSession {
  readonly id: string;
  readonly open: OpenRecord | null;
  readonly close: CloseRecord | null;
  /** The greeting (and anything the server sent before the first command's response). */
  readonly greeting: readonly Piece[];
  readonly greetingTx: Transaction | null;
  readonly steps: readonly ScriptStep[];
  /** Every event the engine produced for the recorded session, summary last. */
  readonly events: readonly EngineEvent[];
  /** Why this session cannot be replayed, or null (TLS that was not decrypted hides the byte streams). */
  readonly unsupported: string | null;
  /** The session upgraded with STLS (and the capture holds what followed, decrypted). */
  readonly stls: boolean;
}

interface Chunk {
  readonly offset: number;
  readonly t: number;
  readonly bytes: Buffer;
}

/** Accumulates one session's records; `finish` builds its script. */
export class SessionRecorder {
  private readonly inspector: Inspector;
  private readonly chunks: { c2s: Chunk[]; s2c: Chunk[] } = { c2s: [], s2c: [] };
  private readonly offsets = { c2s: 0, s2c: 0 };
  private readonly events: EngineEvent[] = [];
  private unsupported: string | null = null;
  private stls = false;
  private lastT: number;
  /** When the last piece handed out so far was recorded. */
  private lastSent = Number.NEGATIVE_INFINITY;

  constructor(
    readonly id: string,
    private readonly open: OpenRecord | null,
    t: number,
  ) {
    this.inspector = new Inspector(
      id,
      { client: open?.client ?? null, upstream: open?.upstream ?? null, tls: open?.tls, digests: true },
      t,
    );
    this.lastT = t;
    if (open?.midStream)
      this.unsupported = 'the packet capture began in the middle of it (no greeting, no login to replay)';
  }

  record(r: CaptureRecord): void {
    if (r.type === 'header' || r.type === 'open' || r.type === 'close') return;
    this.lastT = Math.max(this.lastT, r.t);
    if (r.type === 'data') {
      this.take(this.inspector.receive(r.dir, dataBytes(r), r.t));
      return;
    }
    // What pop3scope itself sent, held back or injected is not the server's: the server is served as it spoke
    // (a capture's recorded faults are injected again by the replay's own injector, not from these records).
    if (r.type === 'proxy' || r.type === 'alter' || r.type === 'inject') return;
    if (r.type === 'gap') {
      this.unsupported = `the capture has a gap in it (${counted(r.records, 'record')} the writer could not keep)`;
      return;
    }
    if (r.type === 'lost') {
      this.unsupported = `the packet capture is missing ${counted(r.octets, 'octet')} of it`;
      return;
    }
    if (r.type === 'note') return;
    const { type: _type, session: _session, t, ...info } = r;
    if (r.how === 'stls') this.stls = true;
    if (r.visibility === 'opaque')
      this.unsupported = 'its TLS was not decrypted (opaque), so the capture holds no POP3 to replay';
    this.take(this.inspector.tls(info, t));
  }

  /**
   * The engine's events; its data events are the bytes replayed. They are the recorded bytes with every secret
   * masked — the same bytes for a pop3scope capture (masked when written), and for a packet trace, whose
   * records hold what was on the wire, the password is never served, sent or shown again.
   */
  private take(events: readonly EngineEvent[]): void {
    for (const e of events) {
      this.events.push(e);
      if (e.type !== 'data') continue;
      this.chunks[e.dir].push({ offset: this.offsets[e.dir], t: e.t, bytes: e.bytes });
      this.offsets[e.dir] += e.bytes.length;
    }
  }

  finish(close: CloseRecord | null): RecordedSession {
    const t = close?.t ?? this.lastT;
    this.take(this.inspector.close(t, close?.by ?? null, close?.reason ?? 'the capture ends here'));
    const txs = this.events.flatMap((e) => (e.type === 'transaction' ? [e.tx] : []));
    const commands = txs.filter((tx) => tx.command !== null);
    const greetingTx = txs.find((tx) => tx.command === null && tx.seq === 0) ?? null;
    const s2cEnd = this.offsets.s2c;
    // A response runs from its first byte to the first byte of the next command's response, so data nobody
    // asked for goes out with the response before it, as it did on the wire.
    const starts = commands.map((tx) => tx.wire.s2cStart).filter((s) => s >= 0);
    const endOf = (from: number) => starts.find((s) => s > from) ?? s2cEnd;
    const greetingEnd = starts[0] ?? s2cEnd;
    const c2sLines = (from: number, to: number) => splitLines(slice(this.chunks.c2s, from, to));
    const greeting = this.pieces(0, greetingEnd, this.open?.t ?? this.chunks.s2c[0]?.t ?? t);
    const steps: ScriptStep[] = commands.map((tx, i) => {
      const next = commands[i + 1];
      const c2sTo = next ? next.wire.c2sStart : this.offsets.c2s;
      const [line = Buffer.alloc(0), ...saslLines] = c2sLines(tx.wire.c2sStart, c2sTo);
      const lineEnds = [tx.wire.c2sStart + line.length];
      for (const l of saslLines) lineEnds.push(lineEnds[lineEnds.length - 1]! + l.length);
      const triggers = lineEnds.map((end) => this.timeOf('c2s', end - 1));
      const from = tx.wire.s2cStart;
      const to = from < 0 ? from : endOf(from);
      const cuts = tx.sasl ? challengeCuts(slice(this.chunks.s2c, from, to), from) : [];
      const bounds = [from, ...cuts, to];
      const segments: Piece[][] = [];
      for (let k = 0; k + 1 < bounds.length; k++) {
        segments.push(
          this.pieces(bounds[k]!, bounds[k + 1]!, triggers[Math.min(k, triggers.length - 1)] ?? tx.startedAt),
        );
      }
      const startsTls = this.stls && tx.command?.verb === 'STLS' && tx.response.status === '+OK';
      return { index: i + 1, tx, line, saslLines, segments: segments.length ? segments : [[]], startsTls };
    });
    return {
      id: this.id,
      open: this.open,
      close,
      greeting,
      greetingTx,
      steps,
      events: this.events,
      unsupported: this.unsupported,
      stls: this.stls,
    };
  }

  /**
   * The recorded s2c chunks cut to [from, to). The first waits from its trigger (the client line it answers),
   * or from the end of the previous response when the server was still busy with that one (pipelining): the
   * replay sends responses one after the other, so that time must not be counted twice. Called in order.
   */
  private pieces(from: number, to: number, trigger: number): Piece[] {
    const out: Piece[] = [];
    let previous = Math.max(trigger, this.lastSent);
    for (const c of this.chunks.s2c) {
      const a = Math.max(from, c.offset);
      const b = Math.min(to, c.offset + c.bytes.length);
      if (a >= b) continue;
      out.push({ bytes: c.bytes.subarray(a - c.offset, b - c.offset), delayMs: Math.max(0, c.t - previous) });
      previous = Math.max(previous, c.t);
    }
    this.lastSent = previous;
    return out;
  }

  /** When the byte at `offset` of a direction was recorded (the moment a line ending there was complete). */
  private timeOf(dir: 'c2s' | 's2c', offset: number): number {
    for (const c of this.chunks[dir]) if (offset < c.offset + c.bytes.length) return c.t;
    return this.lastT;
  }
}

/** The bytes [from, to) of a recorded stream, concatenated. */
function slice(chunks: readonly Chunk[], from: number, to: number): Buffer {
  if (from < 0 || to <= from) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const c of chunks) {
    const a = Math.max(from, c.offset);
    const b = Math.min(to, c.offset + c.bytes.length);
    if (a < b) parts.push(c.bytes.subarray(a - c.offset, b - c.offset));
  }
  return Buffer.concat(parts);
}

/** Lines with their endings (a last line without one is kept as it is). */
export function splitLines(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (let lf = bytes.indexOf(0x0a); lf !== -1; lf = bytes.indexOf(0x0a, from)) {
    out.push(bytes.subarray(from, lf + 1));
    from = lf + 1;
  }
  if (from < bytes.length) out.push(bytes.subarray(from));
  return out;
}

/** True for a SASL continuation line: "+" alone or "+ " and a payload (RFC 5034 §4), not "+OK". */
export function isChallenge(line: Buffer): boolean {
  return line[0] === 0x2b && (line.length === 1 || line[1] === 0x20 || line[1] === 0x0d || line[1] === 0x0a);
}

/** Stream offsets just past each challenge line at the start of an AUTH response. */
function challengeCuts(response: Buffer, base: number): number[] {
  const cuts: number[] = [];
  let at = 0;
  for (const line of splitLines(response)) {
    if (!isChallenge(line) || line[line.length - 1] !== 0x0a) break;
    at += line.length;
    cuts.push(base + at);
  }
  return cuts;
}

/**
 * Builds the scripts of the sessions in a capture, in the order they opened. `wanted` picks sessions by id.
 * Only wanted sessions are kept in memory.
 */
export async function recordedSessions(
  records: AsyncIterable<CaptureRecord>,
  wanted: (id: string) => boolean = () => true,
): Promise<RecordedSession[]> {
  const open = new Map<string, { recorder: SessionRecorder; order: number }>();
  const done: { session: RecordedSession; order: number }[] = [];
  let order = 0;
  for await (const r of records) {
    if (r.type === 'header' || !wanted(r.session)) continue;
    let entry = open.get(r.session);
    if (r.type === 'open' || !entry) {
      // A reused id ends the session that had it (as capture/analyze.ts does).
      if (entry) done.push({ session: entry.recorder.finish(null), order: entry.order });
      entry = { recorder: new SessionRecorder(r.session, r.type === 'open' ? r : null, r.t), order: order++ };
      open.set(r.session, entry);
      if (r.type === 'open') continue;
    }
    if (r.type === 'close') {
      done.push({ session: entry.recorder.finish(r), order: entry.order });
      open.delete(r.session);
    } else {
      entry.recorder.record(r);
    }
  }
  for (const entry of open.values()) done.push({ session: entry.recorder.finish(null), order: entry.order });
  return done.sort((a, b) => a.order - b.order).map((d) => d.session);
}
