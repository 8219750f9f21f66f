/**
 * The STLS gates, sans-IO: where the proxy takes part in STLS instead of only watching, each chunk passes a gate
 * BEFORE it is written on, and the gate decides what goes on (bytes in, decisions out). No socket here: the
 * proxy session applies the decisions (proxy/session.ts), tests feed bytes whole, byte by byte and at random
 * splits and get the same decisions (test/proxy/stlsGate.test.ts).
 *
 * - intercept: a client chunk that may hold STLS is inspected first and forwarded only up to the end of the STLS
 *   line; until the server answered, client bytes are held back for good (the engine flags them: STARTTLS
 *   injection). The server's lines pass one by one until the engine pairs one with STLS: on +OK the proxy
 *   upgrades both sides (`upgrade`) and what followed the +OK is never passed on; on -ERR all goes on in clear.
 * - strip: a client's STLS line is kept from the server and refused by the proxy itself (`reply`); the STLS line
 *   of a CAPA listing is kept from the client. Everything else passes, line by line.
 *
 * Every gate sees lines through one iterator, `Lines`, which holds an unfinished line until its end comes (an
 * STLS split over chunks must not half reach the other side), but never more than MAX_GATED_LINE of it.
 */
import type { EngineEvent } from '../analysis/types.js';
import type { Direction } from '../protocol/types.js';
import { MAX_GATED_LINE, MAX_LINE_START } from './limits.js';

export type StlsMode = 'intercept' | 'passthrough' | 'strip';

/** What pop3scope does itself at a gate: keeps bytes from one side (alter), or answers the client (proxy). */
export type GateAction =
  | {
      readonly type: 'alter';
      readonly dir: Direction;
      readonly what: string;
      readonly removed: string;
      readonly code: 'POP3_STLS_STRIPPED';
    }
  | { readonly type: 'proxy'; readonly dir: 's2c'; readonly text: string };

/** What a gate needs of the engine. The proxy session passes its Inspector through and reports the events. */
export interface GateEngine {
  /** The engine reads these bytes now; its events are reported and returned. */
  feed(dir: Direction, bytes: Buffer): readonly EngineEvent[];
  /** The multi-line listing the engine is reading ('CAPA', 'LIST', …), or null. */
  listingOf(): string | null;
  /** pop3scope's own actions, reported at once (all at one time) so they stay in order with the engine's events. */
  act(actions: readonly GateAction[]): void;
}

/** What to do with one chunk that reached a gate. */
export interface GateDecision {
  /** The bytes to write to the other side now; null: nothing (held until the line ends, or kept for good). */
  readonly forward: Buffer | null;
  /** False: the engine has not seen the chunk; it is inspected after it is written, as any relayed chunk. */
  readonly inspected: boolean;
  /** pop3scope's own answer to the client, to write to it now (a refused STLS under --stls strip). */
  readonly reply?: string;
  /**
   * The server said +OK to STLS: `before` (answers to commands sent before STLS) goes to the client now, then
   * TLS with the server, then `answer` to the client and TLS with it. Gating ends: both sides are TLS.
   */
  readonly upgrade?: { readonly before: Buffer; readonly answer: Buffer };
}

export interface StlsGate {
  /** A client chunk, before anything of it is written to the server. */
  fromClient(chunk: Buffer): GateDecision;
  /** A server chunk, before anything of it is written to the client. */
  fromServer(chunk: Buffer): GateDecision;
}

/** The gate of an STLS mode that needs one (intercept, strip); passthrough only watches. */
export function stlsGate(mode: StlsMode, engine: GateEngine): StlsGate | null {
  if (mode === 'intercept') return new InterceptGate(engine);
  if (mode === 'strip') return new StripGate(engine);
  return null;
}

/** A line as a gate sees it: through its LF, or (past MAX_GATED_LINE) the part of a long line come so far. */
export interface GateLine {
  readonly bytes: Buffer;
  /** False: these bytes continue a line whose start was given out before, so they are no command of their own. */
  readonly start: boolean;
}

const EMPTY = Buffer.alloc(0);

/**
 * The one line iterator of the gates: push a chunk, take lines with next() until it returns null. What is held of
 * an unfinished line is copied into a buffer that grows by doubling, so a peer sending a line one byte at a
 * time costs linear work, not a copy of the whole held line per byte.
 */
export class Lines {
  private held: Buffer = EMPTY;
  private heldLength = 0;
  private data: Buffer = EMPTY;
  private pos = 0;

