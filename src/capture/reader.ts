/**
 * Streaming capture reader: yields records one at a time, so a 1 GiB capture is never loaded whole. It
 * tolerates a truncated last line (a crash mid-write: a warning, everything before it kept), reports any
 * other bad line with its line number, and refuses a newer format version with a clear message.
 */
import type { Readable } from 'node:stream';
import { CAPTURE_FORMAT, CAPTURE_VERSION, type CaptureRecord } from './format.js';

/** A problem with a capture file: the message is one line, fit for stderr. */
export class CaptureError extends Error {}

const KNOWN = new Set(['open', 'data', 'tls', 'close']);

function validate(record: unknown): string | null {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not a JSON object';
  const r = record as Record<string, unknown>;
  if (typeof r.type !== 'string') return 'no "type" field';
  if (!KNOWN.has(r.type)) return null; // unknown record types are skipped, not errors
  if (typeof r.session !== 'string') return `a ${r.type} record needs a "session" string`;
  if (typeof r.t !== 'number' || !Number.isFinite(r.t)) return `a ${r.type} record needs a numeric "t"`;
  if (r.type === 'data') {
    if (r.dir !== 'c2s' && r.dir !== 's2c') return 'a data record needs "dir": "c2s" or "s2c"';
    if (typeof r.text !== 'string' && typeof r.b64 !== 'string') return 'a data record needs "text" or "b64"';
  }
  return null;
}

/** Splits a byte stream into lines, remembering whether the last one ended with a newline. */
async function* lines(stream: Readable): AsyncGenerator<{ text: string; terminated: boolean }> {
  let rest = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl === -1) {
      rest += chunk;
      continue;
    }
    yield { text: rest + chunk.slice(0, nl), terminated: true };
    rest = '';
    start = nl + 1;
    for (nl = chunk.indexOf('\n', start); nl !== -1; nl = chunk.indexOf('\n', start)) {
      yield { text: chunk.slice(start, nl), terminated: true };
      start = nl + 1;
    }
    rest = chunk.slice(start);
  }
  if (rest !== '') yield { text: rest, terminated: false };
}

/**
 * Reads records from a capture stream. `name` is used in messages; `warn` receives non-fatal problems.
 * Throws CaptureError for a file that is not a capture, a newer version, or a bad line.
 */
export async function* readCapture(
  stream: Readable,
  name: string,
  warn: (message: string) => void = () => {},
): AsyncGenerator<CaptureRecord> {
  let n = 0;
  let headerSeen = false;
  for await (const { text, terminated } of lines(stream)) {
    n++;
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      if (!terminated && headerSeen) {
        warn(
          `${name}: line ${n} is cut short (the capture was still being written, or the writer crashed); kept everything before it`,
        );
        return;
      }
      if (!headerSeen) throw new CaptureError(`${name}: not a pop3scope capture (line ${n} is not JSON)`);
      throw new CaptureError(`${name}: line ${n} is not valid JSON`);
    }
    // The first line that is not blank must be the header.
    if (!headerSeen) {
      const h = record as Record<string, unknown>;
      if (h?.type !== 'header' || h.format !== CAPTURE_FORMAT) {
        throw new CaptureError(
          `${name}: not a pop3scope capture (line ${n} is not a "${CAPTURE_FORMAT}" header)`,
        );
      }
      if (typeof h.version !== 'number' || h.version > CAPTURE_VERSION) {
        throw new CaptureError(
          `${name}: capture format version ${String(h.version)} is newer than this pop3scope reads (${CAPTURE_VERSION}); upgrade pop3scope`,
        );
      }
      headerSeen = true;
      yield record as CaptureRecord;
      continue;
    }
    const problem = validate(record);
    if (problem) throw new CaptureError(`${name}: line ${n}: ${problem}`);
    const type = (record as { type: string }).type;
    if (type === 'header') continue; // appended runs may repeat the header
    if (KNOWN.has(type)) yield record as CaptureRecord;
  }
  if (!headerSeen)
    throw new CaptureError(
      `${name}: ${n === 0 ? 'empty file' : 'only blank lines'}, not a pop3scope capture`,
    );
}
