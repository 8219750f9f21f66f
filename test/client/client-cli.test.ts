/**
 * `pop3scope client` from the command line with piped stdin and --script, against the embedded server on a free
 * port: the seed's walkthrough shows every line of its transcript and ends on screen; STLS upgrades with
 * pop3scope's CA trusted by default; bad flags and no server are one line and exit 2.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectFailure } from '../../src/cli/clientConnect.js';
import { localCertificate } from '../../src/cli/serve.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { ROOT } from '../helpers/cli.js';
import { privateDir, tempHome } from '../helpers/tlsFixtures.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source without blocking the event loop (the server runs in this process). */
function client(
  args: string[],
  input: string | null,
  env: Record<string, string> = {},
  keepOpen = false,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'client', ...args], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0', ...env },
      stdio: [input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (input !== null && keepOpen) child.stdin!.write(input);
    else if (input !== null) child.stdin!.end(input);
  });
}

const WALKTHROUGH = 'user bob\npass hungry\nlist\nretr 1\ndele 1\nquit\n';

/** The seed's transcript shape, in order, as the output must show it. */
function expectSeedTranscript(stdout: string): void {
  const lines = stdout.split('\n');
  const order = [
    /^\+OK pop3scope ready/,
    /^AUTHORIZATION> user bob$/,
    /^\+OK/,
    /^AUTHORIZATION> pass \*{6}$/,
    /^\+OK bob has 2 messages/,
    /^TRANSACTION> list$/,
    /^\+OK/,
    /^1 498$/,
    /^2 912$/,
    /^\.$/,
    /^TRANSACTION> retr 1$/,
    /^\+OK 498 octets$/,
    /^Subject: Lunch on Friday\?$/,
    /^\.$/,
    /^TRANSACTION> dele 1$/,
    /^\+OK message 1 marked for deletion/,
    /^TRANSACTION> quit$/,
    /^\+OK pop3scope signing off/,
  ];
  let at = 0;
  for (const pattern of order) {
    const found = lines.findIndex((l, i) => i >= at && pattern.test(l));
    expect(found, `${pattern} after line ${at} in:\n${stdout}`).toBeGreaterThanOrEqual(0);
    at = found + 1;
  }
  expect(lines.filter((l) => l !== '').at(-1)).toBe('connection closed by the server');
}

describe('pop3scope client against the embedded server', () => {
  // A fresh server per test: a walkthrough's DELE and QUIT remove message 1 for the rest of a server's life.
  let server: RunningServer;
  let address: string;
  beforeEach(async () => {
    server = await startServer({ demo: true, port: 0 });
    address = `127.0.0.1:${server.address().port}`;
  });
  afterEach(() => server.close());

  it('piped stdin: the seed walkthrough, every transcript line, the closing line, exit 0, no password', async () => {
    const r = await client([address], WALKTHROUGH);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectSeedTranscript(r.stdout);
    // A pop3scope greeting turns the explanations on: the dashboard's words under each response.
    expect(r.stdout).toMatch(/^ {2}# .*octets/m);
    expect(r.stdout + r.stderr).not.toContain('hungry');
  }, 40_000);

  it('--script with --pace 0 types the dialogue (comments skipped) and --no-explain shows only the server', async () => {
    const dir = privateDir('pop3scope-client-');
    const script = join(dir, 'lesson.txt');
    writeFileSync(
      script,
      `# the seed's walkthrough\n${WALKTHROUGH.replace('list\n', '  # sizes\nlist\n\n')}`,
    );
    const r = await client([address, '--script', script, '--pace', '0', '--no-explain'], null);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectSeedTranscript(r.stdout);
    expect(r.stdout).not.toMatch(/^ {2}#/m);
    expect(r.stdout).not.toContain('sizes');
    expect(r.stdout).not.toContain('hungry');
  }, 40_000);

  it('input that ends before QUIT closes the connection itself and says that nothing is removed', async () => {
    const r = await client([address], 'user bob\npass hungry\ndele 1\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /input ended before QUIT: closing the connection \(nothing marked is removed\)\n$/,
    );
    expect(r.stdout).toMatch(/POP3_NO_UPDATE/);
  }, 40_000);

  it('a server that closes before QUIT: the closing line says so, exit 1', async () => {
    const impatient = await startServer({ demo: true, port: 0, idleTimeoutMs: 300 });
    try {
      const r = await client([`127.0.0.1:${impatient.address().port}`], 'user bob\n', {}, true);
      expect(r.stdout).toMatch(/\+OK send PASS\n/);
      expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(
        /^connection closed by the server before QUIT was answered/,
      );
      expect(r.code).toBe(1);
    } finally {
      await impatient.close();
    }
  }, 40_000);

  it('a bad flag, a bad address or nothing listening: one line on stderr, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--tls', '--stls', address], /^pop3scope: give --tls .* or --stls .*, not both\n$/],
      [['--pace', 'soon', address], /^pop3scope: --pace must be a number of milliseconds/],
      [['no-port-here'], /^pop3scope: HOST:PORT must be HOST:PORT/],
      [['--script', '/nonexistent/lesson.txt', address], /^pop3scope: cannot read --script .*ENOENT\n$/],
    ];
    for (const [args, stderr] of cases) {
      const r = await client(args, '');
      expect(r.stderr, args.join(' ')).toMatch(stderr);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.code, args.join(' ')).toBe(2);
    }
    // A port nobody listens on: a server started and closed again.
    const gone = await startServer({ demo: true, port: 0 });
    const port = gone.address().port;
    await gone.close();
    const r = await client([`127.0.0.1:${port}`], '');
    expect(r.stderr).toBe(`pop3scope: nothing listens on 127.0.0.1:${port} (connection refused)\n`);
    expect(r.code).toBe(2);
  }, 60_000);

  it('--stls to a server without STLS closes before anything is sent in the clear, exit 1', async () => {
    const r = await client([address, '--stls'], 'user bob\npass hungry\nquit\n');
    expect(r.stdout).toMatch(/^AUTHORIZATION> STLS\n-ERR/m);
    expect(r.stdout).toMatch(/the server refused STLS: closing rather than log in without TLS \(--stls\)\n$/);
    expect(r.stdout).not.toContain('user bob');
    expect(r.code).toBe(1);
  }, 40_000);

  it('the demo’s default address, refused, says to start the demo', () => {
    const e = connectFailure(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), {
      host: '127.0.0.1',
      port: 1110,
      demo: true,
    });
    expect(e.message).toMatch(/^nothing listens on 127\.0\.0\.1:1110; start `pop3scope demo` first\?/);
    expect(e.exitCode).toBe(2);
  });
});

