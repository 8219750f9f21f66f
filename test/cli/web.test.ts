/**
 * `--web` on proxy, demo and replay, as a user meets it: the flags refused in one line (non-loopback without
 * --web-public, --web-public alone, a capture taken for the address, --web with --serve, a port in use), the
 * warning with --web-public, the start line with the URL and its token, and the feed of real sessions —
 * curl and poplib through `demo --web`, `proxy --web` beside --format json, `replay --web` with steps — ended
 * by Ctrl-C with the stream's 'end'.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { runCli, startCli } from '../helpers/cli.js';
import { curlPop3, poplib } from '../helpers/clients.js';
import { itWithPeers } from '../helpers/peers.js';
import { parseJsonLines } from '../helpers/proxyProcess.js';
import { jsonOutputProblems } from '../helpers/schema.js';
import { secretForms } from '../helpers/secrets.js';
import { fetchText, openEvents } from '../helpers/sse.js';

const SEED = 'captures/seed-download-and-delete.jsonl';
const URL_LINE = /^pop3scope: web view at (http:\/\/127\.0\.0\.1:(\d+)\/\?t=([A-Za-z0-9_-]{22}))$/m;

/** One line on stderr, no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

const eventsOf = (pageUrl: string) => pageUrl.replace('/?t=', '/events?t=');

/** A page's record as `show --format json` prints it: a transaction without the bytes of its arrow. */
function withoutBytes(record: object): object {
  if ((record as { type?: string }).type !== 'transaction') return record;
  const { bytes: _bytes, ...rest } = record as { bytes?: unknown };
  return rest;
}

