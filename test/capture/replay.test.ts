/**
 * Live == replay through the capture format: the engine's masked data events, written as capture records
 * (dataRecord, CaptureWriter), read back (readCapture) and analysed (CaptureAnalyzer), give exactly the events
 * the live session gave — for whole, byte-by-byte and random chunkings — and the file holds no secret.
 */
import { createReadStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/analysis/types.js';
import { CaptureAnalyzer } from '../../src/capture/analyze.js';
import { type CaptureRecord, dataRecord, headerRecord } from '../../src/capture/format.js';
import { readCapture } from '../../src/capture/reader.js';
import { CaptureWriter } from '../../src/capture/writer.js';
import {
  bytewiseChunks,
  Collector,
  c,
  cutsArbitrary,
  type Dialogue,
  LOGIN,
  multiline,
  type RunResult,
  runDialogue,
  s,
  splitChunks,
  tls,
  wholeChunks,
} from '../helpers/chunking.js';
import { expectValidCapture } from '../helpers/schema.js';

const b64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');

const DIALOGUE: Dialogue = [
  s('+OK ready\r\n'),
  c('CAPA\r\n'),
  s('+OK\r\nSTLS\r\nSASL PLAIN\r\n.\r\n'),
  c('STLS\r\n'),
  s('+OK go\r\n'),
  tls(),
  c(`AUTH PLAIN ${b64('\0bob\0Zq9replayPW')}\r\n`),
  s('+OK\r\n'),
  c('LIST\r\nRETR 1\r\n'),
  s(`+OK\r\n1 19\r\n.\r\n+OK\r\n${multiline(['Subject: x', '', '.hi'])}`),
  c('DELE 1\r\nQUIT\r\n'),
  s('+OK\r\n+OK\r\n'),
];

/** The capture records a live proxy writes for a run: open, each data and tls event as emitted, close. */
function captureRecords(r: RunResult, session: string): CaptureRecord[] {
  const out: CaptureRecord[] = [
    { type: 'open', session, t: 0, client: '192.0.2.1:50000', upstream: '192.0.2.2:110', tls: 'none' },
  ];
  for (const e of r.raw) {
    if (e.type === 'data') out.push(dataRecord(session, e.t, e.dir, e.bytes));
    if (e.type === 'tls') out.push({ type: 'tls', session, t: e.t, ...e.info });
    if (e.type === 'summary')
      out.push({ type: 'close', session, t: e.summary.endedAt, by: 'client', reason: 'test over' });
  }
  return out;
}

async function analyze(stream: Readable): Promise<EngineEvent[]> {
  const analyzer = new CaptureAnalyzer();
  const out: EngineEvent[] = [];
  for await (const record of readCapture(stream, 'replay')) out.push(...analyzer.record(record));
  out.push(...analyzer.end());
  return out;
}

/** Non-data events of one session, as the helper normalises them. */
function eventsOf(events: EngineEvent[], session: string) {
  const collector = new Collector();
  collector.add(events.filter((e) => e.session === session));
  return collector.result({ c2s: [], s2c: [] }).events;
}

/** A capture file of these records (checked against the published schema). */
function asJsonl(records: CaptureRecord[]): string {
  const text = `${[headerRecord('test', new Date(0)), ...records].map((r) => JSON.stringify(r)).join('\n')}\n`;
  expectValidCapture(text);
  return text;
}

describe('live == replay through a capture', () => {
  const ways = [
    ['whole', wholeChunks],
    ['byte by byte', bytewiseChunks()],
    ...fc
      .sample(cutsArbitrary(DIALOGUE.length), { numRuns: 5, seed: 42 })
      .map((cuts, i) => [`random splits #${i + 1}`, splitChunks(cuts)] as const),
  ] as const;

  for (const [name, chunker] of ways) {
    it(`replays a ${name} session to the same events, without the secret`, async () => {
      const live = runDialogue(DIALOGUE, chunker, 'test');
      const jsonl = asJsonl(captureRecords(live, 'test'));
      expect(jsonl).not.toContain('Zq9replayPW');
      expect(jsonl).not.toContain(b64('\0bob\0Zq9replayPW'));
      const replayed = await analyze(Readable.from([Buffer.from(jsonl)], { objectMode: false }));
      expect(eventsOf(replayed, 'test')).toEqual(live.events);
    });
  }

  it('keeps interleaved sessions apart, and closes sessions the capture never closed', async () => {
    const a = runDialogue(DIALOGUE, wholeChunks, 'a');
    const b = runDialogue([...LOGIN, c('STAT\r\n'), s('+OK 0 0\r\n')], bytewiseChunks(), 'b');
    const ra = captureRecords(a, 'a');
    const rb = captureRecords(b, 'b').slice(0, -1); // b's close record is missing
    const mixed: CaptureRecord[] = [];
    for (let i = 0; i < Math.max(ra.length, rb.length); i++)
      mixed.push(...[ra[i], rb[i]].filter((r) => r !== undefined));
    const replayed = await analyze(Readable.from([Buffer.from(asJsonl(mixed))], { objectMode: false }));
    expect(eventsOf(replayed, 'a')).toEqual(a.events);
    const bEvents = eventsOf(replayed, 'b');
    const bTx = bEvents
      .filter((e) => e.type === 'transaction')
      .map((e) => (e.tx as { command: { line: string } | null }).command?.line ?? null);
    expect(bTx).toEqual([null, 'USER bob', 'PASS <redacted 7 octets>', 'STAT']);
    expect(bEvents[bEvents.length - 1]).toMatchObject({
      type: 'summary',
      summary: { closeReason: 'the capture ends here' },
    });
  });

  it('replays TLS facts exactly as they were live', async () => {
    const live = runDialogue(DIALOGUE, wholeChunks, 'test');
    const replayed = await analyze(
      Readable.from([Buffer.from(asJsonl(captureRecords(live, 'test')))], { objectMode: false }),
    );
    expect(eventsOf(replayed, 'test')).toEqual(live.events);
  });

  it('replays a capture written by CaptureWriter', async () => {
    const live = runDialogue(DIALOGUE, splitChunks(DIALOGUE.map(() => [3, 7, 11])), 'w');
    const path = join(mkdtempSync(join(tmpdir(), 'pop3scope-replay-')), 'live.jsonl');
    const writer = await CaptureWriter.open(path, { toolVersion: 'test' });
    for (const record of captureRecords(live, 'w')) writer.write(record);
    await writer.close();
    expect(readFileSync(path, 'latin1')).not.toContain('Zq9replayPW');
    expectValidCapture(readFileSync(path, 'utf8'), path);
    expect(eventsOf(await analyze(createReadStream(path)), 'w')).toEqual(live.events);
  });
});
