/**
 * `pop3scope proxy` loads its own command only (src/cli/main.ts COMMANDS), which keeps its heap under the 8 MB
 * where V8 starts incremental marking; with every command loaded it sat just past it, and the stream of socket
 * buffers made V8 mark the whole heap once per ~30 MB relayed (issue #18). The built CLI, V8's own defaults:
 * relaying 384 MiB must take at most 2 mark-compacts (1 measured; with every command loaded 3 to 12), and
 * `pop3scope --help` must still list every command.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';

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
  it('the proxy relays 384 MiB with at most 2 mark-compacts once it listens', {
    timeout: 60_000,
  }, async () => {
    const upstream = await bulkServer();
    const child = spawn(
      process.execPath,
      [
        '--trace-gc',
        'dist/cli/main.js',
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
    const before = stdout.length;
    const octets = await pull(port, 48);
    await new Promise((r) => setTimeout(r, 300));
    expect(octets).toBeGreaterThan(384 * 1024 * 1024);
    const markCompacts = stdout.slice(before).match(/Mark-Compact/g)?.length ?? 0;
    expect(markCompacts).toBeLessThanOrEqual(2);
  });

  it('help still lists every command, each loaded for it', () => {
    const r = runCli(['--help']);
    expect(r.code).toBe(0);
    for (const name of [
      'demo',
      'proxy',
      'serve',
      'show',
      'report',
      'replay',
      'check',
      'export',
      'ca',
      'client',
      'faults',
    ])
      expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });
});
