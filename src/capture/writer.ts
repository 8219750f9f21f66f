/**
 * Streaming capture writer: records are appended as data flows, written in the background at least every
 * FLUSH_INTERVAL_MS, whenever FLUSH_AT_BYTES are waiting, and on close, never with a synchronous write on the
 * relay's path. The file is created mode 0600 (captures describe private mail); an existing capture that
 * others may read is tightened to 0600, with a warning.
 *
 * When more than MAX_PENDING_BYTES wait (mail arrives faster than the file takes it), data records are
 * dropped, counted per session, and each run of dropped records is marked in the file by a `gap` record before
 * the session's next record; open, tls and close records are never dropped, and recording goes on as soon as
 * there is room. A write error is reported once, loudly, through `onError`, and the writer then drops records
 * instead of throwing: the relay must keep carrying mail.
 *
 * Session ids stay unique within the file: `nextSessionNumber` says where the proxy's numbering continues,
 * and a session that opens with an id the file already holds is written as `<id>#k` (SessionNames).
 */

import { type FileHandle, open } from 'node:fs/promises';
import { counted } from '../words.js';
import { dataLine } from './dataLine.js';
import {
  CAPTURE_FORMAT,
  type CaptureRecord,
  dataBytes,
  type GapRecord,
  type HeaderFaults,
  headerRecord,
} from './format.js';
import { MAX_PENDING_BYTES, SLOW_DOWN_AT_BYTES } from './limits.js';
import { CaptureError } from './reader.js';
import { SessionNames } from './sessions.js';

export { MAX_PENDING_BYTES, SLOW_DOWN_AT_BYTES } from './limits.js';

/** Records waiting longer than this are written even if few: a crash loses at most this much. */
export const FLUSH_INTERVAL_MS = 250;
/** Written at once when this much waits: a fast session must not pile up 250 ms of mail in memory. */
export const FLUSH_AT_BYTES = 1024 * 1024;

export interface CaptureWriterOptions {
  readonly toolVersion: string;
  /**
   * The faults this run injects (seed and rules as written), recorded in the run's header. A run that appends
   * to an existing capture writes a header of its own when it has faults, or when the file's last run had
   * some (so what follows is known to be free of them); otherwise the file keeps its single header.
   */
  readonly faults?: HeaderFaults;
  /** Something went wrong that loses records: the first drop, a write error. */
  readonly onError?: (error: Error) => void;
  /** Something worth saying that loses nothing (a mode tightened; at close, how many records were dropped). */
  readonly onWarning?: (message: string) => void;
  readonly now?: () => Date;
  /** The memory bound (tests use a small one). */
  readonly maxPendingBytes?: number;
  /** Where congestion begins (tests use a small one). */
  readonly slowDownAtBytes?: number;
}

const stderrWarning = (message: string) => process.stderr.write(`pop3scope: warning: ${message}\n`);

interface Gap {
  t: number;
  records: number;
  octets: number;
}

