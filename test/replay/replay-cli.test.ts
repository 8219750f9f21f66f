/** `pop3scope replay --no-ui` as a user meets it: the transcript of `show`, prefixed like the live proxy, in time. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const SEED = 'captures/seed-download-and-delete.jsonl';

describe('pop3scope replay --no-ui', () => {
  it('prints the same transcript as show, each line prefixed by its session', () => {
    const show = runCli(['show', SEED]);
    const replay = runCli(['replay', SEED, '--no-ui', '--speed', '0']);
    expect(replay.code).toBe(0);
    expect(replay.stderr).toBe('');
    const expected = show.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => `[s1] ${l}`);
    expect(replay.stdout.trimEnd().split('\n')).toEqual(expected);
  });

  it('interleaves several sessions as they happened, like the live proxy', () => {
    const r = runCli(['replay', 'captures/dovecot-mpop-pipelined.jsonl', '--no-ui', '--speed', '0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[s\d+\] ━━ session/m);
    expect(r.stdout).toMatch(/── summary of session/);
  });

  it('--speed 0 plays a capture longer than the read-ahead about as fast as show (no 60 s stall)', () => {
    const lines = readFileSync(SEED, 'utf8').trimEnd().split('\n');
    // The seed (19 records) with NOOPs added: 84 records, more than LOOKAHEAD, as in the report.
    const noops = Array.from({ length: 65 }, (_, i) =>
      JSON.stringify({ type: 'data', session: 's1', t: 1772442900041 + i, dir: 'c2s', text: 'NOOP\r\n' }),
    );
    const path = join(mkdtempSync(join(tmpdir(), 'pop3scope-replay-')), 'long.jsonl');
    writeFileSync(path, `${[...lines.slice(0, 3), ...noops, ...lines.slice(3)].join('\n')}\n`);
    const started = Date.now();
    const r = runCli(['replay', path, '--no-ui', '--speed', '0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('── summary of session s1 ──');
    expect(Date.now() - started).toBeLessThan(10_000); // generous: the stall was 60 s
  });

  it('keeps the original timing, scaled by --speed', () => {
    const started = Date.now();
    const r = runCli(['replay', SEED, '--no-ui', '--speed', '10']);
    const elapsed = Date.now() - started;
    expect(r.code).toBe(0);
    expect(elapsed).toBeGreaterThanOrEqual(7265 / 10);
    expect(r.stdout).toContain('[s1] ── UPDATE ──');
  });

  it('--session plays only that session; naming none is an error', () => {
    expect(runCli(['replay', SEED, '--no-ui', '--speed', '0', '--session', 's1']).code).toBe(0);
    const r = runCli(['replay', SEED, '--no-ui', '--speed', '0', '--session', 's7']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`pop3scope: no session "s7" in ${SEED}\n`);
  });

  it('--step with --no-ui plays a step per Enter, and the rest in time once stdin ends', () => {
    const r = runCli(['replay', SEED, '--no-ui', '--step', '--speed', '0'], '\n\n');
    expect(r.code).toBe(0);
    // Since issue 17 a step is a command, then its answer (the hint said "the next transaction" before).
    expect(r.stderr).toContain('Enter shows the next command and what it asks, Enter again its answer');
    expect(r.stdout).toContain('[s1] ── summary of session s1 ──');
  });

  it('refuses a bad speed or a file that is not a capture, in one line', () => {
    for (const speed of ['-1', 'fast', '']) {
      const r = runCli(['replay', SEED, '--no-ui', '--speed', speed]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^pop3scope: --speed must be a number from 0 up .*\n$/);
    }
    const r = runCli(['replay', 'README.md', '--no-ui']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('pop3scope: README.md: not a pop3scope capture (line 1 is not JSON)\n');
    expect(runCli(['replay', 'nope.jsonl', '--no-ui']).stderr).toBe(
      'pop3scope: cannot read nope.jsonl: no such file\n',
    );
  });
});
