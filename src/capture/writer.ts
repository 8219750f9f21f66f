/**
 * Streaming capture writer: records are appended as data flows, written in the background at least every
 * FLUSH_INTERVAL_MS, whenever FLUSH_AT_BYTES are waiting, and on close, never with a synchronous write on the
 * relay's path. The file is created
 * mode 0600 (captures describe private mail). A write error is reported once, loudly, through `onError`,
 * and the writer then drops records instead of throwing: the relay must keep carrying mail.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { CAPTURE_FORMAT, type CaptureRecord, headerRecord } from './format.js';
import { CaptureError } from './reader.js';

/** Records waiting longer than this are written even if few: a crash loses at most this much. */
export const FLUSH_INTERVAL_MS = 250;
/** Written at once when this much waits: a fast session must not pile up 250 ms of mail in one string. */
export const FLUSH_AT_BYTES = 1024 * 1024;
/**
 * If the disk cannot keep up, at most this much waits in memory, queued or being written; beyond it records
 * are dropped. Counted in characters of the JSON lines (= bytes for the ASCII that captures mostly are).
 */
export const MAX_PENDING_BYTES = 64 * 1024 * 1024;

export interface CaptureWriterOptions {
  readonly toolVersion: string;
  readonly onError?: (error: Error) => void;
  readonly now?: () => Date;
}

export class CaptureWriter {
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Handed to the file and not yet written. */
  private inFlightBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  private failed = false;
  private dropped = 0;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    private readonly onError: (error: Error) => void,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Opens (or creates, mode 0600) a capture; appends to an existing capture, refuses any other file. */
  static async open(path: string, options: CaptureWriterOptions): Promise<CaptureWriter> {
    let file: FileHandle;
    try {
      file = await open(path, 'a+', 0o600);
    } catch (error) {
      throw new CaptureError(
        `cannot open capture ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    let { size } = await file.stat();
    if (size > 0) {
      const head = Buffer.alloc(Math.min(size, 256));
      await file.read(head, 0, head.length, 0);
      if (!head.toString('utf8').includes(`"format":"${CAPTURE_FORMAT}"`)) {
        await file.close();
        throw new CaptureError(`${path} exists and is not a pop3scope capture; refusing to append to it`);
      }
      size = await dropCutShortRecord(file, size);
    }
    const writer = new CaptureWriter(file, path, options.onError ?? (() => {}));
    if (size === 0) writer.write(headerRecord(options.toolVersion, (options.now ?? (() => new Date()))()));
    return writer;
  }

  /** Queues one record. Never throws. */
  write(record: CaptureRecord): void {
    if (this.failed) return;
    const line = `${JSON.stringify(record)}\n`;
    // The string's length, not Buffer.byteLength: that would read every body a second time.
    const size = line.length;
    if (this.pendingBytes + this.inFlightBytes + size > MAX_PENDING_BYTES) {
      if (this.dropped++ === 0)
        this.fail(new Error(`capture ${this.path}: the disk is not keeping up; dropping records`));
      return;
    }
    this.pending.push(line);
    this.pendingBytes += size;
    if (this.pendingBytes >= FLUSH_AT_BYTES) void this.flush();
  }

  /** Writes everything queued so far; resolves when it is on its way to the disk. */
  flush(): Promise<void> {
    if (this.pending.length === 0 || this.failed) return this.writing;
    const data = this.pending.join('');
    const size = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.inFlightBytes += size;
    this.writing = this.writing.then(async () => {
      try {
        if (!this.failed) await this.file.write(data);
      } catch (error) {
        this.fail(
          new Error(
            `capture ${this.path}: write failed: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          ),
        );
      } finally {
        this.inFlightBytes -= size;
      }
    });
    return this.writing;
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    try {
      await this.file.sync().catch(() => {});
      await this.file.close();
    } catch {
      // Already reported through onError if it mattered.
    }
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.onError(error);
  }
}

/**
 * A crash can leave the last record cut short. Appending after it would fuse it with the next record and make
 * the file unreadable from there on, so the cut-short tail is removed first (it could not be read anyway).
 * Returns the new size.
 */
async function dropCutShortRecord(file: FileHandle, size: number): Promise<number> {
  const block = 64 * 1024;
  let end = size;
  const last = Buffer.alloc(1);
  await file.read(last, 0, 1, size - 1);
  if (last[0] === 0x0a) return size;
  while (end > 0) {
    const start = Math.max(0, end - block);
    const buf = Buffer.alloc(end - start);
    await file.read(buf, 0, buf.length, start);
    const nl = buf.lastIndexOf(0x0a);
    if (nl !== -1) {
      await file.truncate(start + nl + 1);
      return start + nl + 1;
    }
    end = start;
  }
  return size;
}
