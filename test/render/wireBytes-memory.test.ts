/**
 * render/wireBytes.ts holds a bounded window whatever a session sends: a 50 MB RETR is cut at the head (the
 * rest counted), a response pipelined behind it is still whole, a client pipelining more than the window gets
 * honest prefixes; bodies 'whole' keeps a message exactly up to its cap.
 */
import { describe, expect, it } from 'vitest';
import { Inspector } from '../../src/analysis/inspector.js';
import type { EngineEvent } from '../../src/analysis/types.js';
import type { JsonRecord } from '../../src/render/json.js';
import {
  WIRE_COMMAND_MAX,
  WIRE_PIPELINED_MAX,
  WIRE_RESPONSE_HEAD,
  WIRE_RESPONSE_WHOLE,
} from '../../src/render/limits.js';
import { WireBytes, type WireBytesOptions } from '../../src/render/wireBytes.js';
import { GREETING } from '../helpers/chunking.js';
import { expectBytesMatch, expectBytesPrefix, expectedBytes, transactionRecords } from './wireBytesOracle.js';

const CHUNK = 64 * 1024;
/** One 64 KiB chunk of body: 1024 lines of 62 letters and CRLF (reused: the engine never changes it). */
const BODY_CHUNK = Buffer.from(`${'m'.repeat(62)}\r\n`.repeat(CHUNK / 64), 'latin1');

interface Fed {
  readonly records: (JsonRecord | null)[];
  /** The most octets the converter held at any point. */
  readonly maxHeld: number;
  /** Every event but the big body's data (kept to check the small ones against the streams). */
  readonly events: EngineEvent[];
}

/**
 * A session through a real Inspector: greeting, the client's pipelined `commands`, then the server's
 * `before`, `bodyChunks` chunks of body and `after` (the terminator and whatever follows it, in one chunk).
 */
function feed(
  o: WireBytesOptions,
  commands: string,
  before: string,
  bodyChunks: number,
  after: string,
  keepBody = false,
): Fed {
  const inspector = new Inspector('big', { client: '192.0.2.1:50000', upstream: '192.0.2.2:110' }, 0);
  const wire = new WireBytes(o);
  const records: (JsonRecord | null)[] = [];
  const events: EngineEvent[] = [];
  let maxHeld = 0;
  const take = (out: readonly EngineEvent[], body = false) => {
    for (const e of out) {
      records.push(wire.record(e));
      if (!body || keepBody) events.push(e);
      maxHeld = Math.max(maxHeld, wire.held);
    }
  };
  take(inspector.receive('s2c', Buffer.from(GREETING, 'latin1'), 1));
  take(inspector.receive('c2s', Buffer.from(commands, 'latin1'), 2));
  take(inspector.receive('s2c', Buffer.from(before, 'latin1'), 3));
  for (let i = 0; i < bodyChunks; i++) take(inspector.receive('s2c', BODY_CHUNK, 4), true);
  take(inspector.receive('s2c', Buffer.from(after, 'latin1'), 5));
  take(inspector.close(6, 'client', 'test over'));
  expect(wire.openSessions).toBe(0);
  return { records, maxHeld, events };
}

