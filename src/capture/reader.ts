/**
 * Streaming capture reader: yields records one at a time, so a 1 GiB capture is never loaded whole, and no
 * line longer than MAX_CAPTURE_LINE is ever held. It tolerates a truncated last line (a crash mid-write: a
 * warning, everything before it kept) and a leading UTF-8 byte order mark, reports any other bad line with its
 * line number, and refuses a version it does not read with a message saying what is wrong. Sessions that
 * reuse an id (files appended to by older versions) are told apart as `s1`, `s1#2` (SessionNames).
 */
import { StringDecoder } from 'node:string_decoder';
import {
  CAPTURE_FORMAT,
  CAPTURE_RECORD_TYPES,
  CAPTURE_VERSION,
  type CaptureRecord,
  type HeaderRecord,
} from './format.js';
import { MAX_CAPTURE_LINE, MAX_CAPTURE_TIME } from './limits.js';
import { SessionNames } from './sessions.js';

/** A problem with a capture file: the message is one line, fit for stderr. */
export class CaptureError extends Error {}

/** The record types after the header; any other type is skipped (a newer writer's). */
const KNOWN = new Set<string>(CAPTURE_RECORD_TYPES.filter((type) => type !== 'header'));

const isCount = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

function validate(record: unknown): string | null {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not a JSON object';
  const r = record as Record<string, unknown>;
  if (typeof r.type !== 'string') return 'no "type" field';
  if (!KNOWN.has(r.type)) return null; // unknown record types are skipped, not errors
  if (typeof r.session !== 'string') return `a ${r.type} record needs a "session" string`;
  if (typeof r.t !== 'number' || !Number.isFinite(r.t)) return `a ${r.type} record needs a numeric "t"`;
  // Beyond Date's range every rendering of the time would throw (the crash was "Invalid time value").
  if (r.t < 0 || r.t > MAX_CAPTURE_TIME)
    return `a ${r.type} record's "t" must be milliseconds since 1970 (0 to ${MAX_CAPTURE_TIME}), not ${r.t}`;
  if (r.type === 'gap' && (!isCount(r.records) || !isCount(r.octets)))
    return 'a gap record needs "records" and "octets" counts';
  if (r.type === 'proxy' || r.type === 'alter') {
    if (r.dir !== 'c2s' && r.dir !== 's2c') return `a ${r.type} record needs "dir": "c2s" or "s2c"`;
    if (r.type === 'proxy' && typeof r.text !== 'string') return 'a proxy record needs a "text" string';
    if (r.type === 'alter' && (typeof r.what !== 'string' || typeof r.removed !== 'string'))
      return 'an alter record needs "what" and "removed" strings';
    if (r.type === 'alter' && r.code !== undefined && typeof r.code !== 'string')
      return 'an alter record\'s "code" must be a string';
  }
  if (
    r.type === 'inject' &&
    (typeof r.rule !== 'string' || typeof r.on !== 'string' || typeof r.what !== 'string')
  )
    return 'an inject record needs "rule", "on" and "what" strings';
  if (r.type === 'lost') {
    if (r.dir !== 'c2s' && r.dir !== 's2c') return 'a lost record needs "dir": "c2s" or "s2c"';
    if (!isCount(r.octets)) return 'a lost record needs an "octets" count';
  }
  if (r.type === 'note' && (typeof r.code !== 'string' || typeof r.detail !== 'string'))
    return 'a note record needs "code" and "detail" strings';
  if (r.type === 'data') {
    if (r.dir !== 'c2s' && r.dir !== 's2c') return 'a data record needs "dir": "c2s" or "s2c"';
    if (typeof r.text !== 'string' && typeof r.b64 !== 'string') return 'a data record needs "text" or "b64"';
  }
  return null;
}

type Line = { readonly text: string; readonly terminated: boolean } | { readonly tooLong: true };

/** A byte stream as text; a UTF-8 sequence cut across chunks is decoded whole. */
async function* text(stream: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of stream) {
    const piece = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (piece.length > 0) yield piece;
  }
  const tail = decoder.end();
  if (tail.length > 0) yield tail;
}

/**
 * Splits a byte stream into lines, remembering whether the last one ended with a newline. A line that grows
 * past `max` characters ends the split at once (tooLong): it is never joined, nor read to its end.
 */