  /** `continued`: the first bytes pushed continue a line that began before (in a chunk this gate did not see). */
  constructor(private continued = false) {}

  /** The next chunk; its lines come after what is held. */
  push(chunk: Buffer): void {
    this.data = chunk;
    this.pos = 0;
  }

  /** The next line; null once only an unfinished line (held for the next chunk) is left. */
  next(): GateLine | null {
    const start = !this.continued;
    const lf = this.data.indexOf(0x0a, this.pos);
    if (lf === -1) {
      const tail = this.data.subarray(this.pos);
      this.data = EMPTY;
      this.pos = 0;
      if (this.heldLength + tail.length <= MAX_GATED_LINE) {
        this.hold(tail);
        return null;
      }
      // A line that long is no STLS line; holding it would be unbounded: it goes on as it stands.
      this.continued = true;
      return { bytes: this.take(tail), start };
    }
    const end = this.data.subarray(this.pos, lf + 1);
    this.pos = lf + 1;
    this.continued = false;
    return { bytes: this.take(end), start };
  }

  /** Everything not given out yet (the gate's work ends here). */
  rest(): Buffer {
    const rest = this.take(this.data.subarray(this.pos));
    this.data = EMPTY;
    this.pos = 0;
    return rest;
  }

  private hold(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const needed = this.heldLength + bytes.length;
    if (needed > this.held.length) {
      const grown = Buffer.allocUnsafe(Math.min(MAX_GATED_LINE, Math.max(needed, 2 * this.held.length, 256)));
      this.held.copy(grown, 0, 0, this.heldLength);
      this.held = grown;
    }
    bytes.copy(this.held, this.heldLength);
    this.heldLength = needed;
  }

  /** What is held followed by `bytes`; nothing is held any more. */
  private take(bytes: Buffer): Buffer {
    if (this.heldLength === 0) return bytes;
    const out = Buffer.concat([this.held.subarray(0, this.heldLength), bytes]);
    this.held = EMPTY;
    this.heldLength = 0;
    return out;
  }
}

/** A client's STLS command line: the verb alone (any case, blanks around it). */
const STLS_LINE = /^[ \t]*stls[ \t]*\r?\n$/i;
/** STLS as a capability line of a CAPA listing. */
const STLS_CAPABILITY = /^stls\r?\n$/i;

export const STRIP_REFUSAL =
  '-ERR [SYS/PERM] pop3scope --stls strip: STLS refused so that this session stays in cleartext\r\n';

const pass = (chunk: Buffer): GateDecision => ({ forward: chunk, inspected: false });
const inspected = (forward: Buffer | null): GateDecision => ({ forward, inspected: true });
const joined = (parts: Buffer[]): Buffer | null =>
  parts.length === 0 ? null : parts.length === 1 ? parts[0]! : Buffer.concat(parts);

class InterceptGate implements StlsGate {
  /** While STLS waits for its answer: the server's lines. */
  private answer: Lines | null = null;
  /** The start of the client's unfinished line ('' at a line start), or null when too long to be STLS. */
  private clientLine: string | null = '';

  constructor(private readonly engine: GateEngine) {}

  fromClient(chunk: Buffer): GateDecision {
    if (this.answer) {
      // After STLS nothing goes up before the server answered: the engine flags these bytes.
      this.engine.feed('c2s', chunk);
      return inspected(null);
    }
    const before = this.clientLine;
    this.clientLine = lineStartAfter(before, chunk);
    // The common case costs nothing extra: a chunk that starts a fresh line and holds no "STLS" cannot start
    // TLS, so it is forwarded first and inspected after, like any relayed chunk.
    if (before === '' && !/stls/i.test(chunk.toString('latin1'))) return pass(chunk);
    const sawStls = this.engine
      .feed('c2s', chunk)
      .some((e) => e.type === 'command' && e.command.verb === 'STLS');
    if (!sawStls) return inspected(chunk);
    this.answer = new Lines();
    return inspected(chunk.subarray(0, stlsLineEnd(before, chunk)));
  }

