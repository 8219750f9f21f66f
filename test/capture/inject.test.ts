/**
 * Injected faults through the capture format: the proxy's capture sink writes each `injected` event as an
 * `inject` record and the run's faults in its header; `show` reads them back as the very events and lines the
 * live sinks printed; the reader refuses a malformed one; appended runs keep every run's faults apart
 * (capture/faults.ts); the replay's script serves the server as it spoke, inject records or not.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Inspector } from '../../src/analysis/inspector.js';
import type { EngineEvent } from '../../src/analysis/types.js';
import { CaptureFaults, captureFaults, headerFaults } from '../../src/capture/faults.js';
import type { CaptureRecord, HeaderRecord } from '../../src/capture/format.js';
import { CaptureError, readCapture } from '../../src/capture/reader.js';
import { CaptureWriter } from '../../src/capture/writer.js';
import { Output } from '../../src/cli/output.js';
import { runShow } from '../../src/cli/show.js';
import { captureSink } from '../../src/proxy/sinks/capture.js';
import { liveSink } from '../../src/proxy/sinks/live.js';
import { recordedSessions } from '../../src/replay/script.js';
import { expectValidCapture, expectValidJsonOutput } from '../helpers/schema.js';

const now = () => new Date('2024-05-01T10:00:00.000Z');
const FAULTS = { seed: 7, rules: ['RETR #1 cut 400', 'DELE err [IN-USE] locked'] };
const CUT = { rule: 'RETR #1 cut 400', on: 'RETR 1', what: "cut after 400 of the response's octets" };
const enc = (s: string) => Buffer.from(s, 'latin1');
const dir = mkdtempSync(join(tmpdir(), 'pop3scope-inject-'));
let n = 0;
const fresh = () => join(dir, `cap-${++n}.jsonl`);

function collect(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

/** The engine's events of a session whose RETR 1 a rule cut (the server's own bytes are all there). */
function faultedSession(session: string, t0: number): EngineEvent[] {
  const i = new Inspector(session, { client: '127.0.0.1:40000', upstream: '127.0.0.1:110' }, t0);
  return [
    ...i.receive('s2c', enc('+OK ready\r\n'), t0),
    ...i.receive('c2s', enc('USER bob\r\n'), t0 + 1),
    ...i.receive('s2c', enc('+OK\r\n'), t0 + 2),
    ...i.receive('c2s', enc('PASS secret\r\n'), t0 + 2),
    ...i.receive('s2c', enc('+OK\r\n'), t0 + 3),
    ...i.receive('c2s', enc('RETR 1\r\n'), t0 + 4),
    ...i.injected(CUT, t0 + 5),
    ...i.receive('s2c', enc('+OK 12 octets\r\nSubject: x\r\n.\r\n'), t0 + 5),
    ...i.close(t0 + 9, 'proxy', 'a fault closed the connection'),
  ];
}

/** Runs sessions through the capture sink and both live sinks, as the proxy does. */
async function record(path: string, sessions: [string, number][], faults = FAULTS) {
  const writer = await CaptureWriter.open(path, { toolVersion: 'test', now, faults });
  const sinks = [captureSink(writer)];
  const json = collect();
  const text = collect();
  sinks.push(liveSink({ format: 'json', colour: false, out: json.stream }));
  sinks.push(liveSink({ format: 'text', colour: false, out: text.stream }));
  for (const [session, t0] of sessions) {
    const start = {
      session,
      t: t0,
      client: '127.0.0.1:40000',
      upstream: '127.0.0.1:110',
      tls: 'none' as const,
    };
    for (const s of sinks) s.open?.(start);
    const events = faultedSession(session, t0);
    for (const e of events) for (const s of sinks) s.event?.(e);
    const end = { session, t: t0 + 9, by: 'proxy' as const, reason: 'a fault closed the connection' };
    for (const s of sinks) s.close?.(end);
  }
  await sinks[0]!.stop?.();
  return { json: json.text(), text: text.text() };
}

