/**
 * The published JSON Schemas (schema/json-output.schema.json, schema/capture.schema.json), checked with a real
 * validator (ajv, draft 2020-12): they say what the code writes (record types, violation codes, versions),
 * every sample capture and golden output matches them, so do sessions generated from the property dialogues
 * run through the engine, the capture writer, the live sink, `show` and `check`, and a broken record is refused.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CAPTURE_FORMAT,
  CAPTURE_RECORD_TYPES,
  CAPTURE_VERSION,
  type TlsFacts,
} from '../../src/capture/format.js';
import { CaptureWriter } from '../../src/capture/writer.js';
import { runCheck } from '../../src/cli/check.js';
import { Output } from '../../src/cli/output.js';
import { runShow } from '../../src/cli/show.js';
import { VIOLATIONS } from '../../src/protocol/violations.js';
import { captureSink } from '../../src/proxy/sinks/capture.js';
import { liveSink } from '../../src/proxy/sinks/live.js';
import { JSON_RECORD_TYPES, JSON_VERSION } from '../../src/render/json.js';
import { cutsArbitrary, type Dialogue, runDialogue, s, splitChunks, tls } from '../helpers/chunking.js';
import { hostileDialogueArbitrary, secretDialogueArbitrary } from '../helpers/dialogues.js';
import {
  CAPTURE_SCHEMA,
  captureProblems,
  expectValidCapture,
  expectValidJsonOutput,
  JSON_OUTPUT_SCHEMA,
  jsonOutputProblems,
} from '../helpers/schema.js';

// biome-ignore lint/suspicious/noExplicitAny: walking a JSON Schema document
type Json = any;
const jsonDefs = (JSON_OUTPUT_SCHEMA as Json).$defs;
const captureDefs = (CAPTURE_SCHEMA as Json).$defs;

const CAPTURES = new URL('../../captures/', import.meta.url);
const captureFiles = readdirSync(CAPTURES).filter((f) => f.endsWith('.jsonl'));
const read = (url: URL) => readFileSync(url, 'utf8');

/** The `then` schema each `type` value selects, from the if/then list of a records schema. */
function branches(records: Json): Map<string, string> {
  return new Map(
    records.allOf.map((b: Json) => [b.if.properties.type.const, b.then.$ref.replace('#/$defs/', '')]),
  );
}

describe('the schemas say what the code writes', () => {
  it('list every violation code of src/protocol/violations.ts, in its order', () => {
    expect(jsonDefs.violationCode.enum).toEqual(Object.keys(VIOLATIONS));
    expect(captureDefs.violationCode.enum).toEqual(Object.keys(VIOLATIONS));
  });

  it('list every severity the violation table uses', () => {
    const used = new Set(Object.values(VIOLATIONS).map((v) => v.severity));
    expect(jsonDefs.severity.enum).toEqual(['error', 'warning', 'info']);
    for (const severity of used) expect(jsonDefs.severity.enum).toContain(severity);
  });

  it('have one closed definition per record type the TypeScript types declare', () => {
    const json = branches(jsonDefs.record);
    expect(jsonDefs.record.properties.type.enum).toEqual([...JSON_RECORD_TYPES]);
    expect([...json.keys()]).toEqual([...JSON_RECORD_TYPES]);
    const capture = branches(CAPTURE_SCHEMA);
    expect((CAPTURE_SCHEMA as Json).properties.type.enum).toEqual([...CAPTURE_RECORD_TYPES]);
    expect([...capture.keys()]).toEqual([...CAPTURE_RECORD_TYPES]);
    for (const [kinds, defs] of [
      [json, jsonDefs],
      [capture, captureDefs],
    ] as const)
      for (const [kind, def] of kinds) {
        expect(defs[def].properties.type, kind).toEqual({ const: kind });
        expect(defs[def].additionalProperties, kind).toBe(false);
      }
    expect(jsonDefs.check.additionalProperties).toBe(false);
  });

  it('carry the versions and the format name the code writes', () => {
    expect(jsonDefs.version).toMatchObject({ const: JSON_VERSION });
    expect(captureDefs.header.properties.version).toMatchObject({ const: CAPTURE_VERSION });
    expect(captureDefs.header.properties.format).toEqual({ const: CAPTURE_FORMAT });
  });
});

