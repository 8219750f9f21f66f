/**
 * The streaming capture writer: private files (0600), records readable after close, appending to an existing
 * capture, refusing other files, and write errors reported through onError without ever throwing.
 */
import {
  chmodSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { type CaptureRecord, dataRecord, headerRecord } from '../../src/capture/format.js';
import { CaptureError, readCapture } from '../../src/capture/reader.js';
import { CaptureWriter, FLUSH_AT_BYTES, MAX_PENDING_BYTES, writeAll } from '../../src/capture/writer.js';
import { expectValidCapture } from '../helpers/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'pop3scope-writer-'));
let n = 0;
const fresh = () => join(dir, `cap-${++n}.jsonl`);
const now = () => new Date('2026-03-02T09:15:00Z');

const open: CaptureRecord = {
  type: 'open',
  session: 's1',
  t: 1,
  client: '127.0.0.1:5',
  upstream: '127.0.0.1:110',
  tls: 'none',
};
const close: CaptureRecord = { type: 'close', session: 's1', t: 9, by: 'server', reason: 'QUIT' };

/** The records of a capture the writer wrote, read back; every line must match the published schema first. */
async function records(path: string): Promise<{ records: CaptureRecord[]; warnings: string[] }> {
  expectValidCapture(readFileSync(path, 'utf8'), path);
  const out: CaptureRecord[] = [];
  const warnings: string[] = [];
  for await (const r of readCapture(createReadStream(path), path, (w) => warnings.push(w))) out.push(r);
  return { records: out, warnings };
}

describe('CaptureWriter', () => {
  it('creates the file mode 0600 and writes a header first', async () => {
    const path = fresh();
    const writer = await CaptureWriter.open(path, { toolVersion: '9.9.9', now });
    await writer.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(JSON.parse(lines[0]!)).toEqual({
      type: 'header',
      format: 'pop3scope-capture',
      version: 1,
      createdAt: '2026-03-02T09:15:00.000Z',
      tool: 'pop3scope 9.9.9',
    });
  });

  it('writes records that read back exactly after close', async () => {
    const path = fresh();
    const writer = await CaptureWriter.open(path, { toolVersion: '1', now });
    const data = [
      dataRecord('s1', 2, 's2c', Buffer.from('+OK ready\r\n')),
      dataRecord('s1', 3, 'c2s', Buffer.from([0, 1, 0xff])),
    ];
    for (const r of [open, ...data, close]) writer.write(r);
    await writer.close();
    const { records: back } = await records(path);
    expect(back.slice(1)).toEqual([open, ...data, close]);
  });

  it('writes in the background without close (at least every FLUSH_INTERVAL_MS)', async () => {
    const path = fresh();
    const writer = await CaptureWriter.open(path, { toolVersion: '1', now });
    writer.write(open);
    await vi.waitFor(() => expect(readFileSync(path, 'utf8')).toContain('"type":"open"'), {
      timeout: 3000,
      interval: 50,
    });
    await writer.close();
  });

  it('writes at once when FLUSH_AT_BYTES wait, without waiting for the timer', async () => {
    vi.useFakeTimers({ toFake: ['setInterval'] }); // the background timer never fires in this test
    try {
      const path = fresh();
      const writer = await CaptureWriter.open(path, { toolVersion: '1', now });
      const body = Buffer.alloc(64 * 1024, 'x');
      for (let i = 0; i * body.length <= FLUSH_AT_BYTES; i++) writer.write(dataRecord('s1', i, 's2c', body));
      await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(FLUSH_AT_BYTES), {
        timeout: 3000,
        interval: 20,
      });
      await writer.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a write takes all that waits when it starts: a burst goes out in a few writes, not 1 MiB per turn', async () => {
    // One write per FLUSH_AT_BYTES batch, chained, let a relay that queues several MiB per turn of the event loop
    // leave the file ~12 MB behind (issue #18). Spied on the FileHandle class, which node:fs does not export.
    const probe = await openFile(fresh(), 'w');
    const proto = Object.getPrototypeOf(probe) as { writev: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const writev = vi.spyOn(proto, 'writev');
    try {
      const path = fresh();
      const writer = await CaptureWriter.open(path, { toolVersion: '1', now });
      const body = Buffer.alloc(64 * 1024, 'b');
      const chunks = (16 * FLUSH_AT_BYTES) / body.length;
      writev.mockClear();
      for (let i = 0; i < chunks; i++) writer.writeData('s1', i, 's2c', body);
      await writer.close();
      // The first write starts at FLUSH_AT_BYTES; everything queued meanwhile goes out with the next.
      expect(writev.mock.calls.length).toBeLessThanOrEqual(3);
      const data = (await records(path)).records.filter((r) => r.type === 'data');
      expect(data).toHaveLength(chunks);
    } finally {
      writev.mockRestore();
    }
  });

  it('bounds what waits for a disk that does not keep up: data being written counts too', async () => {
    const errors: Error[] = [];
    const writer = await CaptureWriter.open(fresh(), {
      toolVersion: '1',
      now,
      onError: (e) => errors.push(e),
    });
    // Records are handed to the file in FLUSH_AT_BYTES batches; none is written before this loop yields.
    const body = Buffer.alloc(1024 * 1024, 'y');
    for (let i = 0; i <= MAX_PENDING_BYTES / body.length; i++) writer.write(dataRecord('s1', i, 's2c', body));
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/the disk is not keeping up; dropping data records/),
    ]);
    await writer.close();
  });

  it('a full queue drops data only, marks the gap, keeps the close, and records the sessions that follow', async () => {
    const path = fresh();
    const errors: string[] = [];
    const warnings: string[] = [];
    const writer = await CaptureWriter.open(path, {
      toolVersion: '1',
      now,
      onError: (e) => errors.push(e.message),
      onWarning: (w) => warnings.push(w),
      maxPendingBytes: 4096, // three 1000-octet records fit; nothing is written before this test yields
    });
    const chunk = (session: string, t: number) => dataRecord(session, t, 's2c', Buffer.alloc(1000, 'z'));
    writer.write(open);
    for (let t = 2; t < 12; t++) writer.write(chunk('s1', t));
    writer.write(close);
    await writer.flush(); // the disk catches up: there is room again
    const s2 = { ...open, session: 's2', t: 20 } as CaptureRecord;
    writer.write(s2);
    writer.write(chunk('s2', 21));
    writer.write({ ...close, session: 's2', t: 22 } as CaptureRecord);
    await writer.close();
    const { records: back } = await records(path);
    const shape = back.map((r) => (r.type === 'header' ? 'header' : `${r.type} ${r.session}`));
    expect(shape).toEqual([
      'header',
      'open s1',
      'data s1',
      'data s1',
      'data s1',
      'gap s1',
      'close s1',
      'open s2',
      'data s2',
      'close s2',
    ]);
    expect(back.find((r) => r.type === 'gap')).toEqual({
      type: 'gap',
      session: 's1',
      t: 5,
      records: 7,
      octets: 7000,
    });
    expect(errors).toEqual([expect.stringMatching(/not keeping up; dropping data records/)]);
    expect(warnings).toEqual([
      `capture ${path}: 7 data records (7000 octets) of 1 session were not recorded; each gap is marked in the capture`,
    ]);
  });

  it('a feeder that pauses while the writer is congested loses nothing (backpressure, not drops)', async () => {
    const path = fresh();
    const errors: string[] = [];
    const writer = await CaptureWriter.open(path, {
      toolVersion: '1',
      now,
      onError: (e) => errors.push(e.message),
      maxPendingBytes: 16 * 1024,
      slowDownAtBytes: 4096,
    });
    writer.write(open);
    let pauses = 0;
    for (let t = 2; t < 202; t++) {
      writer.write(dataRecord('s1', t, 's2c', Buffer.alloc(1000, 'p')));
      if (writer.congested) {
        pauses++;
        await writer.relieved();
        expect(writer.congested).toBe(false);
      }
    }
    writer.write(close);
    await writer.close();
    expect(pauses).toBeGreaterThan(10);
    expect(errors).toEqual([]);
    const { records: back } = await records(path);
    expect(back.filter((r) => r.type === 'data')).toHaveLength(200);
    expect(back.some((r) => r.type === 'gap')).toBe(false);
  });

  it('relieved() resolves at once when not congested, and when the writer closes', async () => {
    const writer = await CaptureWriter.open(fresh(), { toolVersion: '1', now, slowDownAtBytes: 100 });
    await writer.relieved();
    writer.write(dataRecord('s1', 2, 's2c', Buffer.alloc(500, 'r')));
    expect(writer.congested).toBe(true);
    const waiting = writer.relieved();
    await writer.close();
    await waiting;
    expect(writer.congested).toBe(false);
  });

  it('a session still open when the writer closes gets its gap marked too', async () => {
    const path = fresh();
    const writer = await CaptureWriter.open(path, {
      toolVersion: '1',
      now,
      onWarning: () => {},
      maxPendingBytes: 2048,
    });
    writer.write(open);
    for (let t = 2; t < 6; t++) writer.write(dataRecord('s1', t, 'c2s', Buffer.alloc(1500, 'q')));
    await writer.close();
    const { records: back } = await records(path);
    expect(back.at(-1)).toMatchObject({ type: 'gap', session: 's1', records: 3, octets: 4500 });
  });

  it('appending continues the session numbering of the file; an id it already holds is written as id#k', async () => {
    const path = fresh();
    const first = await CaptureWriter.open(path, { toolVersion: '1', now });
    expect(first.nextSessionNumber).toBe(1);
    first.write(open);
    first.write({ ...open, session: 's2' } as CaptureRecord);
    await first.close();
    const second = await CaptureWriter.open(path, { toolVersion: '1', now });
    expect(second.nextSessionNumber).toBe(3);
    // A writer that reuses an id anyway (replay --against names sessions after the recording):
    second.write({ ...open, t: 30 } as CaptureRecord);
    second.write(dataRecord('s1', 31, 's2c', Buffer.from('+OK\r\n')));
    second.write({ ...close, t: 32 } as CaptureRecord);
    await second.close();
    const { records: back } = await records(path);
    expect(back.slice(3).map((r) => (r as { session: string }).session)).toEqual(['s1#2', 's1#2', 's1#2']);
    const third = await CaptureWriter.open(path, { toolVersion: '1', now });
    expect(third.nextSessionNumber).toBe(3);
    third.write(open);
    await third.close();
    expect((await records(path)).records.at(-1)).toMatchObject({ type: 'open', session: 's1#3' });
  });

  it('finds the ids of a capture larger than its read block, an open record straddling two blocks', async () => {
    const block = 1024 * 1024; // the scan's read block
    for (const cut of [1, 10, 26, 27, 30]) {
      // An open record that starts `cut` octets before the block boundary, after a data record filling the rest.
      const head = `${JSON.stringify({ ...headerRecord('1', now()) })}\n`;
      const before = `${head}${JSON.stringify({ ...open, session: 's7' })}\n`;
      const fill = (n: number) =>
        `{"type":"data","session":"s7","t":2,"dir":"s2c","text":"${'f'.repeat(n)}"}\n`;
      const pad = block - cut - before.length - fill(0).length;
      const text = `${before}${fill(pad)}${JSON.stringify({ ...open, session: 's41' })}\n`;
      expect(text.indexOf('{"type":"open","session":"s41"')).toBe(block - cut);
      const path = fresh();
      writeFileSync(path, text);
      const again = await CaptureWriter.open(path, { toolVersion: '1', now });
      expect(again.nextSessionNumber).toBe(42);
      await again.close();
    }
  });

  it('tightens an existing capture that others may read to 0600, and says so once', async () => {
    const path = fresh();
    const first = await CaptureWriter.open(path, { toolVersion: '1', now });
    first.write(open);
    await first.close();
    chmodSync(path, 0o644);
    const warnings: string[] = [];
    const second = await CaptureWriter.open(path, {
      toolVersion: '1',
      now,
      onWarning: (w) => warnings.push(w),
    });
    await second.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([`capture ${path} was mode 0644, readable by others; it is now 0600`]);
    const third = await CaptureWriter.open(path, {
      toolVersion: '1',
      now,
      onWarning: (w) => warnings.push(w),
    });
    await third.close();
    expect(warnings).toHaveLength(1);
  });

  it('appends to an existing capture without a second header', async () => {
    const path = fresh();
    const first = await CaptureWriter.open(path, { toolVersion: '1', now });
    first.write(open);
    await first.close();
    const second = await CaptureWriter.open(path, { toolVersion: '2', now });
    second.write(close);
    await second.close();
    const text = readFileSync(path, 'utf8');
    expect(text.match(/"type":"header"/g)).toHaveLength(1);
    expect((await records(path)).records.map((r) => r.type)).toEqual(['header', 'open', 'close']);
  });

  it('refuses to append to a file that is not a capture, and leaves it untouched', async () => {
    const path = fresh();
    writeFileSync(path, 'my notes\n');
    await expect(CaptureWriter.open(path, { toolVersion: '1', now })).rejects.toThrow(CaptureError);
    await expect(CaptureWriter.open(path, { toolVersion: '1', now })).rejects.toThrow(
      'is not a pop3scope capture; refusing to append',
    );
    expect(readFileSync(path, 'utf8')).toBe('my notes\n');
  });

  it('reports a file it cannot open as a CaptureError', async () => {
    await expect(
      CaptureWriter.open(join(dir, 'no-such-dir', 'x.jsonl'), { toolVersion: '1', now }),
    ).rejects.toThrow(/cannot open capture .*ENOENT/);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });

  it.skipIf(!existsSync('/dev/full'))(
    'reports a write error once through onError and never throws',
    async () => {
      const errors: Error[] = [];
      const writer = await CaptureWriter.open('/dev/full', {
        toolVersion: '1',
        now,
        onError: (e) => errors.push(e),
      });
      writer.write(open);
      await expect(writer.flush()).resolves.toBeUndefined();
      expect(() => writer.write(close)).not.toThrow();
      await expect(writer.flush()).resolves.toBeUndefined();
      await expect(writer.close()).resolves.toBeUndefined();
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toBe('capture /dev/full: write failed: ENOSPC');
    },
  );

  it('appends after a capture whose last line a crash cut short, and the file stays readable', async () => {
    const path = fresh();
    const first = await CaptureWriter.open(path, { toolVersion: '1', now });
    first.write(open);
    await first.close();
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"type":"data","session":"s1","t":2,"dir":"c2s","te`);
    const second = await CaptureWriter.open(path, { toolVersion: '1', now });
    second.write(close);
    await second.close();
    const { records: back } = await records(path);
    expect(back.map((r) => r.type)).toEqual(['header', 'open', 'close']);
  });
});

describe('writeAll', () => {
  it('finishes a short writev line by line, in order, and fails on a write that writes nothing', async () => {
    const got: Buffer[] = [];
    const lines = ['first line\n', 'second\n', 'third line\n'].map((l) => Buffer.from(l));
    let writes = 0;
    const file = {
      // The kernel took 13 octets: all of the first line and two of the second.
      writev: async (buffers: Buffer[]) => {
        got.push(Buffer.concat(buffers).subarray(0, 13));
        return { bytesWritten: 13, buffers };
      },
      // Then 3 octets at a time.
      write: async (buffer: Buffer) => {
        writes++;
        got.push(buffer.subarray(0, 3));
        return { bytesWritten: Math.min(3, buffer.length), buffer };
      },
    };
    await writeAll(file as never, lines, 29);
    expect(Buffer.concat(got).toString()).toBe('first line\nsecond\nthird line\n');
    expect(writes).toBeGreaterThan(1);
    const stuck = { ...file, write: async (buffer: Buffer) => ({ bytesWritten: 0, buffer }) };
    await expect(writeAll(stuck as never, lines, 29)).rejects.toThrow('nothing written');
  });
});
