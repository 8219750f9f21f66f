/**
 * Issue 12: after one fast large transfer the capture writer said "the disk is not keeping up" and recorded
 * nothing more. Now a congested writer pauses the relay (backpressure): a transfer far larger than the writer's
 * memory bound is recorded whole, with its close, and the next session too.
 */
import { createReadStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CaptureRecord, dataBytes } from '../../src/capture/format.js';
import { readCapture } from '../../src/capture/reader.js';
import { CaptureWriter } from '../../src/capture/writer.js';
import { Hooks } from '../../src/proxy/hooks.js';
import { captureSink } from '../../src/proxy/sinks/capture.js';
import { fakeUpstream, rawClient, startTestProxy } from '../helpers/proxyHarness.js';

const BODY_LINES = 100_000; // 8 MB: 32 times the writer's memory bound below
const line = `${'m'.repeat(78)}\r\n`;

describe('capture backpressure', () => {
  it('a transfer 32 times the memory bound is recorded whole; the session closes and the next is recorded', async () => {
    const upstream = await fakeUpstream((socket) => {
      socket.write('+OK hi\r\n');
      socket.on('data', (chunk) => {
        const text = chunk.toString();
        if (text.startsWith('RETR')) {
          socket.write('+OK big\r\n');
          for (let i = 0; i < BODY_LINES; i += 1000) socket.write(line.repeat(1000));
          socket.write('.\r\n');
        }
        if (text.includes('QUIT')) socket.end('+OK bye\r\n');
      });
    });
    const path = join(mkdtempSync(join(tmpdir(), 'pop3scope-pressure-')), 'big.jsonl');
    const errors: string[] = [];
    const warnings: string[] = [];
    const writer = await CaptureWriter.open(path, {
      toolVersion: 'test',
      onError: (e) => errors.push(e.message),
      onWarning: (w) => warnings.push(w),
      maxPendingBytes: 256 * 1024,
      slowDownAtBytes: 64 * 1024,
    });
    const proxy = await startTestProxy(upstream.port, [captureSink(writer)]);
    const { port } = proxy.address();
    try {
      const big = await rawClient(port);
      big.socket.write('RETR 1\r\n');
      const expected = 8 + 9 + BODY_LINES * line.length + 3;
      while (big.received().length < expected) await new Promise((r) => setTimeout(r, 20));
      big.socket.write('QUIT\r\n');
      await big.ended;
      const next = await rawClient(port);
      next.socket.write('QUIT\r\n');
      await next.ended;
    } finally {
      await proxy.stop();
      await upstream.close();
    }
    const records: CaptureRecord[] = [];
    for await (const r of readCapture(createReadStream(path), path)) records.push(r);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(records.filter((r) => r.type === 'gap')).toEqual([]);
    // Each session opened and closed (s1's close may come after s2's open: the proxy sees the FIN later).
    const ends = records.filter((r) => r.type === 'open' || r.type === 'close');
    expect(ends.map((r) => `${r.type} ${r.session}`).sort()).toEqual([
      'close s1',
      'close s2',
      'open s1',
      'open s2',
    ]);
    const s2c = records.flatMap((r) =>
      r.type === 'data' && r.session === 's1' && r.dir === 's2c' ? [dataBytes(r)] : [],
    );
    expect(Buffer.concat(s2c).length).toBe(8 + 9 + BODY_LINES * line.length + 3 + 9);
  }, 60_000);

  it('Hooks.pressure is null while every sink keeps up, and waits for every sink that does not', async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const busy = { pressure: () => slow };
    expect(new Hooks([{}, { pressure: () => null }]).pressure()).toBeNull();
    const both = new Hooks([busy, { pressure: () => Promise.resolve() }]).pressure();
    expect(both).not.toBeNull();
    let done = false;
    void both!.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    release();
    await both;
    expect(done).toBe(true);
  });
});
