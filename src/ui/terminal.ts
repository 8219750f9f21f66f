/**
 * The terminal the dashboard draws on, written so that a slow or frozen terminal never stalls the relay.
 *
 * Node writes to a TTY synchronously on Linux: one stuck write would stop the event loop and every proxied
 * session with it. TerminalOutput writes through libuv's thread pool instead (fs.write on the terminal's fd),
 * one write in flight at a time, and says when it is busy, so the frame scheduler skips frames rather than
 * queue them. Only at teardown (and on process exit) does it write synchronously, to restore the terminal.
 *
 * captureStrayOutput keeps anything else that writes to stdout/stderr (a warning, a console.log) from
 * scribbling over the screen: the lines go to the dashboard, and are printed after the screen is gone.
 */
import { EventEmitter } from 'node:events';
import { write as fsWrite, writeSync } from 'node:fs';
import type { WriteStream } from 'node:tty';

/** Bytes queued for a stuck terminal before the queue is dropped (the next frame is then drawn whole). */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

export class TerminalOutput extends EventEmitter {
  readonly isTTY = true;
  writable = true;
  bytesWritten = 0;
  /** Set when queued bytes were dropped: the screen must be redrawn from scratch. */
  lost = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inflight = false;
  private sync = false;
  private readonly onResize = () => this.emit('resize');

  constructor(
    private readonly fd: number,
    private readonly tty: Pick<WriteStream, 'columns' | 'rows' | 'on' | 'off'>,
  ) {
    super();
    tty.on('resize', this.onResize);
  }

  get columns(): number {
    return this.tty.columns || 80;
  }

  get rows(): number {
    return this.tty.rows || 24;
  }

  /** Whether earlier output is still on its way to the terminal. */
  get busy(): boolean {
    return this.inflight || this.pending.length > 0;
  }

  write(data: string | Uint8Array): boolean {
    if (!this.writable) return false;
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    if (this.sync) {
      this.flushSync();
      this.writeAllSync(chunk);
      return true;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.pending = [];
      this.pendingBytes = 0;
      this.lost = true;
    }
    this.pump();
    return !this.inflight;
  }

  /** From now on every write is synchronous; whatever is queued is written first. For teardown and exit. */
  goSync(): void {
    this.sync = true;
    this.flushSync();
  }

  /** Stops writing for good (the terminal went away) and lets go of the resize listener. */
  close(): void {
    this.writable = false;
    this.pending = [];
    this.pendingBytes = 0;
    this.tty.off('resize', this.onResize);
  }

  /** Resolves once nothing is queued or in flight, or after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.busy && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  }

  private pump(): void {
    if (this.inflight || this.pending.length === 0 || this.sync) return;
    const chunk = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.inflight = true;
    const go = (offset: number) => {
      fsWrite(this.fd, chunk, offset, chunk.length - offset, null, (error, n) => {
        if (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN')
            return void setTimeout(() => go(offset), 10);
          this.inflight = false;
          this.writable = false; // the terminal is gone (EIO, EPIPE): stop drawing, keep relaying
          this.emit('gone', error);
          return;
        }
        this.bytesWritten += n;
        if (offset + n < chunk.length) return go(offset + n);
        this.inflight = false;
        if (this.sync) this.flushSync();
        else this.pump();
        this.emit('drain');
      });
    };
    go(0);
  }

  private flushSync(): void {
    if (this.pending.length === 0) return;
    const chunk = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.writeAllSync(chunk);
  }

  private writeAllSync(chunk: Buffer): void {
    let offset = 0;
    let spins = 0;
    while (offset < chunk.length && this.writable) {
      try {
        const n = writeSync(this.fd, chunk, offset, chunk.length - offset);
        offset += n;
        this.bytesWritten += n;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || ++spins > 1000) {
          this.writable = false;
          return;
        }
      }
    }
  }
}

/**
 * Whether the locale's character set is UTF-8, by POSIX precedence (LC_ALL, then LC_CTYPE, then LANG): the first
 * one set decides, so LC_ALL=C under LANG=en_US.UTF-8 is not UTF-8.
 */
export function localeIsUtf8(env: NodeJS.ProcessEnv = process.env): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale);
}

type WriteFn = typeof process.stdout.write;

/**
 * Diverts process.stdout/stderr writes to `onLine` (one call per line) until the returned function is
 * called, which restores them.
 */
export function captureStrayOutput(onLine: (text: string) => void): () => void {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write);
  let partial = '';
  const divert = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (l.trim() !== '') onLine(l.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trimEnd());
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (callback) queueMicrotask(callback);
    return true;
  } as WriteFn;
  for (const s of streams) s.write = divert;
  return () => {
    if (partial.trim() !== '') onLine(partial);
    partial = '';
    streams.forEach((s, i) => {
      s.write = originals[i]!;
    });
  };
}
