/**
 * readRecords / openRecords: every input format told apart by its first bytes (JSONL capture, pcap, pcapng,
 * gzip of any), the same records however the bytes arrive, and each problem one CaptureError line naming the
 * file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { type CaptureRecord, dataBytes } from '../../src/capture/format.js';
import { openRecords, type ReadOptions, readRecords } from '../../src/capture/input.js';
import { CaptureError } from '../../src/capture/reader.js';
import { concat, pcapHeader, pcapRecord } from './pcap/build.js';
import { cut, ep, TraceBuilder, traceRecords } from './pcap/traceBuild.js';

const dir = mkdtempSync(join(tmpdir(), 'pop3scope-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SEED = readFileSync(new URL('../../captures/seed-download-and-delete.jsonl', import.meta.url));

async function* chunks(bytes: Uint8Array, how: Parameters<typeof cut>[1] = 'whole') {
  for (const c of cut(bytes, how)) yield Buffer.from(c);
}

async function read(bytes: Uint8Array, how: Parameters<typeof cut>[1] = 'whole', options: ReadOptions = {}) {
  const warnings: string[] = [];
  const out: CaptureRecord[] = [];
  for await (const r of readRecords(chunks(bytes, how), 'in.file', {
    ...options,
    warn: (m) => warnings.push(m),
  }))
    out.push(r);
  return { records: out, warnings };
}

/** The error reading `bytes` gives: its message (asserting it is one CaptureError line). */
async function failure(bytes: Uint8Array, how: Parameters<typeof cut>[1] = 'whole'): Promise<string> {
  const error = await read(bytes, how).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CaptureError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  expect(message.startsWith('in.file: ')).toBe(true);
  return message;
}

/** Records with their bytes as text, headers without their (reader-dependent) creation time. */
const plain = (records: readonly CaptureRecord[]) =>
  records.map((r) =>
    r.type === 'data'
      ? { type: r.type, session: r.session, t: r.t, dir: r.dir, bytes: dataBytes(r).toString('latin1') }
      : r,
  );

function pop3Trace(): Buffer {
  const b = new TraceBuilder();
  b.open('a', ep('192.0.2.7', 50110), ep('198.51.100.2', 110));
  b.s('a', '+OK ready\r\n');
  b.c('a', 'USER bob\r\n');
  b.s('a', '+OK\r\n');
  b.c('a', 'QUIT\r\n');
  b.s('a', '+OK bye\r\n');
  b.close('a', 'client');
  return b.file();
}

/** The pcapng's packets as a classic little-endian µs pcap of LINKTYPE_RAW, written by hand. */
function asPcap(pcapng: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [pcapHeader(true, false, 101)];
  const view = new DataView(pcapng.buffer, pcapng.byteOffset, pcapng.byteLength);
  for (let at = 0; at < pcapng.length; ) {
    const type = view.getUint32(at, true);
    const length = view.getUint32(at + 4, true);
    if (type === 6) {
      const ts = view.getUint32(at + 12, true) * 2 ** 32 + view.getUint32(at + 16, true);
      const caplen = view.getUint32(at + 20, true);
      const data = pcapng.subarray(at + 28, at + 28 + caplen);
      parts.push(pcapRecord(true, { sec: Math.floor(ts / 1e6), frac: ts % 1e6, data }));
    }
    at += length;
  }
  return concat(...parts);
}