describe('memory stays bounded', () => {
  it('a 50 MB RETR: the head only, the rest counted; the LIST pipelined behind it whole', () => {
    const chunks = 800; // 800 × 64 KiB = 50 MiB
    const octets = chunks * CHUNK;
    const status = `+OK ${octets} octets\r\n`;
    const list = '+OK 1 message\r\n1 52428800\r\n.\r\n';
    const { records, maxHeld } = feed(
      {},
      'RETR 1\r\nLIST\r\nQUIT\r\n',
      status,
      chunks,
      `.\r\n${list}+OK bye\r\n`,
    );
    const txs = transactionRecords(records);
    const retr = txs.find((t) => t.command?.verb === 'RETR')!;
    expect(retr.response.bodyOctets).toBe(octets);
    expect(retr.bytes!.command).toBe('RETR 1\r\n');
    expect(retr.bytes!.response.length).toBe(WIRE_RESPONSE_HEAD);
    expect(retr.bytes!.response.startsWith(`${status}mmmm`)).toBe(true);
    expect(retr.bytes!.omitted).toBe(status.length + octets + 3 - WIRE_RESPONSE_HEAD);
    expect(txs.find((t) => t.command?.verb === 'LIST')!.bytes).toEqual({
      command: 'LIST\r\n',
      response: list,
      omitted: 0,
    });
    expect(txs.find((t) => t.command?.verb === 'QUIT')!.bytes?.response).toBe('+OK bye\r\n');
    // What was copied never exceeded the head and the pipelined commands.
    expect(maxHeld).toBeLessThanOrEqual(WIRE_RESPONSE_HEAD + 'RETR 1\r\nLIST\r\nQUIT\r\n'.length);
  });

  it("bodies 'whole': a 3 MB body is kept up to its cap, the response behind it whole", () => {
    const chunks = 48; // 3 MiB
    const status = '+OK\r\n';
    const { records, maxHeld } = feed(
      { bodies: 'whole' },
      'RETR 1\r\nNOOP\r\n',
      status,
      chunks,
      '.\r\n+OK\r\n',
    );
    const txs = transactionRecords(records);
    const retr = txs.find((t) => t.command?.verb === 'RETR')!.bytes!;
    expect(retr.response.length).toBe(WIRE_RESPONSE_WHOLE);
    expect(retr.omitted).toBe(status.length + chunks * CHUNK + 3 - WIRE_RESPONSE_WHOLE);
    expect(txs.find((t) => t.command?.verb === 'NOOP')!.bytes?.response).toBe('+OK\r\n');
    expect(maxHeld).toBeLessThanOrEqual(WIRE_RESPONSE_WHOLE + 64);
  });

  it("bodies 'whole': a small body exactly, terminator and all; 'summary' cuts it at the head", () => {
    const status = '+OK 640 KiB\r\n';
    const whole = feed({ bodies: 'whole' }, 'RETR 1\r\n', status, 10, '.\r\n', true);
    expectBytesMatch(whole.records, expectedBytes(whole.events), WIRE_RESPONSE_WHOLE);
    const retr = transactionRecords(whole.records).find((t) => t.command)!.bytes!;
    expect(retr.omitted).toBe(0);
    expect(retr.response).toBe(`${status}${BODY_CHUNK.toString('latin1').repeat(10)}.\r\n`);
    const summary = feed({}, 'RETR 1\r\n', status, 10, '.\r\n', true);
    expectBytesMatch(summary.records, expectedBytes(summary.events), WIRE_RESPONSE_HEAD);
  });

  it('a client pipelining beyond the window: prefixes that account for every octet, the first ones exact', () => {
    const line = 'NOOP 1234567890\r\n';
    const n = 6000; // 6000 × 17 octets ≈ 100 KiB ahead, beyond WIRE_PIPELINED_MAX
    const answers = '+OK\r\n'.repeat(n);
    const { records, events, maxHeld } = feed({}, line.repeat(n), answers, 0, '', true);
    const exact = expectBytesPrefix(records, expectedBytes(events));
    // Every command within the window, and those the window reached again once it moved on, are exact.
    expect(exact).toBeGreaterThanOrEqual(Math.floor(WIRE_PIPELINED_MAX / line.length));
    expect(maxHeld).toBeLessThanOrEqual(WIRE_PIPELINED_MAX + WIRE_RESPONSE_HEAD);
  });

  it('a command line longer than WIRE_COMMAND_MAX is cut there and counted (as the engine masked it)', () => {
    const long = `NOOP ${'a'.repeat(20_000)}\r\n`;
    const { records, events } = feed({}, long, '-ERR too long\r\n', 0, '', true);
    expectBytesMatch(records, expectedBytes(events), WIRE_RESPONSE_HEAD);
    const tx = transactionRecords(records).find((t) => t.command)!.bytes!;
    // A line too long to classify is masked as it streams (protocol/clientReader.ts): the bytes show it so.
    expect(tx.command).toBe(`NOOP ${'*'.repeat(WIRE_COMMAND_MAX - 5)}`);
    expect(tx.response).toBe('-ERR too long\r\n');
    expect(tx.omitted).toBe(long.length - WIRE_COMMAND_MAX);
  });
});