async function show(path: string, format: 'json' | 'text' | 'markdown'): Promise<string> {
  const out = collect();
  await runShow([path], { format }, new Output(out.stream));
  return out.text();
}

async function records(text: string): Promise<CaptureRecord[]> {
  const out: CaptureRecord[] = [];
  for await (const r of readCapture(Readable.from([text]), 'cap.jsonl')) out.push(r);
  return out;
}

describe('inject records and header.faults', () => {
  it('are written by the capture sink, validate against the schema, and show gives the live events back', async () => {
    const path = fresh();
    const live = await record(path, [['s1', 1000]]);
    const file = readFileSync(path, 'utf8');
    expectValidCapture(file, 'a capture with an injected fault');
    const lines = file.trim().split('\n');
    expect(JSON.parse(lines[0]!)).toEqual({
      type: 'header',
      format: 'pop3scope-capture',
      version: 1,
      createdAt: '2024-05-01T10:00:00.000Z',
      tool: 'pop3scope test',
      faults: FAULTS,
    });
    expect(lines).toContain(
      `{"type":"inject","session":"s1","t":1005,"rule":"RETR #1 cut 400","on":"RETR 1","what":"cut after 400 of the response's octets"}`,
    );
    const shown = await show(path, 'json');
    expectValidJsonOutput(shown, 'show --format json of injected faults');
    expect(shown).toBe(live.json);
    expect(shown).toContain(
      `{"type":"injected","session":"s1","version":1,"at":1005,"rule":"RETR #1 cut 400","on":"RETR 1","what":"cut after 400 of the response's octets"}`,
    );
    const summary = JSON.parse(shown.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ type: 'summary', injected: 1 });
    expect(summary.violations).toEqual({});
  });

  it('show prints the same lines as the live transcript: the injected line, the summary counting it', async () => {
    const path = fresh();
    const live = await record(path, [['s1', 1000]]);
    const text = await show(path, 'text');
    const liveLines = live.text
      .trim()
      .split('\n')
      .map((l) => l.replace(/^\[s1\] /, ''));
    expect(text.trim().split('\n')).toEqual(liveLines);
    // In time order, as violations are: the rule fired as the response began, before its transaction ended.
    const all = text.trim().split('\n');
    const at = all.indexOf("⚡ injected (RETR #1 cut 400) on RETR 1: cut after 400 of the response's octets");
    expect(all.slice(at - 1, at + 3)).toEqual([
      '── TRANSACTION ── PASS succeeded: the maildrop is locked and its messages numbered (+0.003s)',
      "⚡ injected (RETR #1 cut 400) on RETR 1: cut after 400 of the response's octets",
      'C: RETR 1',
      'S: +OK 12 octets',
    ]);
    expect(all.slice(-3)).toEqual([
      'retrieved 1 · marked — · removed — · discarded —',
      'violations none · injected 1',
      '3 commands · bytes c2s 31 · s2c 51 · duration 0.009s · ended: a fault closed the connection',
    ]);
    const md = await show(path, 'markdown');
    expect(md).toContain('client 127.0.0.1:40000 → server 127.0.0.1:110 · auth USER/PASS · tls none · mode');
    expect(md).toMatch(/ · 0\.009 s · injected 1\n/);
    expect(md).toContain("⚡ injected (RETR #1 cut 400) on RETR 1: cut after 400 of the response's octets");
  });

  it('a run without faults writes a header without them, as before', async () => {
    const path = fresh();
    const writer = await CaptureWriter.open(path, { toolVersion: 'test', now });
    await writer.close();
    expect(JSON.parse(readFileSync(path, 'utf8'))).not.toHaveProperty('faults');
  });

  it('the reader refuses an inject record or header faults that are malformed, with the line', async () => {
    const header = '{"type":"header","format":"pop3scope-capture","version":1,"createdAt":"x","tool":"t"}';
    const bad = async (text: string) => {
      try {
        await records(text);
      } catch (e) {
        expect(e).toBeInstanceOf(CaptureError);
        return (e as Error).message;
      }
      throw new Error('read without error');
    };
    expect(await bad(`${header}\n{"type":"inject","session":"s1","t":1,"rule":"x","on":"RETR 1"}\n`)).toBe(
      'cap.jsonl: line 2: an inject record needs "rule", "on" and "what" strings',
    );
    expect(await bad(`${header.slice(0, -1)},"faults":{"seed":-1,"rules":[]}}\n`)).toBe(
      'cap.jsonl: the capture header\'s "faults" needs a whole-number "seed"',
    );
    expect(await bad(`${header.slice(0, -1)},"faults":{"seed":1,"rules":[3]}}\n`)).toBe(
      'cap.jsonl: the capture header\'s "faults" needs "rules", a list of strings',
    );
    expect(await bad(`${header}\n${header.slice(0, -1)},"faults":[]}\n`)).toBe(
      'cap.jsonl: line 2: the capture header\'s "faults" must be an object',
    );
  });

  it('appended runs: each run with faults (and the plain run after one) writes its header; sessions know theirs', async () => {
    const path = fresh();
    const plain = await CaptureWriter.open(path, { toolVersion: 'test', now });
    plain.write({ type: 'open', session: 's1', t: 1, client: 'c', upstream: 'u', tls: 'none' });
    plain.write({ type: 'close', session: 's1', t: 2, by: 'client', reason: 'x' });
    await plain.close();
    await record(path, [
      ['s2', 10],
      ['s3', 20],
    ]);
    const after = await CaptureWriter.open(path, { toolVersion: 'test', now });
    after.write({ type: 'open', session: 's4', t: 30, client: 'c', upstream: 'u', tls: 'none' });
    after.write({ type: 'close', session: 's4', t: 31, by: 'client', reason: 'x' });
    await after.close();
    // A plain run after a plain run keeps the single header, as always.
    const again = await CaptureWriter.open(path, { toolVersion: 'test', now });
    await again.close();

    const file = readFileSync(path, 'utf8');
    expectValidCapture(file, 'appended runs');
    expect(file.match(/"type":"header"/g)).toHaveLength(3);
    const read = await records(file);
    expect(read.filter((r) => r.type === 'header').map((r) => (r as HeaderRecord).faults ?? null)).toEqual([
      null,
      FAULTS,
      null,
    ]);
    expect(await captureFaults(Readable.from(read))).toEqual([FAULTS]);
    const faults = new CaptureFaults();
    for (const r of read) faults.record(r);
    expect(faults.of('s1')).toBeNull();
    expect(faults.of('s2')).toEqual({ faults: FAULTS, nth: 1 });
    expect(faults.of('s3')).toEqual({ faults: FAULTS, nth: 2 });
    expect(faults.of('s4')).toBeNull();
    expect(faults.runs).toEqual([FAULTS]);
  });

  it('a long capture before the appended run: the last header is found across block boundaries', async () => {
    const path = fresh();
    await record(path, [['s1', 1]]);
    // Over a MiB of data after the faulted header, so the scan crosses blocks before the next run.
    const filler = `{"type":"data","session":"s1","t":3,"dir":"s2c","text":"${'x'.repeat(4000)}"}\n`;
    writeFileSync(path, readFileSync(path, 'utf8') + filler.repeat(300));
    const after = await CaptureWriter.open(path, { toolVersion: 'test', now });
    await after.close();
    const headers = (await records(readFileSync(path, 'utf8'))).filter((r) => r.type === 'header');
    expect(headers.map((h) => headerFaults(h as HeaderRecord))).toEqual([FAULTS, null]);
  });

  it('the replay serves the server as it spoke: inject records change nothing of its script', async () => {
    const path = fresh();
    await record(path, [['s1', 1000]]);
    const all = await records(readFileSync(path, 'utf8'));
    expect(all.some((r) => r.type === 'inject')).toBe(true);
    const [withInject] = await recordedSessions(Readable.from(all));
    const [without] = await recordedSessions(Readable.from(all.filter((r) => r.type !== 'inject')));
    expect(withInject).toEqual(without);
  });
});
