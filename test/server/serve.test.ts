/** `pop3scope serve`: flags, errors, the startup line, and a clean stop on signals in a real process. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/errors.js';
import { parseListen, registerServe, startServe } from '../../src/cli/serve.js';
import type { RunningServer } from '../../src/server/server.js';
import { RawClient } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const started: RunningServer[] = [];

function capture(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk, _e, done) {
      text += chunk.toString();
      done();
    },
  });
  return { out, text: () => text };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

describe('serve flags', () => {
  it('parses ADDR:PORT and [IPv6]:PORT', () => {
    expect(parseListen('127.0.0.1:2110')).toEqual({ host: '127.0.0.1', port: 2110 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('localhost:995')).toEqual({ host: 'localhost', port: 995 });
  });

  it.each([
    [{ listen: '2110' }, /^--listen: expected ADDR:PORT/],
    [{ listen: '127.0.0.1:70000' }, /^--listen: expected ADDR:PORT/],
    [{ idleTimeout: 'soon' }, /^--idle-timeout: expected a positive number/],
    [{ idleTimeout: '0' }, /^--idle-timeout: expected a positive number/],
    [{ maxSessions: '1.5' }, /^--max-sessions: expected a positive whole number/],
    [{ demo: true, maildir: '/tmp' }, /^--demo and --maildir cannot be used together$/],
    [{ maildir: '/tmp' }, /^--maildir needs --users FILE/],
    [{ users: '/etc/hostname' }, /^--users only applies with --maildir/],
    [
      { maildir: '/nonexistent-pop3scope', users: '/dev/null' },
      /^cannot use Maildir root \/nonexistent-pop3scope: ENOENT$/,
    ],
    [{ maildir: '/tmp', users: '/nonexistent-pop3scope-users' }, /^cannot read users file .*: ENOENT$/],
  ])('refuses %j with a one-line CliError', async (flags, message) => {
    const error = await startServe({ listen: '127.0.0.1:0', ...flags }, capture().out).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('reports a port already in use in one line', async () => {
    const first = await startServe({ listen: '127.0.0.1:0' }, capture().out);
    started.push(first);
    const busy = `127.0.0.1:${first.address().port}`;
    await expect(startServe({ listen: busy }, capture().out)).rejects.toThrow(
      `cannot listen on ${busy}: EADDRINUSE`,
    );
  });

  it('prints where it listens and the users it serves, never their passwords', async () => {
    const { out, text } = capture();
    const server = await startServe({ listen: '127.0.0.1:0', idleTimeout: '30', maxSessions: '5' }, out);
    started.push(server);
    const port = server.address().port;
    expect(text()).toBe(`pop3scope serve: listening on 127.0.0.1:${port}, demo mailbox, users: bob, alice\n`);
    const { client, greeting } = await RawClient.open(port);
    expect(greeting).toMatch(/^\+OK/);
    client.destroy();
  });

  it('serves a Maildir with a users file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pop3scope-serve-'));
    try {
      await writeFile(join(dir, 'users'), 'dave:s3cret\n');
      const { out, text } = capture();
      const server = await startServe(
        { listen: '127.0.0.1:0', maildir: dir, users: join(dir, 'users') },
        out,
      );
      started.push(server);
      expect(text()).toContain(`Maildir ${dir}, users: dave\n`);
      expect(text()).not.toContain('s3cret');
      const { client } = await RawClient.open(server.address().port);
      expect(await client.login('dave', 's3cret')).toBe('+OK dave has 0 messages (0 octets)');
      client.destroy();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('has help with the defaults and examples', async () => {
    const program = new Command('pop3scope').exitOverride();
    let help = '';
    program.configureOutput({ writeOut: (s) => (help += s) });
    registerServe(program);
    program.commands[0]!.exitOverride();
    await expect(program.parseAsync(['serve', '--help'], { from: 'user' })).rejects.toThrow();
    expect(help).toContain('--listen <addr:port>');
    expect(help).toContain('127.0.0.1:2110');
    expect(help).toContain('--max-sessions <n>');
    expect(help).toContain('Examples:');
    expect(help).toContain('pop3scope serve --maildir');
  });
});

describe('serve as a process', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  /** Starts `serve` on a free port; resolves with the port from its startup line. */
  async function startProcess(): Promise<number> {
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/server/fixtures/serveMain.ts', 'serve', '--listen', '127.0.0.1:0'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    let stdout = '';
    return new Promise((resolve, reject) => {
      proc.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on 127\.0\.0\.1:(\d+),/.exec(stdout);
        if (m) resolve(Number(m[1]));
      });
      proc.on('exit', (code) => reject(new Error(`serve exited with ${code} before listening: ${stdout}`)));
    });
  }

  it.each(['SIGTERM', 'SIGINT'] as const)('stops cleanly on %s, ending open sessions', async (signal) => {
    const port = await startProcess();
    const { client } = await RawClient.open(port);
    expect(await client.login('bob', 'hungry')).toMatch(/^\+OK/);
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    child!.kill(signal);
    expect((await client.untilClosed()).toString()).toBe('-ERR [SYS/TEMP] server shutting down\r\n');
    expect(await exited).toBe(0);
  });
});
