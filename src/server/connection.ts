/**
 * The thin glue between one net.Socket and one Pop3Session: frame incoming bytes into lines, queue them,
 * hand them to the session one at a time, write each reply before taking the next line (so pipelined
 * commands are answered strictly in order), and respect backpressure: a message body is written only as
 * fast as the client reads it, and reading stops while too many commands are queued.
 *
 * When STLS is added, it goes here: after its +OK the queue and framer must be emptied before the TLS
 * handshake, because bytes sent in cleartext after STLS must never be read as commands (CVE-2011-0411).
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { SERVER_CLOSE_GRACE_MS, SERVER_MAX_QUEUED_COMMANDS } from '../protocol/limits.js';
import { CommandFramer, type CommandLine } from './framer.js';
import { err, type Reply } from './reply.js';
import type { Pop3Session } from './session.js';

export class Connection {
  /** Resolves once the socket is closed and the session has ended (lock released or UPDATE finished). */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly framer = new CommandFramer();
  private readonly queue: CommandLine[] = [];
  /** A command is being handled or its reply written; the next line waits. */
  private busy = false;
  /** No more lines are taken: QUIT was answered, or the server is going away. */
  private stopping = false;
  private closed = false;
  private inputEnded = false;
  private finished = false;

  constructor(
    private readonly socket: Socket,
    private readonly session: Pop3Session,
    private readonly logger: Logger,
    idleTimeoutMs: number,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    socket.setTimeout(idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => {
      // The client half-closed: answer what it already sent, then close our side.
      this.inputEnded = true;
      void this.pump();
    });
    socket.on('timeout', () => this.onIdle());
    socket.on('error', (e) => logger.debug({ err: e }, 'socket error'));
    socket.on('close', () => {
      this.closed = true;
      this.finish();
    });
    void this.write(session.greeting());
  }

  /** Server shutdown: end the session without UPDATE. */
  shutdown(): void {
    if (this.closed) return;
    this.stopping = true;
    // Mid-reply there is no room for a goodbye line without corrupting the body.
    if (this.busy) this.socket.destroy();
    else this.goodbye(err('server shutting down', 'SYS/TEMP').head);
  }

  private onData(chunk: Buffer): void {
    if (this.stopping) return;
    for (const line of this.framer.push(chunk)) this.queue.push(line);
    if (this.queue.length >= SERVER_MAX_QUEUED_COMMANDS) this.socket.pause();
    void this.pump();
  }

  private onIdle(): void {
    if (this.stopping) {
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

  /** Writes and waits while the socket's buffer is full; false once the socket is closed. */
  private async write(bytes: Buffer): Promise<boolean> {
    if (this.closed || this.socket.destroyed) return false;
    if (this.socket.write(bytes)) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
    return !this.closed;
  }

  /** Sends a last line, if any, and closes; a peer that does not finish closing is cut off after a grace period. */
  private goodbye(line?: Buffer): void {
    if (line) this.socket.end(line);
    else this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), SERVER_CLOSE_GRACE_MS);
    this.socket.once('close', () => clearTimeout(timer));
  }

  private finish(): void {
    if (this.finished || !this.closed || this.busy) return;
    this.finished = true;
    this.session.end();
    this.resolveDone();
  }
}
