/**
 * The thin glue between one socket and one Pop3Session: frame incoming bytes into lines, queue them, hand
 * them to the session one at a time, write each reply before taking the next line (so pipelined commands are
 * answered strictly in order), and respect backpressure: a message body is written only as fast as the client
 * reads it, and reading stops while too many commands are queued.
 *
 * TLS happens here too. With implicit TLS the socket is wrapped at once and the greeting waits for the
 * handshake. After STLS's +OK (RFC 2595 §4) the cleartext socket is wrapped in place; before that, everything
 * the client sent behind the STLS line is thrown away: the lines queued after it, the unfinished line in the
 * framer and whatever the socket buffered. Those bytes were sent in cleartext, where anyone on the path could
 * have added them, so they must never be read as commands of the TLS session (CVE-2011-0411).
 */
import type { Socket } from 'node:net';
import { type SecureContext, TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Injector } from '../faults/types.js';
import { FaultedWrites } from './faulted.js';
import { CommandFramer, type CommandLine } from './framer.js';
import { SERVER_CLOSE_GRACE_MS, SERVER_MAX_QUEUED_COMMANDS } from './limits.js';
import { err, type Reply } from './reply.js';
import type { Pop3Session } from './session.js';

export interface ConnectionOptions {
  /** Idle time before the session is closed without UPDATE. */
  readonly idleTimeoutMs: number;
  /** The server's certificate and key; STLS and implicit TLS need it. */
  readonly secureContext?: SecureContext;
  /** TLS from the first byte (POP3S): the greeting is sent once the handshake is done. */
  readonly implicitTls?: boolean;
  /** `serve --fault`: every reply goes out through this injector (faults/injector.ts); none: as written. */
  readonly faults?: Injector;
}

export class Connection {
  /** Resolves once the socket is closed and the session has ended (lock released or UPDATE finished). */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  /** The socket commands are read from: the accepted one, or the TLS socket around it. */
  private socket: Socket;
  private framer = new CommandFramer();
  private readonly queue: CommandLine[] = [];
  /** A command is being handled or its reply written; the next line waits. */
  private busy = false;
  /** No more lines are taken: QUIT was answered, or the server is going away. */
  private stopping = false;
  private closed = false;
  private inputEnded = false;
  private finished = false;
  /** A TLS handshake is in progress: there is nowhere to write a goodbye line. */
  private handshaking = false;

  /** The replies' way out under `serve --fault` (server/faulted.ts), or null. */
  private readonly faulted: FaultedWrites | null;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onEnd = () => {
    // The client half-closed: answer what it already sent, then close our side.
    this.inputEnded = true;
    void this.pump();
  };
  private readonly onTimeout = () => this.onIdle();
  private readonly onError = (e: Error) => {
    if (this.handshaking) this.logger.info({ err: e.message }, 'TLS handshake failed');
    else this.logger.debug({ err: e }, 'socket error');
  };
  private readonly onClose = () => {
    this.closed = true;
    this.finish();
  };

  constructor(
    socket: Socket,
    private readonly session: Pop3Session,
    private readonly logger: Logger,
    private readonly options: ConnectionOptions,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.socket = socket;
    this.faulted = options.faults
      ? new FaultedWrites(options.faults, {
          write: (bytes) => this.rawWrite(bytes),
          close: (rst) => {
            this.stopping = true;
            if (rst) this.socket.resetAndDestroy();
            else this.socket.destroy();
          },
          injected: (step) =>
            this.logger.info({ rule: step.rule, on: step.on, what: step.what }, 'injected a fault'),
        })
      : null;
    this.attach(socket);
    if (options.implicitTls) this.upgrade(() => void this.write(session.greeting()));
    else void this.write(session.greeting());
  }

  /** Server shutdown: end the session without UPDATE. */
  shutdown(): void {
    if (this.closed) return;
    this.stopping = true;
    // Mid-reply there is no room for a goodbye line without corrupting the body; mid-handshake, no channel.
    if (this.busy || this.handshaking) this.socket.destroy();
    else this.goodbye(err('server shutting down', 'SYS/TEMP').head);
  }