describe('readRecords: formats by their first bytes', () => {
  it('a JSONL capture, whole, gzipped, and in 1-byte chunks', async () => {
    const whole = await read(SEED);
    expect(whole.records[0]).toMatchObject({ type: 'header', format: 'pop3scope-capture' });
    expect(whole.records.filter((r) => r.type === 'data').length).toBeGreaterThan(10);
    expect(whole.warnings).toEqual([]);
    expect((await read(gzipSync(SEED))).records).toEqual(whole.records);
    expect((await read(SEED, 'bytewise')).records).toEqual(whole.records);
    expect((await read(gzipSync(SEED), 'bytewise')).records).toEqual(whole.records);
    expect((await read(gzipSync(SEED), 5)).records).toEqual(whole.records);
  });

  it('a pcapng trace: a header record, then the converter’s records; the same in 1-byte chunks and gzipped', async () => {
    const file = pop3Trace();
    const { records, warnings } = await read(file);
    expect(warnings).toEqual([]);
    expect(records[0]).toMatchObject({ type: 'header', format: 'pop3scope-capture', version: 1 });
    expect((records[0] as { tool: string }).tool).toContain('packet capture');
    expect(plain(records.slice(1))).toEqual(plain(traceRecords(file)));
    for (const input of [file, gzipSync(file)])
      for (const how of ['bytewise', 3] as const)
        expect(plain((await read(input, how)).records)).toEqual(plain(records));
  });

  it('a classic pcap written by hand, and its gzip, read as the pcapng is', async () => {
    const file = pop3Trace();
    const pcap = asPcap(file);
    expect(Buffer.from(pcap.subarray(0, 4)).toString('hex')).toBe('d4c3b2a1');
    const want = plain((await read(file)).records.slice(1));
    expect(plain((await read(pcap)).records.slice(1))).toEqual(want);
    expect(plain((await read(gzipSync(pcap), 'bytewise')).records.slice(1))).toEqual(want);
  });

  it('a classic pcap made by editcap -F pcap (when editcap is installed)', async () => {
    const src = join(dir, 'trace.pcapng');
    const dst = join(dir, 'trace.pcap');
    writeFileSync(src, pop3Trace());
    const r = spawnSync('editcap', ['-F', 'pcap', src, dst]);
    if (r.error) return; // no editcap here: the hand-written pcap above covers the format
    expect(r.status).toBe(0);
    const pcap = readFileSync(dst);
    expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
    const want = plain((await read(pop3Trace())).records.slice(1));
    expect(plain((await read(pcap, 7)).records.slice(1))).toEqual(want);
    const opened: CaptureRecord[] = [];
    for await (const rec of await openRecords(dst)) opened.push(rec);
    expect(plain(opened.slice(1))).toEqual(want);
  });

  it('a trace with no POP3 in it: no records, one warning naming the file', async () => {
    const b = new TraceBuilder();
    b.open('w', ep('192.0.2.7', 50000), ep('198.51.100.2', 8080));
    b.c('w', 'GET / HTTP/1.1\r\n\r\n');
    b.s('w', 'HTTP/1.1 200 OK\r\n\r\n');
    b.close('w', 'client');
    const { records, warnings } = await read(b.file());
    expect(records).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^in\.file: no POP3 connection in this trace/);
  });

  it('a trace cut inside a block: everything before it, and one warning', async () => {
    const file = pop3Trace();
    const { records, warnings } = await read(file.subarray(0, file.length - 10), 'bytewise');
    expect(records.some((r) => r.type === 'data')).toBe(true);
    expect(warnings.some((w) => /^in\.file: the pcapng file ends in the middle of a block/.test(w))).toBe(
      true,
    );
  });
});

describe('readRecords: broken and tiny inputs are one CaptureError line', () => {
  it('a damaged gzip stream (bytes changed, or cut short) names the file', async () => {
    const gz = Buffer.from(gzipSync(SEED));
    const damaged = Buffer.from(gz);
    for (let i = 20; i < 60; i++) damaged[i] = damaged[i]! ^ 0x5a;
    expect(await failure(damaged)).toMatch(/^in\.file: the gzip data is damaged/);
    expect(await failure(gz.subarray(0, gz.length >> 1))).toMatch(/^in\.file: the gzip data is damaged/);
    expect(await failure(gzipSync(pop3Trace()).subarray(0, 40), 'bytewise')).toMatch(
      /^in\.file: the gzip data is damaged/,
    );
  });

  it('an empty file', async () => {
    expect(await failure(new Uint8Array(0))).toMatch(/^in\.file: empty file/);
  });

  it('a 2-byte file', async () => {
    expect(await failure(Buffer.from('{}'))).toMatch(/^in\.file: not a pop3scope capture/);
    expect(await failure(Buffer.from([0x1f, 0x8b]))).toMatch(/^in\.file: the gzip data is damaged/);
  });

  it('"\\x1f\\x8b\\x08": a gzip header cut short', async () => {
    for (const how of ['whole', 'bytewise'] as const)
      expect(await failure(Buffer.from([0x1f, 0x8b, 0x08]), how)).toMatch(
        /^in\.file: the gzip data is damaged/,
      );
  });

  it('the first bytes of a pcapng or pcap magic only: one CaptureError line saying why', async () => {
    for (const bytes of [
      [0x0a, 0x0d],
      [0x0a, 0x0d, 0x0d],
      [0xd4, 0xc3, 0xb2],
    ]) {
      expect(await failure(Uint8Array.from(bytes))).toBe(
        `in.file: the file ends after ${bytes.length} bytes, inside its file header: nothing is read`,
      );
    }
  });

  it('a gzip of a gzip is not unpacked twice: the inner one is "not a capture"', async () => {
    expect(await failure(gzipSync(gzipSync(SEED)))).toMatch(/^in\.file: not a pop3scope capture/);
  });

  it('a bad pcapng block is one line naming the file', async () => {
    const file = Buffer.from(pop3Trace());
    file.writeUInt32LE(0x7ffffff0, 4 + file.readUInt32LE(4)); // the IDB's length: far too long
    const message = await failure(file, 9);
    expect(message.length).toBeLessThan(300);
  });

  it('openRecords: a missing file and a directory are one line each', async () => {
    await expect(openRecords(join(dir, 'nope.pcap'))).rejects.toThrow(
      /^cannot read .*nope\.pcap: no such file$/,
    );
    await expect(openRecords(dir)).rejects.toThrow(/is a directory, not a capture file$/);
  });
});
