/**
 * The proxy reads the server into buffers it uses again (src/proxy/readPool.ts), so a sink may use a data
 * event's bytes only during its call. Through the real CLI, with a capture and a pcapng file, a server sending a
 * 12 MiB message in small odd pieces, or all at once (reads fill the buffers, which grow to FLOOD_READ_OCTETS),
 * and a client that stops reading now and then: the client gets every byte, and the capture and the pcapng
 * file hold exactly those bytes — no sink kept a view of a buffer that was read into again. (That a buffer is not read into while its write is still queued is readPool.test.ts's.)
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataRecord, dataBytes } from '../../src/capture/format.js';
import { readTrace } from '../../src/capture/pcap/readTrace.js';
import { READ_BUFFER_OCTETS } from '../../src/proxy/limits.js';
import { prng } from '../helpers/prng.js';
import { fakeUpstream, writeInPieces } from '../helpers/proxyHarness.js';
import { type ProxyProcess, parseJsonLines, startProxyProcess } from '../helpers/proxyProcess.js';

const random = prng(1803);
/** Printable lines, none starting with a dot, so the body on the wire is the message as it is. */
const body = (() => {
  const lines: string[] = [];
  let size = 0;
  while (size < 12 * 1024 * 1024) {
    const n = 1 + Math.floor(random() * 200);
    const line = Array.from({ length: n }, () => String.fromCharCode(0x41 + Math.floor(random() * 58))).join(
      '',
    );
    lines.push(line);
    size += n + 2;
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');
})();
const GREETING = '+OK ready\r\n';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let upstream: { port: number; close(): Promise<void> };
let sending: 'in pieces' | 'at once' = 'in pieces';
let proxy: ProxyProcess;
const dir = mkdtempSync(join(tmpdir(), 'pop3scope-reused-'));
beforeAll(async () => {
  upstream = await fakeUpstream((s) => {
    s.write(GREETING);
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('RETR 1\r\n') && !got.includes('#sent')) {
        got += '#sent';
        const wire = Buffer.concat([Buffer.from('+OK message follows\r\n'), body, Buffer.from('.\r\n')]);
        // Small pieces a turn of the event loop apart: many reads, each into a buffer the proxy uses again. Or
        // one write, as fast as loopback takes it: the proxy's reads come back full.
        if (sending === 'at once') s.write(wire);
        else writeInPieces(s, wire, random);
      }
      if (got.endsWith('QUIT\r\n')) s.end('+OK bye\r\n');
    });
  });
}, 30_000);
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the proxy reading into reused buffers', () => {
  it.each(['in pieces', 'at once'] as const)(
    'relays, captures and writes to pcapng exactly what the server sent %s, to a client that stalls',
    async (how) => {
      sending = how;
      await proxy?.stop();
      const pcapng = join(dir, `trace-${how}.pcapng`);
      proxy = await startProxyProcess(upstream.port, { extraArgs: ['--pcapng', pcapng] });
      const client = net.connect({ host: '127.0.0.1', port: proxy.port });
      const received: Buffer[] = [];
      let stalls = 0;
      let asked = false;
      let quit = false;
      /** The last octets received: enough to see the body's terminator without joining 12 MiB per chunk. */
      let tail = '';
      const ended = new Promise((r) => client.on('close', r));
      client.on('data', (d: Buffer) => {
        received.push(d);
        tail = (tail + d.toString('latin1')).slice(-GREETING.length);
        if (!asked && Buffer.concat(received).toString('latin1').startsWith(GREETING)) {
          asked = true;
          client.write('RETR 1\r\n');
        }
        if (asked && !quit && tail.endsWith('\r\n.\r\n')) {
          quit = true;
          client.write('QUIT\r\n');
        }
        // Now and then it stops reading: the kernel's buffers fill and the proxy's writes queue behind it.
        if (stalls < 4 && received.length % 50 === 1 && asked) {
          stalls++;
          client.pause();
          setTimeout(() => client.resume(), 250);
        }
      });
      await ended;
      const expected = Buffer.concat([
        Buffer.from(`${GREETING}+OK message follows\r\n`),
        body,
        Buffer.from('.\r\n+OK bye\r\n'),
      ]);
      expect(sha(Buffer.concat(received))).toBe(sha(expected));
      await proxy.stop();

      const s2c = (records: readonly { type: string; dir?: string }[]) =>
        Buffer.concat(
          records.filter((r) => r.type === 'data' && r.dir === 's2c').map((r) => dataBytes(r as DataRecord)),
        );
      const captured = parseJsonLines(readFileSync(proxy.capturePath, 'utf8'));
      expect(sha(s2c(captured))).toBe(sha(expected));
      if (how === 'at once') {
        // The larger buffers were used: some chunk is more than a 64 KiB read holds.
        const largest = Math.max(
          ...captured.filter((r) => r.type === 'data').map((r) => dataBytes(r as DataRecord).length),
        );
        expect(largest).toBeGreaterThan(READ_BUFFER_OCTETS);
      }
      const traced: { type: string; dir?: string }[] = [];
      for await (const r of readTrace(createReadStream(pcapng), pcapng, () => {}, { ports: [upstream.port] }))
        traced.push(r);
      expect(sha(s2c(traced))).toBe(sha(expected));
    },
    60_000,
  );
});
