/**
 * Server replay on a socket: the thin glue around ServeMatcher. Each connection gets the next recorded
 * session (in recorded order, starting over after the last) and its own Inspector, so the live transcript
 * shows the replayed session like any proxied one; each divergence from the recording is a
 * POP3_REPLAY_DIVERGENCE violation of that session (in its transcript and counted in its summary). Recorded pieces are written one write each, with the recorded delays between them unless
 * timing is 'fast', so chunk boundaries and timing reach the client as they reached the recorded one.
 */

import net from 'node:net';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { TLSSocket } from 'node:tls';
import { Inspector } from '../analysis/inspector.js';
import type { EngineEvent } from '../analysis/types.js';
import type { ProxySink } from '../events.js';
import type { Injector } from '../faults/types.js';
import { formatHostPort } from '../hostPort.js';
import { type BoundAddress, boundAddress, listen } from '../listen.js';
import { LineBuffer } from '../protocol/lineBuffer.js';
import { liveSink } from '../proxy/sinks/live.js';
import { COLOUR, PLAIN, type Style } from '../render/style.js';
import { counted } from '../words.js';
import { type Divergence, type MismatchPolicy, ServeMatcher } from './matcher.js';
import type { Piece, RecordedSession } from './script.js';

export type Timing = 'recorded' | 'fast';

export interface ServeOptions {
  /** Served one per connection, in this order, over and over. */
  readonly sessions: readonly RecordedSession[];
  readonly listen: { readonly host: string; readonly port: number };
  readonly timing: Timing;
  readonly onMismatch: MismatchPolicy;
  /** The capture file, named in the transcript. */
  readonly source: string;
  readonly out: Writable;
  readonly colour: boolean;
  /** Serve one connection only: later ones are turned away (for `--once`). */
  readonly once?: boolean;
  /** The certificate for sessions that upgraded with STLS (the replay upgrades where the recording did). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /**
   * The fault injector of a served connection (by its number and the recorded session it plays), or null:
   * `--fault` rules, or the faults the capture says were injected when it was recorded.
   */
  readonly faults?: (connection: number, session: RecordedSession) => Injector | null;
  readonly now?: () => number;
}

export interface ServedResult {
  /** The id of the replayed connection (r1, r2, ...). */
  readonly id: string;
  /** The recorded session it replayed. */
  readonly recorded: string;
  readonly followed: boolean;
  readonly divergences: readonly Divergence[];
}

export class ReplayServer {
  private readonly server: net.Server;
  private readonly connections = new Set<ServedConnection>();
  private readonly sink: ProxySink;
  private counter = 0;
  private stopping: Promise<void> | null = null;
  /** Called once per finished connection. */
  onServed: (result: ServedResult) => void = () => {};

