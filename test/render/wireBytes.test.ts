/**
 * render/wireBytes.ts: the exact bytes of every arrow. Real captures, generated dialogues (whole, byte by byte,
 * random splits), hostile ones and interleaved sessions, each checked against an independent account of the
 * streams (wireBytesOracle.ts); secrets stay masked; `show --format json` is unchanged.
 */
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/analysis/types.js';
import { analyzeCapture } from '../../src/capture/analyzeCapture.js';
import { type JsonRecord, jsonRecord } from '../../src/render/json.js';
import { WIRE_RESPONSE_HEAD } from '../../src/render/limits.js';
import { recordMaker } from '../../src/render/wireBytes.js';
import {
  c,
  type Dialogue,
  expectSameEachWay,
  GREETING,
  LOGIN,
  multiline,
  runDialogue,
  s,
  wholeChunks,
} from '../helpers/chunking.js';
import { hostileDialogueArbitrary, secretDialogueArbitrary } from '../helpers/dialogues.js';
import { expectValidJsonOutput } from '../helpers/schema.js';
import { secretForms } from '../helpers/secrets.js';
import { expectBytesMatch, expectedBytes, transactionRecords } from './wireBytesOracle.js';

const CAPTURES = new URL('../../captures/', import.meta.url);
const captureFiles = readdirSync(CAPTURES).filter((f) => f.endsWith('.jsonl'));
/** The demo's passwords: the captures hold them masked, and so must every record. */
const DEMO_SECRETS = ['hungry', 'wonderland'];

async function captureEvents(file: string): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  for await (const e of analyzeCapture(new URL(file, CAPTURES).pathname)) events.push(e);
  return events;
}

function make(events: readonly EngineEvent[], o?: Parameters<typeof recordMaker>[0]): (JsonRecord | null)[] {
  const maker = recordMaker(o);
  return events.map((e) => maker(e));
}

function expectNoSecret(records: readonly (JsonRecord | null)[], secrets: readonly string[]): void {
  const text = JSON.stringify(records);
  const decoded = transactionRecords(records)
    .map((r) => `${r.bytes?.command ?? ''}${r.bytes?.response ?? ''}`)
    .join('\n');
  for (const secret of secrets)
    for (const form of secretForms(secret)) {
      expect(text.includes(form), `"${form}" in the records`).toBe(false);
      expect(decoded.includes(form), `"${form}" in the bytes`).toBe(false);
    }
}

