/**
 * Start-up failures of the long-running commands: one clear line on stderr, exit 2, at once — never a hang, a
 * spin or an internal error. Each run has its own short timeout: a command that hangs fails its test quickly.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const dir = mkdtempSync('/tmp/pop3scope-startup-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI from source with stdin closed; a run still going after `timeoutMs` is killed (code null). */
function run(args: string[], timeoutMs = 8000) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const proxyArgs = (...extra: string[]) => [
  'proxy',
  '--upstream',
  '127.0.0.1:9',
  '--listen',
  '127.0.0.1:0',
  '--no-ui',
  ...extra,
];

describe('proxy --log-file', () => {
  it.each([
    [
      'a path whose folder cannot be made',
      '/proc/nope/x.log',
      /^pop3scope: --log-file: cannot write the log file \/proc\/nope\/x\.log: ENOENT\n$/,
    ],
    ['a directory', dir, new RegExp(`^pop3scope: --log-file: cannot write the log file ${dir}: EISDIR\\n$`)],
  ])('regression: %s is one clear line and exit 2 (no spin, no internal error)', (_what, file, line) => {
    const r = run(proxyArgs('--log-file', file));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(line);
  });

  it('regression: the log file is created 0600 whatever the umask, and an existing one is tightened', () => {
    const fresh = join(dir, 'new', 'proxy.log');
    const old = join(dir, 'old.log');
    writeFileSync(old, '', { mode: 0o644 });
    for (const file of [fresh, old]) {
      // A bad --capture makes the proxy stop right after the log was opened.
      const r = spawnSync(
        'sh',
        [
          '-c',
          `umask 000; exec "${process.execPath}" --import tsx src/cli/main.ts "$@"`,
          'sh',
          ...proxyArgs('--log-file', file, '--capture', dir),
        ],
        { cwd: ROOT, encoding: 'utf8', timeout: 8000, killSignal: 'SIGKILL' },
      );
      expect(r.status, r.stderr).toBe(2);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
  });
});

describe('demo --capture', () => {
  it('regression: a bad path is one line and exit 2, promptly (the embedded server does not keep it alive)', () => {
    mkdirSync(join(dir, 'd'), { recursive: true });
    const r = run(['demo', '--no-ui', '--port', '31190', '--capture', join(dir, 'd')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^pop3scope: .*\/d/);
  });
});
