/**
 * Capture files as show, check and replay meet them (issue 12): bad timestamps, versions, a byte order mark and
 * huge lines are one line on stderr and exit 2 in every command and format; gaps the writer marked are shown;
 * sessions are told apart across files and within one; check speaks JSON for CI.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pop3scope-capfiles-'));
const SEED = 'captures/seed-download-and-delete.jsonl';
const BUGGY = 'captures/buggy-server.jsonl';
const seedLines = readFileSync(SEED, 'utf8').trimEnd().split('\n');

function file(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function expectOneLineError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.code).toBe(2);
}

describe('bad capture files: one line, exit 2, in every command and format', () => {
  it('a timestamp beyond the range of dates (1e308) names its line instead of "Invalid time value"', () => {
    const bad = file(
      'far-future.jsonl',
      `${[...seedLines.slice(0, 2), seedLines[2]!.replace('"t":1772442900040', '"t":1e308')].join('\n')}\n`,
    );
    const pattern = /far-future\.jsonl: line 3: a data record's "t" must be milliseconds since 1970/;
    for (const args of [
      ['show', bad],
      ['show', bad, '--format', 'json'],
      ['show', bad, '--format', 'markdown'],
      ['check', bad],
      ['replay', bad, '--no-ui', '--speed', '0'],
    ])
      expectOneLineError(runCli(args), pattern);
  });

  it('says what is wrong with the version; a byte order mark is fine', () => {
    const h = JSON.parse(seedLines[0]!) as Record<string, unknown>;
    const withVersion = (name: string, v: unknown) =>
      file(name, `${JSON.stringify({ ...h, version: v })}\n${seedLines.slice(1).join('\n')}\n`);
    expectOneLineError(
      runCli(['show', withVersion('v-string.jsonl', '1')]),
      /v-string\.jsonl: the capture header's "version" must be an integer, not "1"$/m,
    );
    expectOneLineError(
      runCli(['check', withVersion('v0.jsonl', 0)]),
      /v0\.jsonl: unsupported capture format version 0$/m,
    );
    const bom = file('bom.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(SEED)]));
    const r = runCli(['show', bom]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(runCli(['show', SEED]).stdout);
  });

  it('a line longer than MAX_CAPTURE_LINE is refused, naming it', () => {
    const huge = `{"type":"data","session":"s1","t":1772442900041,"dir":"s2c","text":"${'x'.repeat(17 * 1024 * 1024)}"}`;
    const bad = file('huge-line.jsonl', `${seedLines.slice(0, 3).join('\n')}\n${huge}\n`);
    expectOneLineError(
      runCli(['show', bad]),
      /huge-line\.jsonl: line 4 is longer than 16 MiB, far more than any capture record holds; not read/,
    );
  });
});

describe('gaps, session ids and several files', () => {
  it('shows where the writer dropped records (a gap record) and keeps analysing what follows', () => {
    const gap = '{"type":"gap","session":"s1","t":1772442904000,"records":3,"octets":196608}';
    const withGap = file(
      'gap.jsonl',
      `${[...seedLines.slice(0, 10), gap, ...seedLines.slice(10)].join('\n')}\n`,
    );
    const text = runCli(['show', withGap]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      '! POP3_CAPTURE_GAP (warning, docs/capture-format.md): the capture is missing data here',
    );
    expect(text.stdout).toContain('3 data records (196608 octets) were not recorded here');
    expect(text.stdout).toContain('violations POP3_CAPTURE_GAP×1');
    expect(text.stdout).toContain('── summary of session s1 ──');
    const json = runCli(['show', withGap, '--format', 'json'])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(json.filter((r) => r.type === 'violation').map((r) => r.code)).toEqual(['POP3_CAPTURE_GAP']);
    const check = runCli(['check', withGap]);
    expect(check.code).toBe(0); // a warning: the capture is incomplete, the server did nothing wrong
    expect(check.stdout).toContain('POP3_CAPTURE_GAP');
  });

  it('show --session picks one session of a file that reused an id (appended by an older version)', () => {
    const twice = file('twice.jsonl', `${[...seedLines, ...seedLines.slice(1)].join('\n')}\n`);
    const first = runCli(['show', twice, '--session', 's1']);
    expect(first.code).toBe(0);
    expect(first.stdout.match(/━━ session/g)).toHaveLength(1);
    expect(first.stdout).toContain('━━ session s1 ·');
    const second = runCli(['show', twice, '--session', 's1#2']);
    expect(second.code).toBe(0);
    expect(second.stdout.match(/━━ session/g)).toHaveLength(1);
    expect(second.stdout).toContain('── summary of session s1#2 ──');
  });

  it('show A B says which file each session came from: text header, JSON field, Markdown', () => {
    const text = runCli(['show', SEED, BUGGY]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^━━ session s1 · .* · file ${SEED}$`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^━━ session s1 · .* · file ${BUGGY}$`, 'm'));
    const records = runCli(['show', SEED, BUGGY, '--format', 'json'])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(new Set(records.map((r) => r.file))).toEqual(new Set([SEED, BUGGY]));
    expect(records.filter((r) => r.type === 'summary').map((r) => r.file)).toEqual([SEED, BUGGY]);
    const md = runCli(['show', SEED, BUGGY, '--format', 'markdown']).stdout;
    expect(md).toContain(` · file ${SEED}`);
    expect(md).toContain(` · file ${BUGGY}`);
    // One file: no file noise (and the JSON contract of a single capture is unchanged).
    expect(runCli(['show', SEED]).stdout).not.toContain(' · file ');
  });
});

describe('pop3scope check --format json', () => {
  it('prints one object per file with its sessions, violations by code and exit code, and exits as check does', () => {
    const r = runCli(['check', '--format', 'json', SEED, BUGGY]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const objects = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objects).toHaveLength(2);
    expect(objects[0]).toEqual({
      file: SEED,
      version: 1,
      sessions: 1,
      violations: {},
      severities: { error: 0, warning: 0, info: 0 },
      exit: 0,
    });
    expect(objects[1]).toMatchObject({ file: BUGGY, sessions: 1, exit: 1 });
    expect(objects[1].violations).toMatchObject({
      POP3_SIZE_MISMATCH: expect.any(Number),
      POP3_STAT_MISMATCH: expect.any(Number),
      POP3_UNSTUFFED_DOT: expect.any(Number),
    });
    const total = Object.values(objects[1].violations as Record<string, number>).reduce((a, b) => a + b, 0);
    const severities = objects[1].severities as Record<string, number>;
    expect(severities.error! + severities.warning! + severities.info!).toBe(total);
    expectOneLineError(runCli(['check', '--format', 'xml', SEED]), /--format must be one of text, json/);
  });
});