  private constructor(private readonly o: ServeOptions) {
    this.sink = liveSink({ format: 'text', colour: o.colour, out: o.out });
    // Half-open: a client that shuts down its side after QUIT still gets the recorded answer.
    this.server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  /** Listens; rejects with the OS error when the address cannot be bound. */
  static async start(o: ServeOptions): Promise<ReplayServer> {
    if (o.sessions.length === 0) throw new Error('no session to serve');
    if (!o.tls && o.sessions.some((s) => s.stls))
      throw new Error('a session upgrades with STLS: a certificate is needed');
    const replay = new ReplayServer(o);
    await listen(replay.server, o.listen.host, o.listen.port);
    return replay;
  }

  address(): BoundAddress {
    return boundAddress(this.server);
  }

  /** Stops accepting and closes the connections still open. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const c of this.connections) c.abort();
      await Promise.all([...this.connections].map((c) => c.done));
      await closed;
    })();
    return this.stopping;
  }

  private accept(socket: net.Socket): void {
    if (this.stopping || (this.o.once && this.counter > 0)) {
      socket.destroy();
      return;
    }
    const session = this.o.sessions[this.counter % this.o.sessions.length]!;
    const n = ++this.counter;
    const injector = this.o.faults?.(n, session) ?? null;
    const connection = new ServedConnection(socket, `r${n}`, session, this.o, this.sink, injector);
    this.connections.add(connection);
    void connection.done.then((result) => {
      this.connections.delete(connection);
      this.onServed(result);
    });
  }
}

/** One replayed connection. Sends are queued so that responses keep their order and their delays. */
class ServedConnection {
  /** An injected stall or cut: nothing more reaches the client. */
  private silenced = false;
  /** An injected tls-fail is due: the STLS handshake that follows fails. */
  private failTls = false;
  private readonly matcher: ServeMatcher;
  private readonly inspector: Inspector;
  private lines = new LineBuffer();
  private readonly style: Style;
  /** STLS was answered: cleartext lines after it are never answered; TLS starts once the +OK has left. */
  private upgrading = false;
  private chain: Promise<void> = Promise.resolve();
  private gone = false;
  /** A hang-up is queued: the recording ended with the server closing, or a mismatch under `close`. */
  private closing = false;
  /** Who ended the connection first: the replay (as recorded, or on a mismatch, or at shutdown) or the client. */
  private endedBy: 'server' | 'client' | null = null;
  readonly done: Promise<ServedResult>;
  private resolveDone!: (r: ServedResult) => void;

  constructor(
    private socket: net.Socket,
    private readonly id: string,
    private readonly session: RecordedSession,
    private readonly o: ServeOptions,
    private readonly sink: ProxySink,
    private readonly injector: Injector | null,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.style = o.colour ? COLOUR : PLAIN;
    this.matcher = new ServeMatcher(session, o.onMismatch);
    const t = this.now();
    const client = formatHostPort(socket.remoteAddress, socket.remotePort);
    const upstream = `replay of ${session.id} in ${o.source}`;
    this.inspector = new Inspector(id, { client, upstream }, t);
    this.sink.open?.({ session: id, t, client, upstream, tls: 'none' });
    socket.setNoDelay(true);
    this.read(socket);
    socket.on('close', () => this.closed());
    const greeting = this.matcher.greeting();
    this.closing = greeting.close;
    this.send(greeting.pieces, greeting.close);
  }

  abort(): void {
    this.endedBy ??= 'server';
    this.socket.destroy();
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private emit(events: EngineEvent[]): void {
    for (const e of events) this.sink.event?.(e);
  }

  /** Reads client lines from `socket` (the cleartext one, then the TLS one after STLS). */
  private read(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', () => socket.destroy());
  }

  private readonly onData = (chunk: Buffer) => this.received(chunk);

  private readonly onEnd = () => {
    // A last line without its ending is still a line: the engine reads it so too.
    const rest = this.lines.flush();
    if (rest) this.decide(rest.content);
    this.endedBy ??= 'client';
    this.queue(async () => this.hangUp());
  };

  private received(chunk: Buffer): void {
    this.injector?.client(chunk);
    this.emit(this.inspector.receive('c2s', chunk, this.now()));
    let pos = 0;
    while (pos < chunk.length) {
      const { end, line } = this.lines.push(chunk, pos);
      pos = end;
      if (line) this.decide(line.content);
    }
  }

  private decide(line: Buffer): void {
    // Once a hang-up is decided, what the client sends after it is never answered (nor judged); nor is
    // cleartext after STLS (RFC 2595 §4: the client must wait for the handshake).
    if (this.closing || this.upgrading) return;
    const decision = this.matcher.line(line);
    if (decision.close) this.closing = true;
    if (decision.kind === 'answer') {
      this.upgrading = decision.step.startsTls;
      this.send(decision.pieces, decision.close, decision.divergence, decision.step.startsTls);
    } else this.send([{ bytes: decision.reply, delayMs: 0 }], decision.close, decision.divergence);
  }

  private queue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch(() => {
      this.socket.destroy();
    });
  }

  /**
   * Queues recorded pieces (with their delays), then the divergence report, then TLS (after a recorded +OK to
   * STLS) and the hang-up if due.
   */
  private send(pieces: readonly Piece[], close: boolean, divergence?: Divergence, startTls = false): void {
    this.queue(async () => {
      // Before the +OK leaves: what the client sends after it is its TLS handshake, for the TLS socket.
      if (startTls) this.holdCleartext();
      for (const piece of pieces) {
        if (this.o.timing === 'recorded' && piece.delayMs > 0) await sleep(piece.delayMs);
        if (this.gone) return;
        await this.write(piece.bytes);
      }
      if (divergence) this.report(divergence);
      if (startTls) await this.startTls();
      if (close) this.hangUp();
    });
  }

  private holdCleartext(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.pause();
  }

  /** Takes over the connection as the TLS server; the transcript shows TLS where the recording had it. */
  private async startTls(): Promise<void> {
    if (this.gone || this.silenced) return;
    if (this.failTls) {
      // An injected tls-fail: the +OK went out, then the handshake the client starts is cut.
      this.endedBy ??= 'server';
      this.socket.destroy();
      return;
    }
    const secure = new TLSSocket(this.socket, {
      isServer: true,
      cert: this.o.tls!.cert,
      key: this.o.tls!.key,
    });
    this.socket = secure;
    this.lines = new LineBuffer();
    this.read(secure);
    const ok = await new Promise<boolean>((resolve) => {
      secure.once('secure', () => resolve(true));
      secure.once('close', () => resolve(false));
    });
    if (ok) this.emit(this.inspector.tls({ how: 'stls', visibility: 'decrypted' }, this.now()));
    this.upgrading = false;
  }

  /**
   * The recorded server's bytes: the transcript shows them as recorded; the client gets them, or what the
   * fault injector makes of them (a stalled or cut connection gets nothing more).
   */
  private async write(bytes: Buffer): Promise<void> {
    this.emit(this.inspector.receive('s2c', bytes, this.now()));
    if (!this.injector) return this.writeOut(bytes);
    for (const step of this.injector.server(bytes)) {
      if (this.gone || this.silenced) return;
      if (step.type === 'send') await this.writeOut(step.bytes);
      else if (step.type === 'wait') await sleep(step.ms);
      else if (step.type === 'injected') this.emit(this.inspector.injected(step, this.now()));
      else if (step.type === 'tls-fail') this.failTls = true;
      else if (step.type === 'stall') this.silenced = true;
      else {
        this.silenced = true;
        this.endedBy ??= 'server';
        if (step.rst) this.socket.resetAndDestroy();
        else this.socket.destroy();
      }
    }
  }

  private async writeOut(bytes: Uint8Array): Promise<void> {
    const drained = this.socket.write(bytes);
    if (!drained && !this.gone) {
      await new Promise<void>((resolve) => {
        this.socket.once('drain', resolve);
        this.socket.once('close', resolve);
      });
    }
  }

  private report(d: Divergence): void {
    this.emit(this.inspector.report('POP3_REPLAY_DIVERGENCE', d.message, this.now()));
  }

  private hangUp(): void {
    // A stalled connection stays open: the client must notice the silence itself.
    if (this.gone || (this.silenced && !this.socket.destroyed)) return;
    this.endedBy ??= 'server';
    this.socket.end();
  }

  private closed(): void {
    if (this.gone) return;
    this.gone = true;
    const t = this.now();
    const by = this.endedBy ?? 'client';
    if (by === 'client') {
      const early = this.matcher.clientClosed();
      if (early) this.report(early);
    }
    const reason = by === 'server' ? 'the replay closed the connection' : 'client closed the connection';
    this.emit(this.inspector.close(t, by, reason));
    this.sink.close?.({ session: this.id, t, by, reason });
    const followed = this.matcher.followed;
    const verdict = followed
      ? this.style.bold(`the client followed the recording of ${this.session.id} to the end`)
      : this.style.error(
          `the client did NOT follow the recording of ${this.session.id} (${counted(this.matcher.divergenceList.length, 'divergence')})`,
        );
    this.o.out.write(`[${this.id}] replay: ${verdict}\n`);
    this.resolveDone({
      id: this.id,
      recorded: this.session.id,
      followed,
      divergences: this.matcher.divergenceList,
    });
  }
}
