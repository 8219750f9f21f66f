/**
 * Every file pop3scope reads as a capture, told apart by its first bytes (not its name): a pop3scope capture
 * (JSON Lines), a pcap or pcapng packet trace, or either of them gzip-compressed. All come out as the same
 * capture records, so `show`, `check`, the exports and `replay` read them alike.
 */
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { CaptureRecord } from './format.js';
import { openCapture } from './open.js';
import { SNIFF_BYTES, sniffFormat } from './pcap/fileReader.js';
import { readTrace } from './pcap/readTrace.js';
import type { TraceOptions } from './pcap/trace.js';
import { CaptureError, readCapture } from './reader.js';

export interface ReadOptions {
  /** Non-fatal problems (a cut-short last line or packet), one line each. */
  readonly warn?: (message: string) => void;
  /** How packet traces are read: extra POP3 ports, the TLS key log. */
  readonly trace?: TraceOptions;
  /** The longest JSON line read (tests lower it). */
  readonly maxLine?: number;
}

const asBuffer = (chunk: Buffer | string) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);

/** The records of a capture or packet trace, whatever its format. Throws CaptureError (one line). */
export async function* readRecords(
  source: AsyncIterable<Buffer | string>,
  name: string,
  options: ReadOptions = {},
  depth = 0,
): AsyncGenerator<CaptureRecord> {
  const warn = options.warn ?? (() => {});
  const it = source[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let have = 0;
  let ended = false;
  while (have < SNIFF_BYTES) {
    const next = await it.next();
    if (next.done) {
      ended = true;
      break;
    }
    const b = asBuffer(next.value);
    first.push(b);
    have += b.length;
  }
  async function* all(): AsyncGenerator<Buffer> {
    yield* first;
    if (ended) return;
    for (let next = await it.next(); !next.done; next = await it.next()) yield asBuffer(next.value);
  }
  const format = sniffFormat(Buffer.concat(first, have).subarray(0, SNIFF_BYTES));
  if (format === 'gzip' && depth === 0) {
    yield* readRecords(gunzip(all(), name), name, options, depth + 1);
    return;
  }
  if (format === 'pcap' || format === 'pcapng') {
    yield* readTrace(all(), name, warn, options.trace);
    return;
  }
  yield* readCapture(all(), name, warn, options.maxLine);
}

/** The uncompressed bytes; a damaged gzip stream is one CaptureError line. */
async function* gunzip(source: AsyncIterable<Buffer>, name: string): AsyncGenerator<Buffer> {
  const inflate = pipeline(Readable.from(source), createGunzip(), () => {});
  try {
    for await (const chunk of inflate) yield chunk as Buffer;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (!code.startsWith('Z_')) throw error;
    throw new CaptureError(`${name}: the gzip data is damaged (${(error as Error).message})`);
  }
}

/** The records of the capture or trace named on a command line ("-" is stdin). */
export async function openRecords(
  file: string,
  options: ReadOptions = {},
): Promise<AsyncGenerator<CaptureRecord>> {
  return readRecords(await openCapture(file), file === '-' ? 'stdin' : file, options);
}
