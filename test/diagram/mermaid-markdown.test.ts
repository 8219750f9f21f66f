/**
 * `show --format markdown` with its Mermaid block (issue #16 part 3): one ```mermaid block per session, after
 * the transcript and before the violations, the same text mermaidSequence writes for the session's JSON
 * records; bounded on a huge session (the block says how much it left out); a hostile server's text and a
 * client's password never break out of it. Mermaid's own parser reads these blocks in
 * test/browser/mermaid.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MERMAID_MAX_ARROWS } from '../../src/diagram/limits.js';
import { mermaidSequence } from '../../src/diagram/mermaid.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { mermaidBlocks } from './mermaidBlocks.js';
import { captureSession } from './records.js';

const SEED = 'captures/seed-download-and-delete.jsonl';
const BUGGY = 'captures/buggy-server.jsonl';
const dir = mkdtempSync(join(tmpdir(), 'pop3scope-mermaid-md-'));

/** A capture of one session: the greeting, then each [dir, text] at 1 ms steps, then the close. */
function capture(name: string, data: [dir: 'c2s' | 's2c', text: string][]): string {
  const t0 = 1_700_000_000_000;
  const lines = [
    {
      type: 'header',
      format: 'pop3scope-capture',
      version: 1,
      createdAt: '2026-03-02T09:15:00.000Z',
      tool: 'test',
    },
    { type: 'open', session: 's1', t: t0, client: '127.0.0.1:1', upstream: '127.0.0.1:110', tls: 'none' },
    ...data.map(([d, text], i) => ({ type: 'data', session: 's1', t: t0 + i + 1, dir: d, text })),
    { type: 'close', session: 's1', t: t0 + data.length + 1, by: 'server', reason: 'closed' },
  ];
  const path = join(dir, name);
  writeFileSync(path, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  return path;
}

describe('show --format markdown', () => {
  it('puts the session’s sequenceDiagram after the transcript, the same text mermaidSequence writes', async () => {
    const r = runCli(['show', SEED, '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const blocks = mermaidBlocks(r.stdout);
    expect(blocks).toEqual([mermaidSequence(await captureSession('seed-download-and-delete'))]);
    const at = (s: string) => r.stdout.indexOf(s);
    expect(at('```text')).toBeLessThan(at('```mermaid'));
    expect(at('── summary of session s1 ──')).toBeLessThan(at('```mermaid'));
    expect(at('```mermaid')).toBeLessThan(at('No violations.'));
    expect(r.stdout).not.toMatch(/hungry|aHVuZ3J5/);
  });

  it('is what the README shows for the seed (the README’s example is real output)', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(mermaidBlocks(readme)).toContain(
      mermaidSequence(await captureSession('seed-download-and-delete')),
    );
  });

  it('has one block per session, before each session’s violations table, with several captures', () => {
    const r = runCli(['show', SEED, BUGGY, 'captures/dovecot-curl.jsonl', '--format', 'markdown']);
    expect(r.code).toBe(0);
    // 1 + 1 + 2 sessions.
    expect(mermaidBlocks(r.stdout)).toHaveLength(4);
    const buggy = r.stdout.slice(r.stdout.indexOf(`file ${BUGGY}`));
    expect(buggy.indexOf('```mermaid')).toBeLessThan(
      buggy.indexOf('| # | code | severity | RFC | message |'),
    );
    expect(mermaidBlocks(buggy)[0]).toContain('Note over Server: ⚠ POP3_SIZE_MISMATCH (RFC 1939 §5, §11)');
    // --session: only that one.
    expect(
      mermaidBlocks(runCli(['show', BUGGY, '--session', 's1', '--format', 'markdown']).stdout),
    ).toHaveLength(1);
    // Text and JSON are as before: no Mermaid.
    expect(runCli(['show', SEED]).stdout).not.toContain('sequenceDiagram');
  });

  it('keeps a huge session’s block bounded and says how much it left out', () => {
    const data: [dir: 'c2s' | 's2c', text: string][] = [
      ['s2c', '+OK hi\r\n'],
      ['c2s', 'USER bob\r\n'],
      ['s2c', '+OK\r\n'],
      ['c2s', 'PASS x\r\n'],
      ['s2c', '+OK\r\n'],
    ];
    for (let i = 0; i < 5_000; i++) data.push(['c2s', 'NOOP\r\n'], ['s2c', '+OK\r\n']);
    const r = runCli(['show', capture('huge.jsonl', data), '--format', 'markdown']);
    expect(r.code).toBe(0);
    const [block = ''] = mermaidBlocks(r.stdout);
    const arrows = block.split('\n').filter((l) => /^ {4}(Client|Server)-/.test(l));
    expect(arrows).toHaveLength(MERMAID_MAX_ARROWS);
    // 10,005 arrows in all; the notes: the two phases, each drawn.
    expect(block).toContain(
      `Note over Client,Server: … ${10_005 - MERMAID_MAX_ARROWS} more arrows left out (this diagram stops after 200 arrows)`,
    );
    expect(block.length).toBeLessThan(20_000);
  });

  it('keeps a hostile server’s text inside the block and a password out of it', () => {
    const path = capture('hostile.jsonl', [
      ['s2c', '+OK ready ```\r\n'],
      ['c2s', 'USER bob;%%{init: {"theme":"dark"}}%%\r\n'],
      ['s2c', '+OK <br>end\r\nNote over Client: x\r\n'],
      ['c2s', 'PASS hungry\r\n'],
      ['s2c', '-ERR #59; --> ```\r\n'],
      ['c2s', 'QUIT\r\n'],
      ['s2c', '+OK bye\r\n'],
    ]);
    const r = runCli(['show', path, '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/hungry|aHVuZ3J5/);
    const [block = ''] = mermaidBlocks(r.stdout);
    // (The engine masked the rest of that USER line: extra arguments after a user name may be a password.)
    expect(block).toContain('Client->>Server: USER bob#59;#37;#37;{init: #60;redacted 19 octets#62;');
    expect(block).toContain('Server-->>Client: +OK #60;br#62;end');
    expect(block).toContain('Server--xClient: (no status) Note over Client: x');
    expect(block).toContain('Server--xClient: -ERR #35;59#59; --#62; ```');
    // One statement per line, each a participant, an arrow or a note: nothing broke out.
    for (const line of block.split('\n').slice(1))
      expect(line).toMatch(/^ {4}(participant |(Client|Server)(->>|-\)|-->>|--x)(Client|Server): |Note )/);
  });
});
