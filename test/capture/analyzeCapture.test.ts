/**
 * analyzeCapture (the library's "events of a capture"): the same events, in the same order, as reading the
 * records and feeding a CaptureAnalyzer by hand, whether the capture is a path or a stream cut anywhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/analysis/types.js';
import { CaptureAnalyzer } from '../../src/capture/analyze.js';
import { analyzeCapture } from '../../src/capture/analyzeCapture.js';
import { CaptureError, readCapture } from '../../src/capture/reader.js';
import { ROOT } from '../helpers/cli.js';

const FILE = join(ROOT, 'captures', 'pipelined.jsonl');
const TWO_SESSIONS = join(ROOT, 'captures', 'dovecot-curl.jsonl');

async function all(events: AsyncIterable<EngineEvent>): Promise<EngineEvent[]> {
  const out: EngineEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The events the long way: readCapture, then one CaptureAnalyzer over every record. */
async function byHand(file: string, wanted?: (id: string) => boolean): Promise<EngineEvent[]> {
  const analyzer = new CaptureAnalyzer(wanted);
  const out: EngineEvent[] = [];
  for await (const r of readCapture(Readable.from([readFileSync(file)]), file))
    out.push(...analyzer.record(r));
  out.push(...analyzer.end());
  return out;
}

/** A stream of the file's bytes cut at the given lengths (whatever is left comes last). */
function cut(file: string, sizes: (length: number) => number[]): Readable {
  const bytes = readFileSync(file);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const n of sizes(bytes.length)) {
    pieces.push(bytes.subarray(at, at + n));
    at += n;
  }
  if (at < bytes.length) pieces.push(bytes.subarray(at));
  return Readable.from(pieces);
}

describe('analyzeCapture', () => {
  it('gives, from a path, every event CaptureAnalyzer gives, each session ending with its summary', async () => {
    const events = await all(analyzeCapture(FILE));
    expect(events).toEqual(await byHand(FILE));
    expect(events.at(-1)?.type).toBe('summary');
    expect(events.some((e) => e.type === 'transaction')).toBe(true);
  });

  it('gives the same events from a stream, whole, byte by byte and at random cuts', async () => {
    const expected = await byHand(FILE);
    expect(await all(analyzeCapture(cut(FILE, (n) => [n])))).toEqual(expected);
    expect(await all(analyzeCapture(cut(FILE, (n) => Array(n).fill(1))))).toEqual(expected);
    let seed = 13;
    const random = () => {
      seed = (seed * 48271) % 2147483647; // Park–Miller: reproducible cuts
      return seed % 97;
    };
    for (let run = 0; run < 5; run++) {
      const stream = cut(FILE, (n) => Array.from({ length: Math.ceil(n / 40) }, () => 1 + random()));
      expect(await all(analyzeCapture(stream))).toEqual(expected);
    }
  });

  it('keeps only the session asked for', async () => {
    const everything = await all(analyzeCapture(TWO_SESSIONS));
    const ids = [...new Set(everything.map((e) => e.session))];
    expect(ids.length).toBeGreaterThan(1);
    const one = await all(analyzeCapture(TWO_SESSIONS, { session: ids[1] }));
    expect(one).toEqual(everything.filter((e) => e.session === ids[1]));
    expect(one.length).toBeGreaterThan(0);
  });

  it('says what is wrong with a file it cannot read, in one line, naming it', async () => {
    const missing = join(ROOT, 'captures', 'no-such-capture.jsonl');
    await expect(all(analyzeCapture(missing))).rejects.toThrow(CaptureError);
    await expect(all(analyzeCapture(missing))).rejects.toThrow(
      /^cannot read .*no-such-capture\.jsonl: no such file$/,
    );
    const notCapture = Readable.from([Buffer.from('hello\n')]);
    await expect(all(analyzeCapture(notCapture, { name: 'mail.txt' }))).rejects.toThrow(
      /^mail\.txt: not a pop3scope capture/,
    );
  });

  it('passes the reader warnings on (a capture cut short mid-line keeps what came before)', async () => {
    const text = readFileSync(FILE, 'utf8');
    const warnings: string[] = [];
    const events = await all(
      analyzeCapture(
        Readable.from([Buffer.from(text.slice(0, text.lastIndexOf('\n', text.length - 2) + 20))]),
        {
          warn: (m) => warnings.push(m),
          name: 'cut.jsonl',
        },
      ),
    );
    expect(warnings).toEqual([expect.stringMatching(/^cut\.jsonl: line \d+ is cut short/)]);
    expect(events.at(-1)?.type).toBe('summary');
  });
});