  /**
   * Answers to commands pipelined before STLS still come first, so the server's lines are passed on until the
   * engine pairs one with STLS: that line is the answer.
   */
  fromServer(chunk: Buffer): GateDecision {
    const lines = this.answer;
    if (!lines) return pass(chunk);
    lines.push(chunk);
    const out: Buffer[] = [];
    for (let line = lines.next(); line; line = lines.next()) {
      const answer = this.engine
        .feed('s2c', line.bytes)
        .find((e) => e.type === 'transaction' && e.tx.command?.verb === 'STLS');
      if (!answer) {
        out.push(line.bytes);
        continue;
      }
      this.answer = null;
      // Bytes after the answer are fed: after a +OK the engine flags them, and they never reach the client.
      const rest = lines.rest();
      if (rest.length) this.engine.feed('s2c', rest);
      if (answer.type === 'transaction' && answer.tx.response.status === '+OK')
        return {
          forward: null,
          inspected: true,
          upgrade: { before: joined(out) ?? EMPTY, answer: line.bytes },
        };
      out.push(line.bytes, rest);
      return inspected(joined(out));
    }
    return inspected(joined(out));
  }
}

class StripGate implements StlsGate {
  private readonly client = new Lines();
  private readonly server = new Lines();

  constructor(private readonly engine: GateEngine) {}

  /** Whole lines, one at a time, so the engine sees the refusal right after the STLS line and before the next. */
  fromClient(chunk: Buffer): GateDecision {
    this.client.push(chunk);
    const out: Buffer[] = [];
    let reply = '';
    for (let line = this.client.next(); line; line = this.client.next()) {
      const text = line.bytes.toString('latin1');
      if (!line.start || !STLS_LINE.test(text)) {
        this.engine.feed('c2s', line.bytes);
        out.push(line.bytes);
        continue;
      }
      // The server never sees this STLS, so neither does the engine (it follows the server's conversation):
      // the capture says that pop3scope kept it and answered it itself. Only the verb alone is kept, so
      // nothing kept can be a secret.
      this.engine.act([
        {
          type: 'alter',
          dir: 'c2s',
          what: 'the client asked for STLS and pop3scope refused it',
          removed: text,
          code: 'POP3_STLS_STRIPPED',
        },
        { type: 'proxy', dir: 's2c', text: STRIP_REFUSAL },
      ]);
      reply += STRIP_REFUSAL;
    }
    const decision = inspected(joined(out));
    return reply ? { ...decision, reply } : decision;
  }

  /** The STLS line of a CAPA listing is not passed on. */
  fromServer(chunk: Buffer): GateDecision {
    this.server.push(chunk);
    const out: Buffer[] = [];
    for (let line = this.server.next(); line; line = this.server.next()) {
      const inCapa = this.engine.listingOf() === 'CAPA';
      // The server sent it, so the engine sees it; the capture says the client never got it.
      this.engine.feed('s2c', line.bytes);
      const text = line.bytes.toString('latin1');
      if (inCapa && line.start && STLS_CAPABILITY.test(text)) {
        this.engine.act([
          {
            type: 'alter',
            dir: 's2c',
            what: 'pop3scope hid STLS from the CAPA listing',
            removed: text,
            code: 'POP3_STLS_STRIPPED',
          },
        ]);
      } else {
        out.push(line.bytes);
      }
    }
    return inspected(joined(out));
  }
}

/** The start of the unfinished line after `chunk` ('' at a line start; null: too long to be STLS). */
function lineStartAfter(before: string | null, chunk: Buffer): string | null {
  const lf = chunk.lastIndexOf(0x0a);
  if (lf === -1) {
    if (before === null || before.length + chunk.length > MAX_LINE_START) return null;
    return before + chunk.toString('latin1');
  }
  return chunk.length - lf - 1 > MAX_LINE_START ? null : chunk.toString('latin1', lf + 1);
}

/**
 * Where the client's STLS line ends in `chunk` (just past its LF), the chunk continuing a line that began with
 * `before` (null: unknown). The first line that is or may be an STLS line ends it; failing that, the first
 * line: never more than the STLS line reaches the server, whatever the chunking.
 */
export function stlsLineEnd(before: string | null, chunk: Buffer): number {
  const lines = new Lines(before !== '');
  lines.push(chunk);
  let end = 0;
  let first = 0;
  for (let line = lines.next(); line; line = lines.next()) {
    end += line.bytes.length;
    if (!first) first = end;
    const text = line.start
      ? line.bytes.toString('latin1')
      : before === null
        ? null
        : before + line.bytes.toString('latin1');
    // A line continuing one of unknown start may be the STLS line: it is taken as such (the safe side).
    if (text === null || STLS_LINE.test(text)) return end;
    before = '';
  }
  return first || chunk.length;
}
