/**
 * The packet-trace figures: a pcapng of one session retrieving a large message (PcapngWriter's synthetic TCP,
 * 64 KiB segments, as tcpdump records loopback), read the way `show` reads it (input.ts → trace.ts → engine).
 */
import { createWriteStream, statSync } from 'node:fs';
import { CaptureAnalyzer } from '../src/capture/analyze.js';
import { openRecords } from '../src/capture/input.js';
import { PcapngWriter } from '../src/capture/pcap/pcapngWriter.js';
import { makeMessage } from './messages.js';

const client = { address: '127.0.0.1', port: 50000 };
const server = { address: '127.0.0.1', port: 110 };

/** Writes the trace to `file`: greeting, USER/PASS, RETR of a `mib` MiB message, QUIT. */
export async function bigTrace(file: string, mib: number): Promise<void> {
  const out = createWriteStream(file);
  const write = (blocks: readonly Uint8Array[]) =>
    new Promise<void>((resolve) => {
      let ok = true;
      for (const b of blocks) ok = out.write(b);
      if (ok) resolve();
      else out.once('drain', () => resolve());
    });
  const w = new PcapngWriter({ comment: ['pop3scope bench trace'] });
  let t = Date.now();
  await write([w.header()]);
  await write(w.open('s1', { t, client, server }));
  const say = (dir: 'c2s' | 's2c', text: string) =>
    write(w.data('s1', dir, Buffer.from(text, 'latin1'), t++));
  await say('s2c', '+OK ready\r\n');
  await say('c2s', 'USER bench\r\n');
  await say('s2c', '+OK\r\n');
  await say('c2s', 'PASS bench\r\n');
  await say('s2c', '+OK\r\n');
  await say('c2s', 'RETR 1\r\n');
  const body = makeMessage(mib * 1024 * 1024);
  await say('s2c', `+OK ${body.length} octets\r\n`);
  for (let at = 0; at < body.length; at += 65536) {
    // Dot-stuffed chunk by chunk: a 1 GiB body is too long for one string.
    const chunk = Buffer.from(
      body
        .subarray(at, at + 65536)
        .toString('latin1')
        .replace(/^\./gm, '..'),
      'latin1',
    );
    await write(w.data('s1', 's2c', chunk, t));
    t += 0.01;
  }
  await say('s2c', '.\r\n');
  await say('c2s', 'QUIT\r\n');
  await say('s2c', '+OK bye\r\n');
  await write(w.close('s1', t, 'client'));
  await new Promise((r) => out.end(r));
}

/** Reads the trace as `show` does, in this process: file MB per second (median of `runs`). */
export async function traceReadMBps(file: string, runs: number): Promise<number[]> {
  const size = statSync(file).size;
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    const analyzer = new CaptureAnalyzer();
    let transactions = 0;
    for await (const record of await openRecords(file))
      for (const e of analyzer.record(record)) if (e.type === 'transaction') transactions++;
    analyzer.end();
    if (transactions < 4) throw new Error(`the bench trace read as ${transactions} transactions`);
    out.push(size / 1e6 / ((performance.now() - started) / 1000));
  }
  return out;
}
