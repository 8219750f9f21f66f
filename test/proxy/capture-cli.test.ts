/** The proxy's capture as a user relies on it: written as data flows, 0600, readable after kill -9, errors loud. */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { rawClient } from '../helpers/proxyHarness.js';

let server: RunningServer;
const dir = mkdtempSync(join(tmpdir(), 'pop3scope-capture-'));
beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, demo: true });
});
afterAll(() => server.close());

function startProxy(args: string[]): {
  child: ChildProcess;
  port: Promise<number>;
  stderr: () => string;
  stdout: () => string;
} {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'proxy',
      '--upstream',
      `127.0.0.1:${server.address().port}`,
      '--listen',
      '127.0.0.1:0',
      ...args,
    ],
    { cwd: ROOT },
  );
  let stderr = '';
  let stdout = '';
  child.stdout!.on('data', (c) => (stdout += c));
  const port = new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (c) => {
      stderr += c;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error(`proxy exited: ${stderr}`)));
  });
  return { child, port, stderr: () => stderr, stdout: () => stdout };
}

async function login(port: number, lines: string[]): Promise<string> {
  const c = await rawClient(port);
  for (const line of lines) {
    c.socket.write(`${line}\r\n`);
    await new Promise((r) => setTimeout(r, 60));
  }
  return c.received().toString();
}

describe('proxy --capture', () => {
  it('writes records while the session runs, mode 0600, and a kill -9 loses nothing that was flushed', async () => {
    const file = join(dir, 'killed.jsonl');
    const p = startProxy(['--capture', file, '--quiet']);
    const port = await p.port;
    const c = await rawClient(port);
    c.socket.write('USER bob\r\nPASS hungry\r\nLIST\r\nDELE 1\r\n');
    // The session is still open: the records must reach the disk without waiting for its end.
    await expect
      .poll(() => existsSync(file) && readFileSync(file, 'utf8').includes('marked for deletion'), {
        timeout: 3000,
      })
      .toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    p.child.kill('SIGKILL');
    await new Promise((r) => p.child.on('exit', r));
    c.socket.destroy();
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('hungry');
    const shown = runCli(['show', file, '--format', 'json']);
    expect(shown.code).toBe(0);
    const records = shown.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const summary = records.find((r) => r.type === 'summary');
    expect(summary).toMatchObject({ user: 'bob', marked: [1], removed: [], discarded: [1] });
    expect(summary.closeReason).toBe('the capture ends here');
  });

  it('appends the next run to the same capture and stops cleanly on SIGINT with exit 0', async () => {
    const file = join(dir, 'appended.jsonl');
    for (let run = 0; run < 2; run++) {
      // Someone made the capture readable by others between the runs: the next run tightens it, and says so.
      if (run === 1) chmodSync(file, 0o644);
      const p = startProxy(['--capture', file, '--quiet']);
      const answer = await login(await p.port, ['USER bob', 'PASS hungry', 'STAT', 'QUIT']);
      expect(answer).toContain('+OK 2 1410');
      p.child.kill('SIGINT');
      const code = await new Promise((r) => p.child.on('exit', r));
      expect(code).toBe(0);
      if (run === 1) {
        expect(p.stderr()).toContain(
          `pop3scope: warning: capture ${file} was mode 0644, readable by others; it is now 0600\n`,
        );
        expect(statSync(file).mode & 0o777).toBe(0o600);
      }
    }
    const text = readFileSync(file, 'utf8');
    expect(text.match(/"type":"header"/g)).toHaveLength(1);
    expect(text.match(/"type":"close"/g)).toHaveLength(2);
    // The second run continued the numbering: every id names one session (show --session s1 picks one).
    expect([...text.matchAll(/"type":"open","session":"([^"]+)"/g)].map((m) => m[1])).toEqual(['s1', 's2']);
    const one = runCli(['show', file, '--session', 's1']);
    expect(one.stdout.match(/━━ session/g)).toHaveLength(1);
  });

  it('reports a capture write error loudly and keeps relaying mail', async () => {
    if (!existsSync('/dev/full')) return;
    const p = startProxy(['--capture', '/dev/full', '--quiet']);
    const answer = await login(await p.port, ['USER bob', 'PASS hungry', 'STAT', 'QUIT']);
    expect(answer).toContain('+OK 2 1410');
    await expect
      .poll(() => p.stderr(), { timeout: 3000 })
      .toMatch(/capture \/dev\/full: write failed: ENOSPC; still relaying mail/);
    p.child.kill('SIGINT');
    expect(await new Promise((r) => p.child.on('exit', r))).toBe(0);
  });

  it('refuses to write into a file that is not a capture, with one line and exit 2', () => {
    const r = runCli([
      'proxy',
      '--upstream',
      '127.0.0.1:1',
      '--listen',
      '127.0.0.1:0',
      '--capture',
      'package.json',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'pop3scope: package.json exists and is not a pop3scope capture; refusing to append to it',
    );
  });
});
