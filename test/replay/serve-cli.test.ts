/**
 * `pop3scope replay CAPTURE --serve`, the real command line as a child process: the start line, --once exit
 * codes (0 followed, 1 diverged), SIGINT (exit 0), the transcript on stdout, and the one-line refusals.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { run } from '../helpers/clients.js';
import { startReplayServe } from '../helpers/replayServe.js';

const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const startServe = (args: string[]) => startReplayServe(args, (c) => children.push(c));

/** A bare client: sends lines, waits for text to arrive (a buggy body defeats any POP3-aware client). */
async function dial(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port });
  let got = '';
  socket.on('data', (d: Buffer) => {
    got += d.toString('latin1');
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  let seen = 0;
  /** Resolves with what arrived since the last call, once it holds `until`. */
  const until = async (text: string) => {
    const end = Date.now() + 5000;
    while (!got.slice(seen).includes(text)) {
      if (Date.now() > end)
        throw new Error(`waited for ${JSON.stringify(text)}, got ${JSON.stringify(got.slice(seen))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const fresh = got.slice(seen, got.indexOf(text, seen) + text.length);
    seen += fresh.length;
    return fresh;
  };
  const cmd = (line: string, text = '\r\n') => {
    socket.write(`${line}\r\n`);
    return until(text);
  };
  return { until, cmd, closed, destroy: () => socket.destroy() };
}

describe('replay --serve (command line)', () => {
  it('--once: a client that follows the recording to the end → exit 0; the transcript is on stdout', async () => {
    const s = await startServe(['captures/buggy-server.jsonl', '--once', '--timing', 'fast']);
    expect([s.what, s.how]).toEqual([
      'session s1 of captures/buggy-server.jsonl',
      'timing fast, on mismatch error, one connection',
    ]);
    const c = await dial(s.port);
    expect(await c.until('\r\n')).toBe('+OK buggy POP3 ready\r\n');
    for (const l of ['USER bob', 'PASS secret', 'STAT']) await c.cmd(l);
    expect(await c.cmd('LIST', '.\r\n')).toBe('+OK\r\n1 250\r\n.\r\n');
    // The terminator after a bare LF: what clients that wait for CRLF.CRLF choke on.
    const body = await c.cmd('RETR 1', 'bare LF\n.\r\n');
    expect(body).toContain('\r\n.signature\r\n');
    expect(await c.cmd('DELE 1')).toBe('+OK\r\n');
    c.destroy(); // the recorded client vanished here too
    expect(await s.exited).toBe(0);
    expect(s.stdout()).toContain('[r1] C: PASS <redacted 6 octets>');
    expect(s.stdout()).toContain('POP3_SIZE_MISMATCH');
    expect(s.stdout()).toContain('[r1] replay: the client followed the recording of s1 to the end');
    expect(s.stdout()).not.toContain('secret');
  });

  it('--once: a client that diverges → the -ERR, the divergence on stdout, exit 1', async () => {
    const s = await startServe([
      'captures/dovecot-curl.jsonl',
      '--session',
      's2',
      '--once',
      '--timing',
      'fast',
    ]);
    const c = await dial(s.port);
    await c.until('\r\n');
    await c.cmd('CAPA', '.\r\n');
    expect(await c.cmd('AUTH CRAM-MD5')).toMatch(/^\+ [A-Za-z0-9+/=]+\r\n$/);
    expect(await c.cmd(Buffer.from('bob 0123').toString('base64'))).toBe('+OK Logged in.\r\n');
    expect(await c.cmd('RETR 2')).toBe(
      '-ERR [SYS/PERM] pop3scope replay: recording expected "RETR 1" here, got "RETR 2"\r\n',
    );
    c.destroy();
    expect(await s.exited).toBe(1);
    expect(s.stdout()).toContain(
      '! POP3_REPLAY_DIVERGENCE (error, docs/replay.md): the client did not follow the recording it was replayed against: recording expected "RETR 1" (#3), got "RETR 2": answered -ERR',
    );
    expect(s.stdout()).toContain('[r1] replay: the client did NOT follow the recording of s2');
  });

  it('without --once it serves again and again until SIGINT, then exits 0', async () => {
    const s = await startServe(['captures/dovecot-curl.jsonl', '--timing', 'fast']);
    expect(s.what).toBe('sessions s1, s2 in turn of captures/dovecot-curl.jsonl');
    for (let i = 0; i < 3; i++) {
      const c = await dial(s.port);
      await c.until('\r\n');
      c.destroy();
    }
    await new Promise((r) => setTimeout(r, 200));
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
    expect(s.stdout().match(/━━ session r\d/g)).toEqual(['━━ session r1', '━━ session r2', '━━ session r3']);
    expect(s.stderr()).toContain('pop3scope replay: stopping\n');
  });

  it('one-line refusals (exit 2)', async () => {
    const cases: [string[], string][] = [
      [
        ['captures/dovecot-curl.jsonl', '--serve', '--once'],
        '--once serves one connection, but captures/dovecot-curl.jsonl holds 2 sessions (s1, s2): choose one with --session',
      ],
      [
        ['captures/buggy-server.jsonl', '--serve', '--listen', 'everywhere'],
        '--listen must be HOST:PORT (for example 127.0.0.1:110 or [::1]:110), not "everywhere"',
      ],
      [
        ['captures/buggy-server.jsonl', '--serve', '--session', 'nope'],
        'no session "nope" in captures/buggy-server.jsonl',
      ],
    ];
    const results = await Promise.all(
      cases.map(([args]) =>
        run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'replay', ...args], { cwd: ROOT }),
      ),
    );
    expect(results.map((r) => [r.code, r.stderr])).toEqual(cases.map(([, m]) => [2, `pop3scope: ${m}\n`]));
  });
});