describe('the bytes of every transaction of the sample captures', () => {
  it.each(captureFiles)('%s: exact, masked, valid', async (file) => {
    const events = await captureEvents(file);
    const records = make(events);
    expectBytesMatch(records, expectedBytes(events), WIRE_RESPONSE_HEAD);
    expectNoSecret(records, DEMO_SECRETS);
    expectValidJsonOutput(
      records.flatMap((r) => r ?? []),
      `${file} with bytes`,
    );
    const txs = transactionRecords(records);
    expect(txs.length).toBeGreaterThan(0);
    for (const r of txs) {
      if (!r.bytes) continue;
      // The response as sent begins with its status line (an AUTH exchange's with a challenge) and ends
      // with the final one; the command is its line as sent.
      const first = r.sasl && r.bytes.response.startsWith('+ ') ? '+ ' : r.response.status;
      if (first) expect(r.bytes.response.startsWith(first), `seq ${r.seq}`).toBe(true);
      if (r.command && !r.sasl) {
        expect(r.bytes.command?.endsWith('\n'), `seq ${r.seq}`).toBe(true);
        const verb = r.bytes.command?.split(/[ \r\n]/)[0]?.toUpperCase();
        expect(verb, `seq ${r.seq}`).toBe(r.command.verb);
      }
    }
    // Everything else is jsonRecord's record, field for field.
    records.forEach((r, i) => {
      const plain = jsonRecord(events[i]!);
      if (r?.type === 'transaction') {
        const { bytes: _b, ...rest } = r;
        expect(rest).toEqual(plain);
      } else expect(r).toEqual(plain);
    });
  });

  it('the seed: USER bob, PASS masked, LIST, RETR, DELE, QUIT as they were sent', async () => {
    const records = make(await captureEvents('seed-download-and-delete.jsonl'));
    const txs = transactionRecords(records);
    const commands = txs.map((r) => r.bytes?.command);
    expect(commands).toEqual([
      null,
      'user bob\r\n',
      'pass ******\r\n',
      'list\r\n',
      'retr 1\r\n',
      'dele 1\r\n',
      'retr 2\r\n',
      'dele 2\r\n',
      'quit\r\n',
    ]);
    expect(txs[0]!.bytes?.response).toBe('+OK POP3 server ready\r\n');
    expect(txs[3]!.bytes?.response).toBe('+OK 2 messages (1410 octets)\r\n1 498\r\n2 912\r\n.\r\n');
    // A 498-octet message fits the head: the whole response, terminator included.
    const retr = txs[4]!.bytes!;
    expect(retr.omitted).toBe(0);
    expect(retr.response.startsWith('+OK 498 octets\r\nFrom: Alice')).toBe(true);
    expect(retr.response.endsWith('\r\n.\r\n')).toBe(true);
  });

  it('the pipelined capture: each command and response its own, however many were in flight', async () => {
    const records = make(await captureEvents('pipelined.jsonl'));
    const txs = transactionRecords(records);
    expect(txs.some((r) => r.command?.pipelined)).toBe(true);
    const byVerb = (verb: string) => txs.filter((r) => r.command?.verb === verb).map((r) => r.bytes);
    expect(byVerb('STAT')).toEqual([{ command: 'STAT\r\n', response: '+OK 2 1410\r\n', omitted: 0 }]);
    expect(byVerb('UIDL')[0]?.response).toBe('+OK\r\n1 lunch-0001\r\n2 notes-0002\r\n.\r\n');
    expect(byVerb('RETR').map((b) => b?.command)).toEqual(['RETR 1\r\n', 'RETR 2\r\n']);
    expect(byVerb('RETR')[1]?.response.startsWith('+OK 912 octets\r\nFrom: Carol')).toBe(true);
  });

  it('an AUTH LOGIN exchange: its client lines with the command, the challenges with the response', async () => {
    const records = make(await captureEvents('auth-login.jsonl'));
    const auth = transactionRecords(records).find((r) => r.command?.verb === 'AUTH')!;
    const lines = auth.bytes!.command!.split('\r\n');
    expect(lines[0]).toBe('AUTH LOGIN');
    expect(lines).toHaveLength(4); // AUTH LOGIN, the user, the masked password, and the last CRLF's ''
    expect(Buffer.from(lines[2]!, 'base64').toString('latin1')).toMatch(/^\*+$/);
    expect(auth.bytes!.response.split('\r\n').filter((l) => l.startsWith('+ '))).toHaveLength(2);
    expect(auth.bytes!.response.endsWith('+OK Logged in.\r\n')).toBe(true);
  });
});

const project = (r: { raw: EngineEvent[] }) => transactionRecords(make(r.raw)).map((t) => t.bytes);

describe('chunking does not change the bytes', () => {
  const session: Dialogue = [
    ...LOGIN,
    c('CAPA\r\nLIST\r\nRETR 1\r\n'),
    s('+OK\r\nPIPELINING\r\n.\r\n+OK 1 messages\r\n1 60\r\n.\r\n'),
    s(`+OK 60 octets\r\n${multiline(['From: a@example.org', '.dotted', 'x'.repeat(30)])}`),
    c('AUTH PLAIN\r\n'),
    s('+ \r\n'),
    c('AGJvYgBzM2NyZXQ=\r\n'),
    s('-ERR [AUTH] already logged in\r\n'),
    c('QUIT\r\n'),
    s('+OK bye\r\n'),
  ];

  it('whole, byte by byte and at random splits: the same bytes, matching the streams', () => {
    expectSameEachWay(
      session,
      (r, way) => {
        const records = make(r.raw);
        expectBytesMatch(records, expectedBytes(r.raw), WIRE_RESPONSE_HEAD);
        expect(
          transactionRecords(records).every((t) => t.bytes),
          way,
        ).toBe(true);
      },
      { project },
    );
  });

  it('hostile dialogues: exact up to the caps, never a byte that was not sent', () => {
    fc.assert(
      fc.property(hostileDialogueArbitrary, (dialogue) => {
        const r = runDialogue(dialogue, wholeChunks);
        expectBytesMatch(make(r.raw), expectedBytes(r.raw), WIRE_RESPONSE_HEAD);
      }),
      { numRuns: 150 },
    );
  });

  it('logins of every kind: no secret in any record or its bytes', () => {
    fc.assert(
      fc.property(secretDialogueArbitrary, ({ dialogue, secrets }) => {
        const r = runDialogue(dialogue, wholeChunks);
        const records = make(r.raw);
        expectNoSecret(records, secrets);
        expectBytesMatch(records, expectedBytes(r.raw), WIRE_RESPONSE_HEAD);
      }),
      { numRuns: 100 },
    );
  });
});