export class CaptureWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Handed to the file and not yet written. */
  private inFlightBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  /** A drain() is running: what is queued meanwhile goes out with its next write. */
  private draining = false;
  private failed = false;
  /** Data dropped per session since its last record that was kept. */
  private readonly gaps = new Map<string, Gap>();
  private readonly dropped = { records: 0, octets: 0, sessions: new Set<string>() };
  private readonly timer: NodeJS.Timeout;
  /** Waiting for congestion to end. */
  private relief: (() => void)[] = [];
  private closed = false;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    private readonly names: SessionNames,
    private readonly o: CaptureWriterOptions,
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
    const stat = await file.stat();
    let { size } = stat;
    let names = new SessionNames();
    let faulted = false;
    if (size > 0) {
      const head = Buffer.alloc(Math.min(size, 256));
      await file.read(head, 0, head.length, 0);
      if (!head.toString('utf8').includes(`"format":"${CAPTURE_FORMAT}"`)) {
        await file.close();
        throw new CaptureError(`${path} exists and is not a pop3scope capture; refusing to append to it`);
      }
      size = await dropCutShortRecord(file, size);
      ({ names, faulted } = await sessionsIn(file, size));
    }
    const warn = options.onWarning ?? stderrWarning;
    // open()'s mode applies only to a file it creates: an existing capture keeps whatever mode it had.
    if (stat.isFile() && (stat.mode & 0o077) !== 0) {
      const was = (stat.mode & 0o777).toString(8).padStart(4, '0');
      try {
        await file.chmod(0o600);
        warn(`capture ${path} was mode ${was}, readable by others; it is now 0600`);
      } catch (error) {
        warn(
          `capture ${path} is mode ${was}, readable by others, and cannot be made 0600 (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
        );
      }
    }
    const writer = new CaptureWriter(file, path, names, options);
    if (size === 0 || options.faults || faulted)
      writer.write(headerRecord(options.toolVersion, (options.now ?? (() => new Date()))(), options.faults));
    return writer;
  }

  /** The first `s<N>` the proxy may give out without reusing an id of this file. */
  get nextSessionNumber(): number {
    return this.names.nextNumber();
  }

  /**
   * Whether so much waits for the file that whoever feeds the writer should pause (the relay stops reading its
   * sockets) until `relieved()`: backpressure slows a fast transfer to the file's speed instead of dropping.
   */
  get congested(): boolean {
    return !this.failed && !this.closed && this.waiting >= this.slowDownAt;
  }

  /** Resolves once half of the congestion is written (at once if there is none, the writer failed or closed). */
  relieved(): Promise<void> {
    if (!this.congested) return Promise.resolve();
    void this.flush(); // whatever is queued goes out now, not at the next tick of the timer
    return new Promise((resolve) => this.relief.push(resolve));
  }

  /** Queues one record. Never throws. */
  write(record: CaptureRecord): void {
    if (this.failed) return;
    if (record.type === 'header') {
      this.queue(Buffer.from(`${JSON.stringify(record)}\n`));
      return;
    }
    const name =
      record.type === 'open' ? this.names.open(record.session) : this.names.current(record.session);
    const r = name === record.session ? record : { ...record, session: name };
    const line = Buffer.from(`${JSON.stringify(r)}\n`);
    if (r.type === 'data' && this.overflows(line.length)) this.drop(name, r.t, dataBytes(r).length);
    else this.keep(name, line);
  }

  /** Queues the data record of a chunk (the relay's path: the line is made from the bytes). Never throws. */
  writeData(session: string, t: number, dir: 'c2s' | 's2c', bytes: Uint8Array): void {
    if (this.failed) return;
    const name = this.names.current(session);
    // A chunk is checked before its line is made: a disk that is not keeping up costs no encoding.
    if (this.overflows(bytes.length)) this.drop(name, t, bytes.length);
    else this.keep(name, dataLine(name, t, dir, bytes));
  }

  /** Whether a data record of about `size` bytes would take more memory than the writer may hold. */
  private overflows(size: number): boolean {
    return this.waiting + size > (this.o.maxPendingBytes ?? MAX_PENDING_BYTES);
  }

  /** Queues a record of `session` that is kept, after the gap record of what was dropped before it. */
  private keep(session: string, line: Buffer): void {
    const gap = this.gaps.get(session);
    if (gap) {
      this.gaps.delete(session);
      this.queue(Buffer.from(`${JSON.stringify({ type: 'gap', session, ...gap } satisfies GapRecord)}\n`));
    }
    this.queue(line);
  }

  /**
   * Writes everything queued so far; resolves when it is on its way to the disk. One write is in flight at a
   * time, and each takes ALL that waits when it starts: a batch per flush, chained, went out 1 MiB per turn of
   * the event loop while the relay queued more in the same turn, so the file fell ~12 MB behind, the relay
   * paused for it, and the lines lived long enough to be promoted and make V8 mark the whole heap (issue #18).
   */
  flush(): Promise<void> {
    if (this.pending.length > 0 && !this.failed && !this.draining) {
      this.draining = true;
      this.writing = this.drain();
    }
    return this.writing;
  }

  /** Writes until nothing waits (or the writer failed). */
  private async drain(): Promise<void> {
    while (this.pending.length > 0 && !this.failed) {
      const data = this.pending;
      const size = this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
      this.inFlightBytes += size;
      try {
        await writeAll(this.file, data, size);
      } catch (error) {
        this.fail(
          new Error(
            `capture ${this.path}: write failed: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          ),
        );
      } finally {
        this.inFlightBytes -= size;
        this.relieve();
      }
    }
    this.draining = false;
  }

  /** Marks the gaps still open, flushes and closes the file; says how much was dropped, if anything. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.closed = true;
    this.relieve();
    for (const [session, gap] of this.gaps)
      if (!this.failed)
        this.queue(Buffer.from(`${JSON.stringify({ type: 'gap', session, ...gap } satisfies GapRecord)}\n`));
    this.gaps.clear();
    await this.flush();
    try {
      await this.file.sync().catch(() => {});
      await this.file.close();
    } catch {
      // Already reported through onError if it mattered.
    }
    const { records, octets, sessions } = this.dropped;
    if (records > 0 && !this.failed)
      (this.o.onWarning ?? stderrWarning)(
        `capture ${this.path}: ${counted(records, 'data record')} (${counted(octets, 'octet')}) of ${counted(sessions.size, 'session')} ${records === 1 ? 'was' : 'were'} not recorded; each gap is marked in the capture`,
      );
  }

  private get slowDownAt(): number {
    return this.o.slowDownAtBytes ?? SLOW_DOWN_AT_BYTES;
  }

  /** Wakes those waiting in `relieved()` once the file has caught up by half (or will never catch up). */
  private relieve(): void {
    if (this.relief.length === 0) return;
    if (!this.failed && !this.closed && this.waiting >= this.slowDownAt / 2) return;
    for (const resolve of this.relief.splice(0)) resolve();
  }

  /** Queued or being written. */
  private get waiting(): number {
    return this.pendingBytes + this.inFlightBytes;
  }

  private queue(line: Buffer): void {
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= FLUSH_AT_BYTES) void this.flush();
  }

  private drop(session: string, t: number, octets: number): void {
    const gap = this.gaps.get(session);
    if (gap) {
      gap.records++;
      gap.octets += octets;
    } else this.gaps.set(session, { t, records: 1, octets });
    if (this.dropped.records++ === 0)
      this.o.onError?.(
        new Error(
          `capture ${this.path}: the disk is not keeping up; dropping data records (each gap is marked in the capture)`,
        ),
      );
    this.dropped.octets += octets;
    this.dropped.sessions.add(session);
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.o.onError?.(error);
    this.relieve();
  }
}

