/**
 * `pop3scope report`, the real CLI: the file appears whole (0644) or not at all (no FILE.partial left, an
 * existing FILE kept), bad input is one line and exit 2, packet traces and gzip and stdin are read like
 * `show` reads them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSessionsCapture } from '../../bench/reportCapture.js';
import type { JsonRecord, JsonTransactionRecord } from '../../src/render/json.js';
import { INDEX_ID } from '../../src/web/page/embedded.js';
import type { IndexEntry } from '../../src/web/page/entries.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { buildPageBundle } from '../helpers/pageBundle.js';

const SEED = 'captures/seed-download-and-delete.jsonl';
let dir: string;

beforeAll(() => {
  buildPageBundle();
  dir = mkdtempSync(join(tmpdir(), 'pop3scope-report-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const indexOf = (html: string): IndexEntry[] => {
  const m = new RegExp(`<script type="application/json" id="${INDEX_ID}">([\\s\\S]*?)</script>`).exec(html);
  return JSON.parse(m![1]!) as IndexEntry[];
};

/** One line on stderr, exit 2, no stack trace, nothing half-written beside `out`. */
function expectCleanFailure(r: ReturnType<typeof runCli>, pattern: RegExp, out?: string): void {
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  if (out) expect(readdirSync(join(out, '..')).filter((f) => f.endsWith('.partial'))).toEqual([]);
}

describe('pop3scope report', () => {
  it('writes the file whole, readable by all (records are redacted), and says so', () => {
    const out = join(dir, 'seed.html');
    const r = runCli(['report', SEED, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`pop3scope: wrote ${out} (1 session)\n`);
    expect(r.stdout).toBe('');
    expect(statSync(out).mode & 0o777).toBe(0o644 & ~process.umask());
    const html = readFileSync(out, 'utf8');
    expect(indexOf(html).map((e) => [e.session, e.user, e.mode])).toEqual([
      ['s1', 'bob', 'download-and-delete'],
    ]);
    expect(html).not.toContain('hungry');
    expect(html).toContain(`<title>pop3scope report — ${SEED}</title>`);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('several captures, --title, --session: every session says its file', () => {
    const out = join(dir, 'two.html');
    const r = runCli(['report', SEED, 'captures/dovecot-curl.jsonl', '-o', out, '--title', 'Lab <1>']);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<title>Lab &lt;1&gt;</title>');
    expect(indexOf(html).map((e) => [e.file, e.session])).toEqual([
      [SEED, 's1'],
      ['captures/dovecot-curl.jsonl', 's1'],
      ['captures/dovecot-curl.jsonl', 's2'],
    ]);
    const one = join(dir, 'one.html');
    expect(runCli(['report', 'captures/dovecot-curl.jsonl', '--session', 's2', '-o', one]).code).toBe(0);
    expect(indexOf(readFileSync(one, 'utf8')).map((e) => e.session)).toEqual(['s2']);
  });

  it('reads a pcapng trace, gzipped or not, and stdin', () => {
    const trace = join(dir, 'seed.pcapng');
    expect(runCli(['export', SEED, '--pcapng', trace]).code).toBe(0);
    writeFileSync(`${trace}.gz`, gzipSync(readFileSync(trace)));
    for (const input of [trace, `${trace}.gz`]) {
      const out = join(dir, 'trace.html');
      const r = runCli(['report', input, '-o', out]);
      expect(r.code).toBe(0);
      const [entry] = indexOf(readFileSync(out, 'utf8'));
      expect(entry).toMatchObject({ user: 'bob', mode: 'download-and-delete', commands: 8 });
    }
    const out = join(dir, 'stdin.html');
    const r = runCli(['report', '-', '-o', out], readFileSync(join(ROOT, SEED), 'utf8'));
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('pop3scope report — stdin');
  });

  it("carries each arrow's exact bytes; bodies cut to a head, whole with --with-bodies", async () => {
    const capture = join(dir, 'big-body.jsonl');
    await writeSessionsCapture(capture, { sessions: 1, bodyOctets: 20_000 });
    const retr = (html: string) => {
      const tx = [
        ...html.matchAll(/<script type="application\/json" id="pop3scope-part-\d+">([\s\S]*?)<\/script>/g),
      ]
        .flatMap((m) => JSON.parse(m[1]!) as JsonRecord[])
        .find((r): r is JsonTransactionRecord => r.type === 'transaction' && r.command?.verb === 'RETR');
      return tx!.bytes!;
    };
    const cut = join(dir, 'cut.html');
    const whole = join(dir, 'whole.html');
    expect(runCli(['report', capture, '-o', cut]).code).toBe(0);
    expect(runCli(['report', capture, '-o', whole, '--with-bodies']).code).toBe(0);
    const head = retr(readFileSync(cut, 'utf8'));
    expect(head.command).toBe('RETR 1\r\n');
    expect(head.response.length).toBeLessThanOrEqual(4096);
    expect(head.omitted).toBeGreaterThan(15_000);
    const all = retr(readFileSync(whole, 'utf8'));
    expect(all.omitted).toBe(0);
    expect(all.response.endsWith('\r\n.\r\n')).toBe(true);
    expect(all.response.length).toBeGreaterThan(20_000);
    expect(readFileSync(whole, 'utf8')).toContain('"withBodies":true');
  });

  it('refuses bad flags and a missing -o in one line', () => {
    expectCleanFailure(
      runCli(['report', SEED, '-o', join(dir, 'x.html'), '--bogus']),
      /^pop3scope: unknown option '--bogus'/,
    );
    expectCleanFailure(
      runCli(['report', SEED]),
      /^pop3scope: required option '-o, --output <file>' not specified/,
    );
    expectCleanFailure(
      runCli(['report', '-o', join(dir, 'x.html')]),
      /^pop3scope: missing required argument 'capture'/,
    );
    expectCleanFailure(
      runCli(['report', SEED, '-o', join(dir, 'x.html'), '--port', 'seventy']),
      /^pop3scope: .*--port/,
    );
  });

  it('a missing capture or an unknown --session: one line, no partial file, an existing FILE kept', () => {
    const out = join(dir, 'kept.html');
    writeFileSync(out, 'the old report');
    expectCleanFailure(runCli(['report', 'no-such.jsonl', '-o', out]), /^pop3scope: .*no-such\.jsonl/, out);
    expectCleanFailure(
      runCli(['report', SEED, '--session', 's7', '-o', out]),
      /^pop3scope: no session "s7" in /,
      out,
    );
    expect(readFileSync(out, 'utf8')).toBe('the old report');
  });

  it('an unwritable -o: one line before anything is read', () => {
    const out = join(dir, 'no-such-dir', 'x.html');
    expectCleanFailure(runCli(['report', SEED, '-o', out]), /^pop3scope: cannot write .*x\.html: ENOENT\n/);
    expectCleanFailure(runCli(['report', SEED, '-o', dir]), /^pop3scope: cannot write .*: EISDIR\n/, dir);
  });

  it('--help has examples', () => {
    const r = runCli(['report', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pop3scope report captures/seed-download-and-delete.jsonl -o seed.html');
    expect(r.stdout).toContain('--with-bodies');
    expect(
      execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--help'], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    ).toContain('report');
  });
});
