/**
 * `pop3scope replay CAPTURE --against HOST:PORT`, the real command line, against the embedded server (no peer
 * needed). Sessions are recorded through the in-process proxy with every login method the replay rebuilds
 * (USER/PASS, APOP, AUTH PLAIN, LOGIN, CRAM-MD5), then replayed against a fresh server: equivalent. Also the
 * safety and flag rules: DELE refused before connecting, no password from anywhere, bad flags — one line, exit 2.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureWriter } from '../../src/capture/writer.js';
import type { ProxyServer } from '../../src/proxy/server.js';
import { captureSink } from '../../src/proxy/sinks/capture.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { ROOT } from '../helpers/cli.js';
import { run } from '../helpers/clients.js';
import { startTestProxy } from '../helpers/proxyHarness.js';
import { rawPop3 } from '../helpers/rawPop3.js';

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const dir = mkdtempSync('/tmp/pop3scope-replay-cli-');
const capture = join(dir, 'recorded.jsonl');
let recordingServer: RunningServer;
let proxy: ProxyServer;
const fresh: RunningServer[] = [];

function replay(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'replay', ...args], {
    cwd: ROOT,
    env: { FORCE_COLOR: '0', ...env },
    timeoutMs: 30_000,
  });
}

async function freshServer(): Promise<number> {
  const s = await startServer({ hostname: 'replay.test' });
  fresh.push(s);
  return s.address().port;
}

beforeAll(async () => {
  recordingServer = await startServer({ hostname: 'recorded.test' });
  const writer = await CaptureWriter.open(capture, { toolVersion: 'test' });
  proxy = await startTestProxy(recordingServer.address().port, [captureSink(writer)]);
  const port = proxy.address().port;
  // s1: USER/PASS, the whole mailbox listed and read, kept.
  let c = await rawPop3(port);
  for (const l of ['USER bob', 'PASS hungry', 'STAT', 'UIDL']) await c.cmd(l, l === 'UIDL');
  await c.cmd('LIST', true);
  await c.cmd('RETR 1', true);
  await c.cmd('TOP 2 3', true);
  await c.quit();
  // s2: APOP.
  c = await rawPop3(port);
  const ts = /<[^>]+>/.exec(c.greeting)![0];
  await c.cmd(`APOP alice ${createHash('md5').update(`${ts}wonderland`).digest('hex')}`);
  await c.cmd('STAT');
  await c.quit();
  // s3: AUTH CRAM-MD5.
  c = await rawPop3(port);
  const challenge = Buffer.from((await c.cmd('AUTH CRAM-MD5')).slice(2).trim(), 'base64').toString('latin1');
  await c.cmd(b64(`bob ${createHmac('md5', 'hungry').update(challenge).digest('hex')}`));
  await c.cmd('LIST', true);
  await c.quit();
  // s4: AUTH PLAIN with an initial response; s5: AUTH LOGIN.
  c = await rawPop3(port);
  await c.cmd(`AUTH PLAIN ${b64('\0alice\0wonderland')}`);
  await c.cmd('STAT');
  await c.quit();
  c = await rawPop3(port);
  await c.cmd('AUTH LOGIN');
  await c.cmd(b64('bob'));
  await c.cmd(b64('hungry'));
  await c.cmd('RETR 2', true);
  await c.quit();
  await proxy.stop();
}, 30_000);

afterAll(async () => {
  await Promise.all([recordingServer?.close(), ...fresh.map((s) => s.close())]);
  rmSync(dir, { recursive: true, force: true });
});

describe('replay --against (embedded server)', () => {
  it.each([
    ['s1', 'hungry', 'USER/PASS'],
    ['s2', 'wonderland', 'APOP'],
    ['s3', 'hungry', 'AUTH CRAM-MD5'],
    ['s4', 'wonderland', 'AUTH PLAIN'],
    ['s5', 'hungry', 'AUTH LOGIN'],
  ])(
    '%s (%s, %s) replayed against a fresh server: equivalent, exit 0, no password printed',
    async (session, password) => {
      const port = await freshServer();
      const r = await replay(
        [capture, '--session', session, '--against', `127.0.0.1:${port}`, '--password-env', 'REPLAY_PW'],
        { REPLAY_PW: password },
      );
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`replay of session ${session} of ${capture} against 127.0.0.1:${port}`);
      expect(r.stdout).toMatch(/ {2}=> equivalent \(\d+ same, 0 changed, 0 missing, 0 extra\)/);
      expect(r.stdout.split('\n').at(-2)).toBe('pop3scope replay: equivalent: 1 of 1 session replayed alike');
      expect(r.stdout + r.stderr).not.toContain(password);
    },
  );

  it('a wrong password makes the sessions NOT equivalent (exit 1), and the new capture holds no password', async () => {
    const port = await freshServer();
    const out = join(dir, 'new.jsonl');
    const r = await replay(
      [
        capture,
        '--session',
        's1',
        '--against',
        `127.0.0.1:${port}`,
        '--password-env',
        'REPLAY_PW',
        '--capture',
        out,
      ],
      {
        REPLAY_PW: 'not-the-password',
      },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(
      '  changed #2 PASS <redacted 6 octets>: status "+OK" → "-ERR"; response code — → "AUTH"',
    );
    expect(r.stdout).toMatch(/ {2}=> NOT equivalent/);
    expect(r.stdout).toContain(
      `pop3scope replay: NOT equivalent: 0 of 1 session replayed alike; the new session is recorded in ${out}`,
    );
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('"text":"PASS ****************\\r\\n"');
    expect(text).not.toContain('not-the-password');
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('all sessions in turn without --session: one report each and a verdict', async () => {
    const port = await freshServer();
    const r = await replay(
      [capture, '--against', `127.0.0.1:${port}`, '--user', 'bob', '--password-env', 'REPLAY_PW'],
      { REPLAY_PW: 'hungry' },
    );
    // alice's sessions logged in as bob now: STAT and the summary's user differ, so not all are equivalent.
    expect(r.stdout.match(/^replay of session s\d /gm)).toHaveLength(5);
    expect(r.stdout).toMatch(/pop3scope replay: NOT equivalent: 3 of 5 sessions replayed alike/);
    expect(r.code).toBe(1);
  });
});

describe('replay --against refuses before connecting (one line, exit 2)', () => {
  let connections = 0;
  let listener: net.Server;
  let port = 0;
  beforeAll(async () => {
    listener = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    port = (listener.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => listener.close(() => r())));

  it.each([
    [
      ['captures/seed-download-and-delete.jsonl', '--password-env', 'REPLAY_PW'],
      'pop3scope: refusing to replay session s1 against 127.0.0.1:PORT: it sends dele 1, dele 2 and a QUIT that commits them, which deletes mail there; add --allow-delete if that mail may go',
    ],
    [
      ['captures/dovecot-fetchmail-keep.jsonl'],
      'pop3scope: session s1 logs in with a password: name an environment variable holding it with --password-env VAR (or run on a terminal to be asked)',
    ],
    [
      ['captures/dovecot-fetchmail-keep.jsonl', '--password-env', 'POP3SCOPE_NO_SUCH_VARIABLE'],
      'pop3scope: --password-env POP3SCOPE_NO_SUCH_VARIABLE: that environment variable is not set',
    ],
    [
      ['captures/dovecot-curl.jsonl', '--session', 's9', '--password-env', 'REPLAY_PW'],
      'pop3scope: no session "s9" in captures/dovecot-curl.jsonl',
    ],
    [['captures/no-such-file.jsonl'], 'pop3scope: cannot read captures/no-such-file.jsonl: no such file'],
    [['package.json'], 'pop3scope: package.json: not a pop3scope capture (line 1 is not JSON)'],
  ])('%j', async (args, message) => {
    const [file, ...rest] = args;
    const r = await replay([file!, '--against', `127.0.0.1:${port}`, ...rest], { REPLAY_PW: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${message.replace('PORT', String(port))}\n`);
    expect(r.stdout).toBe('');
    expect(connections).toBe(0);
  });

  it('flags of one mode are refused with the other, or alone', async () => {
    const cases: [string[], string][] = [
      [
        ['--serve', '--against', '127.0.0.1:1'],
        '--serve and --against are two different replays: choose one',
      ],
      [['--once'], '--once needs --serve'],
      [['--on-mismatch', 'seek'], '--on-mismatch needs --serve'],
      [['--allow-delete'], '--allow-delete needs --against HOST:PORT'],
      [['--serve', '--user', 'bob'], '--user needs --against HOST:PORT'],
      [
        ['--against', 'nowhere'],
        '--against must be HOST:PORT (for example 127.0.0.1:110 or [::1]:110), not "nowhere"',
      ],
      [['--serve', '--step'], '--step belongs to the timeline replay, not to --serve'],
    ];
    for (const [args, message] of cases) {
      const r = await replay(['captures/buggy-server.jsonl', ...args]);
      expect([r.code, r.stderr]).toEqual([2, `pop3scope: ${message}\n`]);
    }
  });

  it('a server that cannot be reached: one line, exit 2', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await replay(
      [
        'captures/dovecot-fetchmail-keep.jsonl',
        '--against',
        `127.0.0.1:${closed}`,
        '--password-env',
        'REPLAY_PW',
      ],
      { REPLAY_PW: 'x' },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`pop3scope: cannot connect to 127.0.0.1:${closed}: ECONNREFUSED\n`);
  });
});