describe('every sample capture and golden output matches', () => {
  it('has samples to check', () => expect(captureFiles.length).toBeGreaterThanOrEqual(10));

  for (const file of captureFiles) {
    it(`captures/${file} is a valid capture`, () => {
      expectValidCapture(read(new URL(file, CAPTURES)), file);
    });
    const expected = file.replace(/\.jsonl$/, '.json');
    it(`captures/expected/${expected} is valid JSON output, version ${JSON_VERSION} in every record`, () => {
      const text = read(new URL(`expected/${expected}`, CAPTURES));
      expectValidJsonOutput(text, expected);
      const records = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(records.every((r) => r.version === JSON_VERSION)).toBe(true);
    });
  }
});

/** A Writable that keeps what it is given, as text. */
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

/** The facts a live proxy records when it intercepts STLS (proxy/tls.ts tlsFacts), typed as the capture has them. */
const STLS_FACTS: TlsFacts = {
  client: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', sni: null },
  upstream: {
    version: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    subject: 'CN=localhost',
    issuer: 'CN=localhost',
    validFrom: 'Mar  2 09:15:00 2026 GMT',
    validTo: 'Mar  2 09:15:00 2027 GMT',
    verified: false,
    verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
  },
  insecureUpstream: true,
};

describe('generated sessions match: engine, capture writer, live sink, show and check', () => {
  it('for the property dialogues (logins, noise, TLS), at random splits', async () => {
    const dialogues: Dialogue[] = [
      ...fc.sample(hostileDialogueArbitrary, { numRuns: 25, seed: 13 }),
      ...fc.sample(secretDialogueArbitrary, { numRuns: 15, seed: 7 }).map((d) => d.dialogue),
      // TLS as the proxy reports it: STLS with the handshake facts of both sides, and an opaque one.
      [...fc.sample(secretDialogueArbitrary, { numRuns: 1, seed: 3 })[0]!.dialogue, tls(STLS_FACTS)],
      [s('+OK ready\r\n'), tls({ visibility: 'opaque' }), s('\x17\x03\x03\x00\x05hello')],
    ];
    const path = join(mkdtempSync(join(tmpdir(), 'pop3scope-schema-')), 'generated.jsonl');
    const writer = await CaptureWriter.open(path, { toolVersion: 'test' });
    const capture = captureSink(writer);
    const live = collect();
    const json = liveSink({ format: 'json', colour: false, out: live.stream });
    const cuts = fc.sample(cutsArbitrary(64), { numRuns: dialogues.length, seed: 42 });
    dialogues.forEach((dialogue, i) => {
      const session = `s${i + 1}`;
      // The Collector behind runDialogue already checks each run's JSON records against the schema.
      const run = runDialogue(dialogue, splitChunks(cuts[i]!), session);
      const start = {
        session,
        t: 0,
        client: '192.0.2.1:50000',
        upstream: '192.0.2.2:110',
        tls: 'none' as const,
      };
      capture.open?.(start);
      json.open?.(start);
      for (const e of run.raw) {
        capture.event?.(e);
        json.event?.(e);
      }
      capture.close?.({ session, t: run.summary.endedAt, by: 'client', reason: 'test over' });
    });
    await capture.stop?.();

    const text = readFileSync(path, 'utf8');
    expectValidCapture(text, 'the generated capture');
    const types = new Set(text.split('\n').flatMap((l) => (l ? [JSON.parse(l).type] : [])));
    expect([...types].sort()).toEqual(['close', 'data', 'header', 'open', 'tls']);

    const liveRecords = live.text();
    expectValidJsonOutput(liveRecords, 'live --format json');
    expect(liveRecords.split('\n').filter((l) => l.includes('"type":"summary"'))).toHaveLength(
      dialogues.length,
    );

    const shown = collect();
    await runShow([path], { format: 'json' }, new Output(shown.stream));
    expectValidJsonOutput(shown.text(), 'show --format json');
    // What show makes of the capture is what the live sink printed.
    expect(shown.text()).toBe(liveRecords);

    const several = collect();
    await runShow([path, path], { format: 'json' }, new Output(several.stream));
    expectValidJsonOutput(several.text(), 'show --format json of two captures (with file)');
    expect(several.text()).toContain(`"file":"${path}","version":${JSON_VERSION},`);

    const checked = collect();
    await runCheck([path, path], { format: 'json' }, new Output(checked.stream));
    expectValidJsonOutput(checked.text(), 'check --format json');
    expect(checked.text().trim().split('\n')).toHaveLength(2);
  });
});

/** The first record of that type in a golden output or sample capture. */
function first(text: string, type: string): Json {
  const line = text.split('\n').find((l) => l.startsWith(`{"type":"${type}"`));
  if (!line) throw new Error(`no ${type} record`);
  return JSON.parse(line);
}