describe('sessions, their state and their ends', () => {
  /** Two runs' events interleaved one by one, as a proxy with two clients hands them on. */
  function interleave(a: readonly EngineEvent[], b: readonly EngineEvent[]): EngineEvent[] {
    const out: EngineEvent[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i]) out.push(a[i]!);
      if (b[i]) out.push(b[i]!);
    }
    return out;
  }

  it('interleaved sessions keep their own streams', () => {
    const one = runDialogue([...LOGIN, c('STAT\r\n'), s('+OK 1 120\r\n')], (n) => Array(n).fill(1), 'one');
    const two = runDialogue(
      [s(GREETING), c('CAPA\r\n'), s('+OK\r\nUSER\r\n.\r\n'), c('QUIT\r\n'), s('+OK\r\n')],
      (n) => Array(n).fill(1),
      'two',
    );
    const mixed = interleave(one.raw, two.raw);
    const records = make(mixed);
    expectBytesMatch(records, expectedBytes(mixed), WIRE_RESPONSE_HEAD);
    const alone = (r: typeof one) => project(r);
    const of = (id: string) =>
      transactionRecords(records)
        .filter((t) => t.session === id)
        .map((t) => t.bytes);
    expect(of('one')).toEqual(alone(one));
    expect(of('two')).toEqual(alone(two));
    expect(of('two')[1]).toEqual({ command: 'CAPA\r\n', response: '+OK\r\nUSER\r\n.\r\n', omitted: 0 });
  });

  it("a session's state goes at its summary; a reused session id starts afresh", () => {
    const r = runDialogue([s(GREETING), c('NOOP\r\n'), s('+OK\r\n')], wholeChunks, 'x');
    const maker = recordMaker();
    const first = r.raw.map((e) => maker(e));
    const again = r.raw.map((e) => maker(e));
    expect(transactionRecords(again).map((t) => t.bytes)).toEqual(
      transactionRecords(first).map((t) => t.bytes),
    );
    expect(transactionRecords(again)[1]?.bytes).toEqual({
      command: 'NOOP\r\n',
      response: '+OK\r\n',
      omitted: 0,
    });
  });

  it('a command the server never answered: no bytes field (its response offsets are unknown)', () => {
    const r = runDialogue([s(GREETING), c('STAT\r\n'), c('NOOP\r\n'), s('+OK 0 0\r\n')], wholeChunks);
    const txs = transactionRecords(make(r.raw));
    const stat = txs.find((t) => t.command?.verb === 'STAT')!;
    expect(stat.bytes).toEqual({ command: 'STAT\r\n', response: '+OK 0 0\r\n', omitted: 0 });
    const noop = txs.find((t) => t.command?.verb === 'NOOP')!;
    expect(noop.response.complete).toBe(false);
    expect(noop.bytes).toBeUndefined();
    expectBytesMatch(make(r.raw), expectedBytes(r.raw), WIRE_RESPONSE_HEAD);
  });

  it('non-transaction records pass through as jsonRecord makes them; data and command give none', () => {
    const r = runDialogue([...LOGIN, c('QUIT\r\n'), s('+OK\r\n')], wholeChunks);
    const maker = recordMaker();
    for (const e of r.raw) {
      const record = maker(e);
      if (e.type === 'data' || e.type === 'command') expect(record).toBeNull();
      else if (e.type !== 'transaction') expect(record).toEqual(jsonRecord(e));
    }
  });
});