describe('pop3scope client --stls, --tls, --ca, --insecure', () => {
  const home = tempHome();
  let server: RunningServer;
  let pop3s: RunningServer;
  let caPath: string;
  beforeAll(async () => {
    const local = await localCertificate(undefined, { POP3SCOPE_HOME: home });
    caPath = local.caPath;
    server = await startServer({ demo: true, port: 0, tls: local.tls });
    pop3s = await startServer({ demo: true, port: 0, tls: local.tls, implicitTls: true });
  });
  afterAll(async () => {
    await server.close();
    await pop3s.close();
  });

  it('--tls speaks TLS from the first byte; --ca FILE is trusted alone, --insecure checks nothing (and says so)', async () => {
    const empty = { POP3SCOPE_HOME: privateDir('pop3scope-empty-home-') };
    const address = `127.0.0.1:${pop3s.address().port}`;
    const withCa = await client([address, '--tls', '--ca', caPath], 'capa\nquit\n', empty);
    expect(withCa.stderr).toBe('');
    expect(withCa.stdout).toMatch(
      /^connected to 127\.0\.0\.1:\d+ \(TLS started \(TLSv1\.[23], .*\); the server's certificate verified\)$/m,
    );
    expect(withCa.stdout).toMatch(/^\+OK pop3scope ready/m);
    expect(withCa.code).toBe(0);
    const insecure = await client([address, '--tls', '--insecure'], 'quit\n', empty);
    expect(insecure.stdout).toContain("the server's certificate NOT checked (--insecure)");
    expect(insecure.code).toBe(0);
    const both = await client([address, '--tls', '--insecure', '--ca', caPath], 'quit\n', empty);
    expect(both.stderr).toBe('pop3scope: give --ca FILE or --insecure, not both\n');
    expect(both.code).toBe(2);
  }, 60_000);

  it('upgrades after the greeting, trusting pop3scope’s CA by default, then logs in inside TLS', async () => {
    const r = await client(
      [`127.0.0.1:${server.address().port}`, '--stls'],
      'user bob\npass hungry\nstat\nquit\n',
      {
        POP3SCOPE_HOME: home,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^AUTHORIZATION> STLS\n\+OK/m);
    expect(r.stdout).toMatch(/^TLS started \(TLSv1\.[23], .*\); the server's certificate verified$/m);
    expect(r.stdout).toMatch(/^TRANSACTION> stat\n\+OK 2 1410/m);
    expect(r.stdout).not.toContain('hungry');
  }, 40_000);

  it('without pop3scope’s CA the handshake fails in one line naming --ca and --insecure, exit 2', async () => {
    const r = await client([`127.0.0.1:${server.address().port}`, '--stls'], 'quit\n', {
      POP3SCOPE_HOME: privateDir('pop3scope-empty-home-'),
    });
    expect(r.stderr).toMatch(/^pop3scope: TLS with 127\.0\.0\.1:\d+ failed: .*--ca FILE.*--insecure\)\n$/);
    expect(r.code).toBe(2);
  }, 40_000);
});