  private attach(socket: Socket): void {
    socket.setTimeout(this.options.idleTimeoutMs);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('timeout', this.onTimeout);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /**
   * Wraps the current socket in TLS as the server. The cleartext socket keeps only an error listener: from
   * now on the TLS socket is read, written, timed and closed (closing it closes the one beneath).
   */
  private upgrade(onSecure?: () => void): void {
    const { secureContext } = this.options;
    if (!secureContext) throw new Error('TLS requested without a certificate');
    const raw = this.socket;
    raw.setTimeout(0);
    raw.off('data', this.onData);
    raw.off('end', this.onEnd);
    raw.off('timeout', this.onTimeout);
    raw.off('close', this.onClose);
    const secure = new TLSSocket(raw, { isServer: true, secureContext });
    this.socket = secure;
    this.handshaking = true;
    this.attach(secure);
    secure.once('secure', () => {
      this.handshaking = false;
      this.logger.info(
        { protocol: secure.getProtocol(), cipher: secure.getCipher()?.name },
        'TLS established',
      );
      if (!this.stopping) onSecure?.();
    });
  }

  /**
   * STLS was accepted: forget every cleartext byte received after its line, send the +OK, and once it has
   * left, start the handshake. Bytes that arrive after the +OK belong to the handshake and go to TLS.
   */
  private async startTls(reply: Reply): Promise<void> {
    const raw = this.socket;
    raw.off('data', this.onData);
    raw.pause();
    let discarded = this.framer.pending;
    for (const line of this.queue) discarded += line.octets;
    for (let chunk: Buffer | null = raw.read(); chunk !== null; chunk = raw.read()) discarded += chunk.length;
    this.queue.length = 0;
    this.framer = new CommandFramer();
    if (discarded > 0)
      this.logger.warn({ octets: discarded }, 'STLS: discarded cleartext sent after the command');
    if (!(await this.flush(reply.head))) return;
    if (this.faulted?.tlsFailed) {
      // An injected tls-fail: the +OK went out, then the handshake the client starts is cut.
      this.stopping = true;
      this.socket.destroy();
      return;
    }
    this.upgrade();
  }

  private receive(chunk: Buffer): void {
    this.options.faults?.client(chunk);
    if (this.stopping) return;
    for (const line of this.framer.push(chunk)) this.queue.push(line);
    if (this.queue.length >= SERVER_MAX_QUEUED_COMMANDS) this.socket.pause();
    void this.pump();
  }

  private onIdle(): void {
    if (this.stopping || this.handshaking) {
      if (this.handshaking) this.logger.info('idle timeout during the TLS handshake');
      this.stopping = true;
      this.socket.destroy();
      return;
    }
    this.logger.info({ user: this.session.user }, 'idle timeout');
    this.stopping = true;
    // A client that stopped reading mid-RETR gets no goodbye: it would land inside the body.
    if (this.busy) this.socket.destroy();
    else this.goodbye(err('idle timeout, closing connection').head);
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (!this.stopping && !this.closed && this.queue.length > 0) {
        const line = this.queue.shift()!;
        if (this.socket.isPaused() && this.queue.length < SERVER_MAX_QUEUED_COMMANDS / 2)
          this.socket.resume();
        const reply = await this.session.handle(line);
        if (!reply) break;
        if (reply.startTls) {
          // Empties the queue: the loop ends here, and the next line comes from the TLS socket.
          await this.startTls(reply);
          continue;
        }
        await this.send(reply);
        if (reply.close) {
          this.stopping = true;
          this.goodbye();
        }
      }
      if (this.inputEnded && !this.stopping && !this.closed && this.queue.length === 0) {
        // Nothing more can come; a client that leaves without QUIT gets no UPDATE.
        this.stopping = true;
        this.goodbye();
      }
    } catch (e) {
      this.logger.error({ err: e }, 'connection failed');
      this.socket.destroy();
    } finally {
      this.busy = false;
      this.finish();
    }
  }

  private async send(reply: Reply): Promise<void> {
    if (!(await this.write(reply.head)) || !reply.body) return;
    // Always entered, even when the socket is gone, so breaking out closes the body's source (a file).
    for await (const chunk of reply.body) {
      if (!(await this.write(chunk))) break;
    }
  }

  /** Writes (through the fault injector, if any) and waits while the socket's buffer is full; false once closed. */
  private async write(bytes: Buffer): Promise<boolean> {
    if (this.closed || this.socket.destroyed) return false;
    if (this.faulted) return this.faulted.write(bytes);
    return this.rawWrite(bytes);
  }

  private async rawWrite(bytes: Uint8Array): Promise<boolean> {
    if (this.closed || this.socket.destroyed) return false;
    if (this.socket.write(bytes)) return true;
    await new Promise<void>((resolve) => {
      const socket = this.socket;
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
    return !this.closed;
  }

  /** Writes and waits until the bytes have been handed to the operating system; false once the socket is closed. */
  private async flush(bytes: Buffer): Promise<boolean> {
    // Under faults, the +OK to STLS is a reply like any (it may be the one a tls-fail rule names).
    if (this.faulted) return (await this.faulted.write(bytes)) && this.rawFlush(Buffer.alloc(0));
    return this.rawFlush(bytes);
  }

  private rawFlush(bytes: Buffer): Promise<boolean> {
    const socket = this.socket;
    if (this.closed || socket.destroyed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const gone = () => resolve(false);
      socket.once('close', gone);
      socket.write(bytes, (e) => {
        socket.off('close', gone);
        resolve(!e && !this.closed && !socket.destroyed);
      });
    });
  }

  /** Sends a last line, if any, and closes; a peer that does not finish closing is cut off after a grace period. */
  private goodbye(line?: Buffer): void {
    const socket = this.socket;
    if (line) socket.end(line);
    else socket.end();
    const timer = setTimeout(() => socket.destroy(), SERVER_CLOSE_GRACE_MS);
    socket.once('close', () => clearTimeout(timer));
  }

  private finish(): void {
    if (this.finished || !this.closed || this.busy) return;
    this.finished = true;
    this.session.end();
    this.resolveDone();
  }
}
