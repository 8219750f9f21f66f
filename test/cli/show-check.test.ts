/** The offline viewer and checker as a user meets them: output, exit codes, and one-line errors. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pop3scope-cli-'));
const header =
  '{"type":"header","format":"pop3scope-capture","version":1,"createdAt":"2026-01-01T00:00:00.000Z","tool":"pop3scope 0.1.0"}';

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function expectOneLineError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('pop3scope show', () => {
  it('prints the seed transcript with phases, sizes, explanations and the summary', () => {
    const r = runCli(['show', 'captures/seed-download-and-delete.jsonl']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('C: pass <redacted 6 octets>');
    expect(r.stdout).toContain('S| 1 498');
    expect(r.stdout).toContain('S| 2 912');
    expect(r.stdout).toMatch(/── UPDATE ──/);
    expect(r.stdout).toContain('removed 1, 2');
    expect(r.stdout).toContain('mode download-and-delete');
    expect(r.stdout).not.toContain('hungry');
    expect(r.stdout).not.toContain('\x1b['); // no colour when not a terminal
  });

  it('reads stdin with "-" and filters by --session', () => {
    const seed = runCli(
      ['show', '-', '--format', 'json', '--session', 's1'],
      readFileSync('captures/download-and-keep.jsonl', 'utf8'),
    );
    expect(seed.code).toBe(0);
    const summary = seed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((r) => r.type === 'summary');
    expect(summary.mode).toBe('download-and-keep');
    const none = runCli(['show', 'captures/download-and-keep.jsonl', '--session', 'nope']);
    expectOneLineError(none, /no session "nope"/);
  });

  it('renders Markdown with a fenced transcript and a violations table', () => {
    const r = runCli(['show', 'captures/buggy-server.jsonl', '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^### POP3 session s1/m);
    expect(r.stdout).toMatch(/^```text$/m);
    expect(r.stdout).toContain('| POP3_SIZE_MISMATCH | error |');
  });

  it('fails with one clear line for a missing file, a non-capture, a corrupt line, a newer version, a bad flag', () => {
    expectOneLineError(
      runCli(['show', join(dir, 'missing.jsonl')]),
      /cannot read .*missing\.jsonl: no such file/,
    );
    expectOneLineError(runCli(['show', file('notes.txt', 'hello\n')]), /not a pop3scope capture/);
    expectOneLineError(
      runCli([
        'show',
        file(
          'corrupt.jsonl',
          `${header}\n{oops\n{"type":"close","session":"a","t":1,"by":"client","reason":"x"}\n`,
        ),
      ]),
      /line 2 is not valid JSON/,
    );
    expectOneLineError(
      runCli(['show', file('v2.jsonl', `${header.replace('"version":1', '"version":2')}\n`)]),
      /newer than this pop3scope reads/,
    );
    expectOneLineError(
      runCli(['show', 'captures/pipelined.jsonl', '--format', 'xml']),
      /--format must be one of text, json, markdown/,
    );
    const unknown = runCli(['show', '--bogus', 'captures/pipelined.jsonl']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
  });

  it('a file corrupt part way tells the sessions read before the damage, then fails in one line', () => {
    const r = runCli([
      'show',
      file(
        'damaged.jsonl',
        [
          header,
          '{"type":"open","session":"a","t":1,"client":"127.0.0.1:1","upstream":"127.0.0.1:110","tls":"none"}',
          '{"type":"data","session":"a","t":2,"dir":"s2c","text":"+OK hi\\r\\n"}',
          '{"type":"data","session":"a","t":3,"dir":"c2s","text":"NOOP\\r\\n"}',
          '{oops',
          '',
        ].join('\n'),
      ),
    ]);
    expectOneLineError(r, /line 5 is not valid JSON/);
    expect(r.stdout).toContain('C: NOOP');
    expect(r.stdout).toContain('ended: the capture ends here');
  });

  it('keeps everything before a truncated last line, with a warning', () => {
    const good = readFileSync('captures/seed-download-and-delete.jsonl', 'utf8');
    const cut = good.slice(0, good.lastIndexOf('{"type":"close"') + 20);
    const r = runCli(['show', file('cut.jsonl', cut), '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*line \d+ is cut short/);
    const records = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.filter((x) => x.type === 'transaction')).toHaveLength(9);
    expect(records.at(-1).type).toBe('summary');
  });
});

describe('pop3scope check', () => {
  it('exits 0 on a clean capture and 1 when an error-severity violation exists', () => {
    const clean = runCli(['check', 'captures/seed-download-and-delete.jsonl']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('0 errors');
    const buggy = runCli(['check', 'captures/buggy-server.jsonl']);
    expect(buggy.code).toBe(1);
    expect(buggy.stdout).toContain('POP3_SIZE_MISMATCH');
    expect(buggy.stdout).toContain('POP3_STAT_MISMATCH');
    expect(buggy.stdout).toContain('POP3_UNSTUFFED_DOT');
  });
});
