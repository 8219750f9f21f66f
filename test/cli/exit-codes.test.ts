/**
 * The exit statuses README.md documents ("Exit status and debugging"): 0 success, 1 a finding (check), 2 bad
 * input, 70 an internal error (one line; the stack only with POP3SCOPE_DEBUG), 130 a second Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { startProxyProcess } from '../helpers/proxyProcess.js';

const BREAK_CLOCK = fileURLToPath(new URL('./fixtures/clock-throws.mjs', import.meta.url));
const SEED = 'captures/seed-download-and-delete.jsonl';

function showWithBrokenClock(env: Record<string, string>): { code: number | null; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--import', BREAK_CLOCK, '--import', 'tsx', 'src/cli/main.ts', 'show', SEED],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, FORCE_COLOR: '0', POP3SCOPE_DEBUG: '', ...env },
    },
  );
  return { code: r.status, stderr: r.stderr };
}

describe('exit statuses', () => {
  it('0 for a clean run, 1 when check finds an error, 2 for a bad flag or file', () => {
    expect(runCli(['check', 'captures/download-and-keep.jsonl']).code).toBe(0);
    expect(runCli(['check', 'captures/buggy-server.jsonl']).code).toBe(1);
    expect(runCli(['show', '--format', 'yaml', SEED]).code).toBe(2);
    expect(runCli(['show', 'no-such-file.jsonl']).code).toBe(2);
  });

  it.each([
    [['show', '--bogus', SEED], "unknown option '--bogus' (see pop3scope show --help)"],
    [['frobnicate'], "unknown command 'frobnicate' (see pop3scope --help)"],
    [['show'], "missing required argument 'capture' (see pop3scope show --help)"],
    [
      ['proxy', '--upstream'],
      "option '-u, --upstream <host:port>' argument missing (see pop3scope proxy --help)",
    ],
    [['ca', 'init', '--bogus'], "unknown option '--bogus' (see pop3scope ca init --help)"],
    [['--bogus'], "unknown option '--bogus' (see pop3scope --help)"],
  ])('what commander refuses (%j) is one line and 2, naming the help to read', (args, message) => {
    const r = runCli(args);
    expect(r.stderr).toBe(`pop3scope: ${message}\n`);
    expect(r.code).toBe(2);
  });

  it('70 for an internal error: one line naming it, no stack trace', () => {
    const r = showWithBrokenClock({});
    expect(r.code).toBe(70);
    expect(r.stderr).toBe('pop3scope: internal error: toISOString broken by the test\n');
  });

  it('POP3SCOPE_DEBUG adds the stack trace after that line', () => {
    const r = showWithBrokenClock({ POP3SCOPE_DEBUG: '1' });
    expect(r.code).toBe(70);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('pop3scope: internal error: toISOString broken by the test');
    expect(lines[1]).toBe('TypeError: toISOString broken by the test');
    expect(lines.slice(2).every((l) => /^\s+at /.test(l))).toBe(true);
    expect(lines.length).toBeGreaterThan(2);
  });

  describe('130 when a second Ctrl-C cuts the graceful stop short', () => {
    const held: Socket[] = [];
    let upstream: Server;
    afterAll(() => {
      for (const s of held) s.destroy();
      upstream?.close();
    });

    it('the proxy, waiting for a session in flight, exits 130 at the second SIGINT', async () => {
      // An upstream that greets and then keeps the connection open: the session never ends by itself.
      upstream = createServer((s) => {
        held.push(s);
        s.write('+OK ready\r\n');
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      const port = (upstream.address() as { port: number }).port;
      const px = await startProxyProcess(port);
      const client = connect(px.port, '127.0.0.1');
      held.push(client);
      await new Promise<void>((resolve) => client.once('data', () => resolve()));
      const started = Date.now();
      process.kill(px.pid, 'SIGINT');
      await new Promise((r) => setTimeout(r, 300));
      process.kill(px.pid, 'SIGINT');
      const code = await px.stop();
      expect(code).toBe(130);
      // The grace period is 2 s: the second signal did not wait for it.
      expect(Date.now() - started).toBeLessThan(1900);
      px.remove();
    });
  });

  it('README.md documents every status and POP3SCOPE_DEBUG', () => {
    const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('## Exit status and debugging'));
    expect(section.length).toBeLessThan(readme.length);
    for (const code of ['0', '1', '2', '70', '130'])
      expect(section).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
    expect(section).toContain('POP3SCOPE_DEBUG');
  });
});