/**
 * Writes the lines as they are queued, without joining them into one copy first (a recording relay would
 * copy every megabyte once more); a short write, which a regular file does not give, is finished one by one.
 */
export async function writeAll(
  file: Pick<FileHandle, 'write' | 'writev'>,
  lines: Buffer[],
  size: number,
): Promise<void> {
  let { bytesWritten } = await file.writev(lines);
  if (bytesWritten >= size) return;
  for (const line of lines) {
    if (bytesWritten >= line.length) {
      bytesWritten -= line.length;
      continue;
    }
    let rest = line.subarray(bytesWritten);
    bytesWritten = 0;
    while (rest.length > 0) {
      const written = (await file.write(rest)).bytesWritten;
      if (written <= 0) throw Object.assign(new Error('nothing written'), { code: 'EIO' });
      rest = rest.subarray(written);
    }
  }
}

/** The longest session id the scan of an existing capture takes for one. */
const MAX_SCANNED_ID = 256;
const OPEN_PREFIX = Buffer.from('{"type":"open","session":"');
const HEADER_PREFIX = Buffer.from(`{"type":"header","format":"${CAPTURE_FORMAT}"`);
const FAULTS_KEY = Buffer.from('"faults":');
/** How far into a header line its "faults" key is looked for: it follows the short tool name at once. */
const HEADER_WINDOW = 1024;

/**
 * The session ids an existing capture holds, and whether its last header recorded faults, read block by block
 * (never the whole file): each `open` record as pop3scope writes it starts with OPEN_PREFIX and each header
 * with HEADER_PREFIX, which cannot occur inside a JSON string (their quotes would be escaped there).
 */
async function sessionsIn(
  file: FileHandle,
  size: number,
): Promise<{ names: SessionNames; faulted: boolean }> {
  const names = new SessionNames();
  const block = Buffer.alloc(1024 * 1024);
  let carry = Buffer.alloc(0);
  let headerTail: Buffer = Buffer.alloc(0);
  let faulted = false;
  for (let pos = 0; pos < size; ) {
    const { bytesRead } = await file.read(block, 0, Math.min(block.length, size - pos), pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const last = pos >= size;
    ({ faulted, tail: headerTail } = lastHeader(headerTail, block.subarray(0, bytesRead), last, faulted));
    const buf = Buffer.concat([carry, block.subarray(0, bytesRead)]);
    let from = 0;
    for (;;) {
      const at = buf.indexOf(OPEN_PREFIX, from);
      if (at === -1) {
        // A prefix may straddle two blocks: keep what could be its beginning.
        from = last ? buf.length : Math.max(from, buf.length - OPEN_PREFIX.length + 1);
        break;
      }
      const start = at + OPEN_PREFIX.length;
      let end = buf.indexOf(0x22, start);
      while (end !== -1 && buf[end - 1] === 0x5c) end = buf.indexOf(0x22, end + 1);
      if (end === -1 && !last && buf.length - start <= MAX_SCANNED_ID) {
        from = at; // the id goes on in the next block
        break;
      }
      if (end !== -1 && end - start <= MAX_SCANNED_ID) {
        try {
          names.open(JSON.parse(`"${buf.toString('utf8', start, end)}"`) as string);
        } catch {
          // Not an id a JSON string can hold: not a record pop3scope wrote.
        }
      }
      from = start;
    }
    carry = Buffer.from(buf.subarray(from));
  }
  return { names, faulted };
}

/**
 * Follows the headers of a capture block by block: whether the last one so far holds "faults". A header cut by
 * the block's end is judged with the next block (the tail kept covers it); one judged twice is judged alike.
 */
function lastHeader(
  tail: Buffer,
  block: Buffer,
  last: boolean,
  faulted: boolean,
): { faulted: boolean; tail: Buffer } {
  const buf = tail.length > 0 ? Buffer.concat([tail, block]) : block;
  for (let at = buf.indexOf(HEADER_PREFIX); at !== -1; at = buf.indexOf(HEADER_PREFIX, at + 1)) {
    const nl = buf.indexOf(0x0a, at);
    const end = nl === -1 ? buf.length : nl;
    if (nl === -1 && !last && end - at < HEADER_WINDOW) break;
    faulted = buf.subarray(at, Math.min(end, at + HEADER_WINDOW)).includes(FAULTS_KEY);
  }
  const keep = HEADER_WINDOW + HEADER_PREFIX.length;
  return { faulted, tail: Buffer.from(buf.subarray(Math.max(0, buf.length - keep))) };
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