async function* lines(stream: AsyncIterable<Buffer | string>, max: number): AsyncGenerator<Line> {
  let parts: string[] = [];
  let held = 0;
  for await (const chunk of text(stream)) {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      if (held + nl - start > max) {
        yield { tooLong: true };
        return;
      }
      const piece = chunk.slice(start, nl);
      yield { text: held > 0 ? parts.join('') + piece : piece, terminated: true };
      parts = [];
      held = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      held += chunk.length - start;
      if (held > max) {
        yield { tooLong: true };
        return;
      }
      parts.push(start === 0 ? chunk : chunk.slice(start));
    }
  }
  if (held > 0) yield { text: parts.join(''), terminated: false };
}

const size = (chars: number) =>
  chars % (1024 * 1024) === 0 ? `${chars / (1024 * 1024)} MiB` : `${chars} characters`;

/** What is wrong with a header's faults (absent is fine), or null. */
function faultsProblem(faults: unknown): string | null {
  if (faults === undefined) return null;
  const f = faults as Record<string, unknown> | null;
  if (typeof f !== 'object' || f === null || Array.isArray(f))
    return 'the capture header\'s "faults" must be an object';
  if (!isCount(f.seed)) return 'the capture header\'s "faults" needs a whole-number "seed"';
  if (!Array.isArray(f.rules) || !f.rules.every((rule) => typeof rule === 'string'))
    return 'the capture header\'s "faults" needs "rules", a list of strings';
  return null;
}

/** What is wrong with a header's version, or null when this reader reads it. */
function versionProblem(version: unknown): string | null {
  if (version === undefined) return 'the capture header has no "version"';
  if (typeof version !== 'number' || !Number.isInteger(version))
    return `the capture header's "version" must be an integer, not ${JSON.stringify(version)}`;
  if (version < 1) return `unsupported capture format version ${version}`;
  if (version > CAPTURE_VERSION)
    return `capture format version ${version} is newer than this pop3scope reads (${CAPTURE_VERSION}); upgrade pop3scope`;
  return null;
}

/**
 * Reads records from a capture stream. `name` is used in messages; `warn` receives non-fatal problems.
 * Throws CaptureError for a file that is not a capture, a newer version, or a bad line.
 */
export async function* readCapture(
  stream: AsyncIterable<Buffer | string>,
  name: string,
  warn: (message: string) => void = () => {},
  maxLine = MAX_CAPTURE_LINE,
): AsyncGenerator<CaptureRecord> {
  let n = 0;
  let headerSeen = false;
  // Once a run recorded faults, every later run's header is handed on: it says which faults (or none) follow.
  let faultsSeen = false;
  const names = new SessionNames();
  for await (const item of lines(stream, maxLine)) {
    n++;
    if ('tooLong' in item)
      throw new CaptureError(
        `${name}: line ${n} is longer than ${size(maxLine)}, far more than any capture record holds; not read`,
      );
    const { terminated } = item;
    // A leading byte order mark (some editors add one) is not part of the header.
    const text = n === 1 && item.text.startsWith('\uFEFF') ? item.text.slice(1) : item.text;
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
      const problem = versionProblem(h.version) ?? faultsProblem(h.faults);
      if (problem) throw new CaptureError(`${name}: ${problem}`);
      headerSeen = true;
      faultsSeen = h.faults !== undefined;
      yield record as CaptureRecord;
      continue;
    }
    const problem = validate(record);
    if (problem) throw new CaptureError(`${name}: line ${n}: ${problem}`);
    const type = (record as { type: string }).type;
    if (type === 'header') {
      // Appended runs may repeat the header; one is handed on when faults are in play (capture/faults.ts).
      const faults = (record as Record<string, unknown>).faults;
      const bad = faultsProblem(faults);
      if (bad) throw new CaptureError(`${name}: line ${n}: ${bad}`);
      if (faults !== undefined || faultsSeen) {
        faultsSeen = true;
        yield record as HeaderRecord;
      }
      continue;
    }
    if (!KNOWN.has(type)) continue;
    const r = record as Exclude<CaptureRecord, HeaderRecord>;
    const unique = type === 'open' ? names.open(r.session) : names.current(r.session);
    yield unique === r.session ? r : { ...r, session: unique };
  }
  if (!headerSeen)
    throw new CaptureError(
      `${name}: ${n === 0 ? 'empty file' : 'only blank lines'}, not a pop3scope capture`,
    );
}
