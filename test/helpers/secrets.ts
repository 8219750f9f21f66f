/**
 * Looking for a secret everywhere pop3scope writes: the engine's events and masked bytes, the text
 * transcript, the JSON lines, the Markdown report, the log, the capture records, and the replay of that
 * capture through the engine again — in plain, in hex, and in base64 at every alignment.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect } from 'vitest';
import type { EngineEvent } from '../../src/analysis/types.js';
import { CaptureAnalyzer } from '../../src/capture/analyze.js';
import { dataRecord } from '../../src/capture/format.js';
import { logSink } from '../../src/proxy/sinks/log.js';
import { jsonLine } from '../../src/render/json.js';
import { markdownReport } from '../../src/render/markdown.js';
import { TranscriptPrinter } from '../../src/render/text.js';
import { everythingAsText, type RunResult } from './chunking.js';
import { expectValidCapture, expectValidJsonOutput } from './schema.js';

/**
 * The forms a secret may take in output: itself (its bytes as latin1, and as UTF-8 text), its hex, and the part of its base64 that depends on the
 * secret alone, for each of the three offsets it can sit at inside a longer base64 blob (SASL PLAIN puts
 * the password after "\0user\0").
 */
export function secretForms(secret: string | Buffer): string[] {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'latin1') : secret;
  const forms = [bytes.toString('latin1'), bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
  // Output is text: UTF-8 bytes on the wire show up decoded.
  const utf8 = bytes.toString('utf8');
  if (Buffer.from(utf8, 'utf8').equals(bytes) && utf8 !== forms[0]) forms.push(utf8);
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    // The first group mixes in the prefix (when there is one), the last the suffix and padding.
    const core = b64.slice(k === 0 ? 0 : 4, b64.length - 4);
    if (core.length >= 4) forms.push(core);
  }
  return forms;
}

/** Everything every sink writes for the events of one run, as latin1 text. */
export function allSinksText(events: readonly EngineEvent[]): string {
  return allSinksParts(events).join('\n');
}

/** The same, as the lines each sink wrote (a long session's whole output is too long for one string). */
export function allSinksParts(events: readonly EngineEvent[]): string[] {
  const out: string[] = [];
  const printer = new TranscriptPrinter({ explain: true });
  const lines: string[] = [];
  const jsonLines: string[] = [];
  for (const e of events) {
    for (const item of printer.event(e)) lines.push(item);
    const json = jsonLine(e);
    if (json) jsonLines.push(json);
  }
  for (const json of jsonLines) out.push(json);
  for (const item of lines) out.push(item);
  const summary = events.flatMap((e) => (e.type === 'summary' ? [e.summary] : []))[0];
  if (summary) out.push(markdownReport({ summary, lines, violations: [] }));
  out.push(logText(events));
  // The capture records, and what `show` makes of them.
  const records = events.flatMap((e) =>
    e.type === 'data' ? [dataRecord(e.session, e.t, e.dir, e.bytes)] : [],
  );
  for (const item of records.map((r) => JSON.stringify(r))) out.push(item);
  expectValidCapture(records, 'capture records', false);
  const analyzer = new CaptureAnalyzer();
  const again: EngineEvent[] = [];
  for (const r of records) for (const item of analyzer.record(r)) again.push(item);
  for (const item of analyzer.end()) again.push(item);
  const printerAgain = new TranscriptPrinter({ explain: true });
  for (const e of again) {
    for (const item of printerAgain.event(e)) out.push(item);
    const json = jsonLine(e);
    if (json) {
      out.push(json);
      jsonLines.push(json);
    }
  }
  // What every sink wrote as JSON must match the published schemas, whatever the dialogue.
  expectValidJsonOutput(jsonLines, 'JSON output of the run and of its replay');
  return out;
}

function logText(events: readonly EngineEvent[]): string {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const sink = logSink(pino({ level: 'trace' }, stream));
  const session = events[0]?.session ?? 'test';
  sink.open?.({ session, client: 'c', upstream: 'u', t: 0 } as never);
  for (const e of events) sink.event?.(e);
  return chunks.join('');
}

/** Asserts that no form of any secret appears in anything a run produced, in any sink. */
export function expectNoSecretAnywhere(r: RunResult, secrets: readonly string[]): void {
  const parts = [everythingAsText(r), ...allSinksParts(r.raw)];
  for (const secret of secrets)
    for (const form of secretForms(secret)) {
      const found = parts.some((p) => p.includes(form));
      expect(found, `a form of secret ${JSON.stringify(secret)} (${form}) leaked`).toBe(false);
    }
}
