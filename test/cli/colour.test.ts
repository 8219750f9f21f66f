/**
 * One colour decision for every command, seen from outside: the built CLI run on a real pseudo-terminal
 * (util-linux `script`) and through a pipe, with NO_COLOR, FORCE_COLOR and --color/--no-color. Needs dist/
 * (`npm test` builds it first).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const SAMPLE = 'captures/seed-download-and-delete.jsonl';
const ESC = '\x1b';
const SGR = /\x1b\[[0-9;]*m/;

/** The environment without any colour variable of the test runner's own, on a terminal that can colour. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...rest } = process.env;
  return { ...rest, TERM: 'xterm-256color', ...extra };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `pop3scope show SAMPLE ...args` with stdout on a pseudo-terminal. */
function onTerminal(args: string[], extra: Record<string, string> = {}): string {
  const command = [process.execPath, 'dist/cli/main.js', 'show', SAMPLE, ...args].map(quote).join(' ');
  const r = spawnSync('script', ['-qfec', command, '/dev/null'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: env(extra),
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain('summary of session s1');
  return r.stdout;
}

/** The same through a pipe. */
function throughPipe(args: string[], extra: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, ['dist/cli/main.js', 'show', SAMPLE, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: env(extra),
    timeout: 30_000,
  });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain('summary of session s1');
  return r.stdout;
}

describe('show on a terminal', () => {
  it('is coloured when nothing says otherwise', () => {
    expect(onTerminal([])).toMatch(SGR);
  });

  it('NO_COLOR=1 emits no escape byte at all', () => {
    expect(onTerminal([], { NO_COLOR: '1' })).not.toContain(ESC);
  });

  it('--no-color emits none either, and --color wins over NO_COLOR', () => {
    expect(onTerminal(['--no-color'])).not.toContain(ESC);
    expect(onTerminal(['--color'], { NO_COLOR: '1' })).toMatch(SGR);
  });

  it('FORCE_COLOR=0 turns it off', () => {
    expect(onTerminal([], { FORCE_COLOR: '0' })).not.toContain(ESC);
  });
});

describe('show through a pipe', () => {
  it('is plain by default', () => {
    expect(throughPipe([])).not.toContain(ESC);
  });

  it('FORCE_COLOR=1 colours it, and --no-color beats FORCE_COLOR', () => {
    expect(throughPipe([], { FORCE_COLOR: '1' })).toMatch(SGR);
    expect(throughPipe(['--no-color'], { FORCE_COLOR: '1' })).not.toContain(ESC);
  });

  it('the coloured and the plain transcript say the same once the colours are taken out', () => {
    const plain = throughPipe([]);
    expect(throughPipe(['--color']).replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain);
  });
});