describe('--web: flags refused in one line', () => {
  it('a non-loopback address needs --web-public', () => {
    const r = runCli(['proxy', '--upstream', '127.0.0.1:1', '--no-ui', '--web', '0.0.0.0:0']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(
      /^pop3scope: --web 0\.0\.0\.0:0: other machines may reach that address .* add --web-public/,
    );
  });

  it('--web-public alone, and --web given a capture instead of ADDR:PORT', () => {
    const alone = runCli(['demo', '--no-ui', '--web-public']);
    expect(alone.code).toBe(2);
    expect(oneLine(alone.stderr)).toMatch(/--web-public needs --web/);
    const eaten = runCli(['replay', '--no-ui', '--web', SEED]);
    expect(eaten.code).toBe(2);
    expect(oneLine(eaten.stderr)).toMatch(
      /--web takes ADDR:PORT .*not "captures\/seed.*write --web=ADDR:PORT/,
    );
    const port = runCli(['replay', '--no-ui', SEED, '--web', '127.0.0.1:70000']);
    expect(port.code).toBe(2);
    expect(oneLine(port.stderr)).toMatch(/--web: port 70000 is out of range/);
  });

  it('--web belongs to the timeline replay, not --serve or --against', () => {
    const serve = runCli(['replay', SEED, '--serve', '--web']);
    expect(serve.code).toBe(2);
    expect(oneLine(serve.stderr)).toMatch(/--web shows the timeline replay, not --serve/);
    const against = runCli(['replay', SEED, '--against', '127.0.0.1:1', '--web']);
    expect(oneLine(against.stderr)).toMatch(/not --against/);
  });

  describe('a port in use', () => {
    let taken: Server;
    let port: number;
    beforeAll(async () => {
      taken = createServer();
      await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
      port = (taken.address() as { port: number }).port;
    });
    afterAll(() => new Promise((r) => taken.close(r)));

    it.each([
      ['proxy', ['proxy', '--upstream', '127.0.0.1:1', '--listen', '127.0.0.1:0', '--no-ui']],
      ['demo', ['demo', '--no-ui', '--port', '33410']],
      ['replay', ['replay', SEED, '--no-ui', '--speed', '0']],
    ])('%s: one line, exit 2, nothing left listening', (_name, args) => {
      const r = runCli([...args, `--web=127.0.0.1:${port}`]);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toBe(`pop3scope: --web: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    });
  });

  it('help shows --web, --web-public and examples on every command that has them', () => {
    for (const command of ['proxy', 'demo', 'replay']) {
      const r = runCli([command, '--help']);
      expect(r.stdout).toContain('--web [addr:port]');
      expect(r.stdout).toContain('--web-public');
      expect(r.stdout).toMatch(/Web view \(--web\)/);
    }
  });
});

describe('--web: the live feed of real sessions', () => {
  let pop: RunningServer;
  beforeAll(async () => {
    pop = await startServer({ host: '127.0.0.1', port: 0, demo: true });
  });
  afterAll(() => pop.close());

  itWithPeers(
    ['curl', 'python3'],
    'demo --web: curl and poplib through the demo proxy reach an open page; Ctrl-C ends its stream',
    async () => {
      const p = startCli(['demo', '--no-ui', '--format', 'json', '--port', '33510', '--web']);
      try {
        await p.until(
          () => URL_LINE.test(p.got.stderr) && /the proxy listens on 127\.0\.0\.1:\d+/.test(p.got.stderr),
        );
        const [, url] = URL_LINE.exec(p.got.stderr)!;
        const port = Number(/the proxy listens on 127\.0\.0\.1:(\d+)/.exec(p.got.stderr)![1]);
        const page = await fetchText(url!);
        expect(page.status).toBe(200);
        expect(page.body).toContain('"mode":"live"');
        const s = await openEvents(eventsOf(url!));
        const curl = await curlPop3(`pop3://bob:hungry@127.0.0.1:${port}/1`, [
          '--login-options',
          'AUTH=PLAIN',
        ]);
        expect(curl.code, curl.stderr).toBe(0);
        const py = await poplib(
          `
        p = poplib.POP3(HOST, PORT, timeout=10)
        p.user(USER); p.pass_(PASSWORD); p.list(); p.quit()`,
          { POP_PORT: String(port), POP_USER: 'alice', POP_PASSWORD: 'wonderland' },
        );
        expect(py.code, py.stderr).toBe(0);
        await s.until(() => s.records().filter((x) => x.record.type === 'summary').length === 2);
        const verbs = s
          .records()
          .flatMap((x) =>
            x.record.type === 'transaction'
              ? [(x.record as { command: { verb: string } | null }).command?.verb ?? '+']
              : [],
          );
        expect(verbs).toEqual(['+', 'CAPA', 'AUTH', 'RETR', 'QUIT', '+', 'USER', 'PASS', 'LIST', 'QUIT']);
        for (const x of s.records()) expect(jsonOutputProblems(x.record)).toBeNull();
        for (const secret of ['hungry', 'wonderland'])
          for (const form of secretForms(secret)) expect(s.text()).not.toContain(form);
        // The same records as stdout's JSON lines, which the web view leaves alone, but for the bytes of
        // each arrow (the page's only: render/wireBytes.ts).
        expect(s.records().map((x) => JSON.stringify(withoutBytes(x.record)))).toEqual(
          p.got.stdout.trim().split('\n'),
        );
        const txs = s.records().filter((x) => x.record.type === 'transaction');
        for (const x of txs) expect((x.record as { bytes?: unknown }).bytes).toBeDefined();
        p.child.kill('SIGINT');
        expect(await s.ended).toBe('end');
        expect(s.events.at(-1)!.event).toBe('end');
        expect(await p.exited).toBe(0);
      } finally {
        p.child.kill('SIGKILL');
      }
    },
  );

  itWithPeers(
    ['python3'],
    'proxy --web --quiet --web-public 0.0.0.0: the warning, the URL on loopback, the session in the feed',
    async () => {
      const p = startCli([
        'proxy',
        '--upstream',
        `127.0.0.1:${pop.address().port}`,
        '--listen',
        '127.0.0.1:0',
        '--quiet',
        '--no-ui',
        '--web',
        '0.0.0.0:0',
        '--web-public',
      ]);
      try {
        await p.until(
          () => URL_LINE.test(p.got.stderr) && /listening on 127\.0\.0\.1:\d+/.test(p.got.stderr),
        );
        expect(p.got.stderr).toMatch(
          /^pop3scope: warning: the web view listens on 0\.0\.0\.0:\d+, which other machines may reach; anyone with its URL sees every session/m,
        );
        const [, url] = URL_LINE.exec(p.got.stderr)!;
        const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(p.got.stderr)![1]);
        const s = await openEvents(eventsOf(url!));
        const py = await poplib(
          `
        p = poplib.POP3(HOST, PORT, timeout=10)
        p.user(USER); p.pass_(PASSWORD); p.stat(); p.quit()`,
          { POP_PORT: String(port), POP_USER: 'bob', POP_PASSWORD: 'hungry' },
        );
        expect(py.code, py.stderr).toBe(0);
        await s.until(() => s.records().some((x) => x.record.type === 'summary'));
        expect(p.got.stdout).toBe('');
        for (const form of secretForms('hungry')) expect(s.text()).not.toContain(form);
        p.child.kill('SIGINT');
        expect(await s.ended).toBe('end');
        expect(await p.exited).toBe(0);
      } finally {
        p.child.kill('SIGKILL');
      }
    },
  );

  it('replay --web: the capture played into the feed, the page built with steps; it stays until Ctrl-C', async () => {
    const p = startCli(['replay', SEED, '--no-ui', '--speed', '0', '--web']);
    try {
      await p.until(() => /played; the web view stays until Ctrl-C/.test(p.got.stderr));
      const [, url] = URL_LINE.exec(p.got.stderr)!;
      const page = await fetchText(url!);
      expect(page.body).toContain('"steps":true');
      const s = await openEvents(eventsOf(url!));
      await s.until(() => s.records().some((x) => x.record.type === 'summary'));
      const shown = parseJsonLines(runCli(['show', SEED, '--format', 'json']).stdout);
      expect(s.records().map((x) => withoutBytes(x.record))).toEqual(shown);
      const pass = s
        .records()
        .find((x) => (x.record as { command?: { verb: string } }).command?.verb === 'PASS');
      expect((pass!.record as { bytes?: unknown }).bytes).toEqual({
        command: 'pass ******\r\n',
        response: '+OK user successfully logged on\r\n',
        omitted: 0,
      });
      p.child.kill('SIGINT');
      expect(await s.ended).toBe('end');
      expect(await p.exited).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });
});
