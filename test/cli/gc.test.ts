/**
 * The CLI turns V8's incremental marking off (src/cli/gc.ts): with it on, a relaying process whose heap is past
 * 8 MB marked its whole heap every ~30 MB relayed. V8 is told to start marking at every chance here
 * (--stress-incremental-marking) and to say when it does; once the proxy listens, it must never start.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const BODY = Buffer.alloc(8 * 1024 * 1024, `${'a'.repeat(74)}\r\n`);
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** A server that greets, then answers every line with an 8 MiB multi-line response. */
function bulkServer(): Promise<number> {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.write('+OK ready\r\n');
    s.on('data', () => s.write(Buffer.concat([Buffer.from('+OK\r\n'), BODY, Buffer.from('.\r\n')])));
  });
  cleanup.push(() => server.close());
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

/** Sends `n` commands one after another through `port`; resolves with the octets received. */
function pull(port: number, n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = 0;
    let sent = 0;
    s.on('data', (c) => {
      got += c.length;
      const expected = 11 + sent * (BODY.length + 8);
      if (got < expected) return;
      if (sent === n) {
        s.destroy();
        resolve(got);
      } else {
        sent++;
        s.write(`RETR ${sent}\r\n`);
      }
    });
    s.on('error', reject);
  });
}

describe('garbage collection in the CLI', () => {
  it('never starts incremental marking while the proxy relays', { timeout: 60_000 }, async () => {
    const upstream = await bulkServer();
    const child = spawn(
      process.execPath,
      [
        '--stress-incremental-marking',
        '--trace-incremental-marking',
        '--import',
        'tsx',
        'src/cli/main.ts',
        'proxy',
        '--quiet',
        '--upstream',
        `127.0.0.1:${upstream}`,
        '--listen',
        '127.0.0.1:0',
      ],
      { cwd: ROOT },
    );
    cleanup.push(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (t: string) => {
        stderr += t;
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`proxy exited ${code}: ${stderr}`)));
    });
    // Under the stress flag V8 marks during start-up too; what counts is what happens once it relays.
    await new Promise((r) => setTimeout(r, 300));
    const before = stdout.length;
    const octets = await pull(port, 8);
    await new Promise((r) => setTimeout(r, 300));
    expect(octets).toBeGreaterThan(64 * 1024 * 1024);
    expect(stdout.slice(before)).not.toContain('[IncrementalMarking] Start');
  });
});