const GOLDEN = read(new URL('expected/buggy-server.json', CAPTURES));
const SAMPLE = read(new URL('buggy-server.jsonl', CAPTURES));
const clone = (x: Json): Json => structuredClone(x);
const without = (x: Json, key: string): Json => {
  const copy = clone(x);
  delete copy[key];
  return copy;
};

describe('the validator refuses a broken record', () => {
  const tx = first(GOLDEN, 'transaction');
  const summary = first(GOLDEN, 'summary');
  const check = {
    file: 'a.jsonl',
    version: 1,
    sessions: 1,
    violations: { POP3_STAT_MISMATCH: 1 },
    severities: { error: 1, warning: 0, info: 0 },
    exit: 1,
  };
  const withViolation = clone(tx);
  withViolation.violations = [{ code: 'POP3_NOT_A_CODE', severity: 'error', message: 'x', rfc: 'RFC 1939' }];
  const nested = clone(tx);
  nested.response.extra = 1;
  const badJson: [string, Json][] = [
    ['a number as a string (seq)', { ...tx, seq: '4' }],
    ['an unknown field', { ...tx, extra: true }],
    ['an unknown field inside the response', nested],
    ['a missing field (session)', without(tx, 'session')],
    ['a missing version', without(tx, 'version')],
    ['another version', { ...tx, version: 2 }],
    ['an unknown violation code', withViolation],
    ['an unknown phase', { ...tx, phase: 'LOGIN' }],
    ['an unknown record type', { ...tx, type: 'transactions' }],
    ['a message number 0 in a summary', { ...summary, retrieved: [0] }],
    ['an unknown code in the summary counts', { ...summary, violations: { POP3_NOPE: 1 } }],
    ['a check report with exit 2', { ...check, exit: 2 }],
    ['a check report with an unknown field', { ...check, errors: 1 }],
    ['a check report without its file', without(check, 'file')],
  ];

  it('accepts the unbroken records it starts from', () => {
    for (const r of [tx, summary, check]) expect(jsonOutputProblems(r)).toBeNull();
  });

  for (const [what, record] of badJson)
    it(`JSON output: ${what}`, () => {
      expect(jsonOutputProblems(record)).not.toBeNull();
      expect(() => expectValidJsonOutput([record], what)).toThrow(/does not match the JSON output schema/);
    });

  const header = first(SAMPLE, 'header');
  const data = first(SAMPLE, 'data');
  const open = first(SAMPLE, 'open');
  const badCapture: [string, Json][] = [
    ['a data record with both text and b64', { ...data, b64: 'K09L' }],
    ['a data record with neither', without(data, 'text')],
    ['b64 that is not base64', { ...without(data, 'text'), b64: '+OK ready' }],
    ['an unknown direction', { ...data, dir: 'up' }],
    ['a time before 1970', { ...data, t: -1 }],
    ['a time as a string', { ...data, t: '5' }],
    ['an unknown field', { ...data, extra: 1 }],
    ['an open record without client', without(open, 'client')],
    ['a header of another format', { ...header, format: 'pcap' }],
    ['a header of another version', { ...header, version: 2 }],
    [
      'an alter record with an unknown code',
      { type: 'alter', session: 's1', t: 1, dir: 's2c', what: 'x', removed: 'y', code: 'NOPE' },
    ],
    ['a close by nobody', { type: 'close', session: 's1', t: 1, by: 'nobody', reason: 'x' }],
    ['a negative gap', { type: 'gap', session: 's1', t: 1, records: -1, octets: 0 }],
    [
      'an unknown tls fact',
      { type: 'tls', session: 's1', t: 1, how: 'stls', visibility: 'decrypted', alpn: 'pop3' },
    ],
    ['an unknown record type', { ...data, type: 'bytes' }],
  ];

  it('accepts the unbroken capture records it starts from', () => {
    for (const r of [header, data, open]) expect(captureProblems(r)).toBeNull();
    expect(
      captureProblems({
        type: 'tls',
        session: 's1',
        t: 1,
        how: 'stls',
        visibility: 'decrypted',
        ...STLS_FACTS,
      }),
    ).toBeNull();
  });

  for (const [what, record] of badCapture)
    it(`capture: ${what}`, () => {
      expect(captureProblems(record)).not.toBeNull();
      expect(() => expectValidCapture([header, record], what)).toThrow(/does not match the capture schema/);
    });

  it('a capture must begin with its header', () => {
    expect(() => expectValidCapture([data], 'headless')).toThrow(/the first record/);
    expect(() => expectValidCapture([data], 'records only', false)).not.toThrow();
  });
});
