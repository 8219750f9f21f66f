/**
 * Regression (issue 12, red team): a capture whose one data record is 300,000 bare LFs (as many lines,
 * so as many engine events) made `replay` and `replay --serve` end in "internal error: Maximum call
 * stack size exceeded" (the events were spread into one call), while `show` read it.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { startReplayServe } from '../helpers/replayServe.js';

const file = join(mkdtempSync(join(tmpdir(), 'pop3scope-large-')), 'lf.jsonl');
const t = 1772442900000;
writeFileSync(
  file,
  `${[
    {
      type: 'header',
      format: 'pop3scope-capture',
      version: 1,
      createdAt: '2026-03-02T09:15:00.000Z',
      tool: 'test',
    },
    { type: 'open', session: 's1', t, client: '127.0.0.1:1', upstream: '127.0.0.1:110', tls: 'none' },
    { type: 'data', session: 's1', t: t + 1, dir: 's2c', text: '+OK ready\r\n' },
    { type: 'data', session: 's1', t: t + 2, dir: 's2c', text: '\n'.repeat(300_000) },
    { type: 'close', session: 's1', t: t + 3, by: 'server', reason: 'done' },
  ]
    .map((r) => JSON.stringify(r))
    .join('\n')}\n`,
);

const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

describe('a data record of a million lines', () => {
  it('replay --speed 0 plays it', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'replay', file, '--no-ui', '--speed', '0'],
      {
        cwd: ROOT,
        env: { ...process.env, FORCE_COLOR: '0' },
      },
    );
    // The transcript is long (a line per empty line): keep its end only.
    let tail = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      tail = (tail + d.toString()).slice(-4096);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('internal error');
    expect(code).toBe(0);
    expect(tail).toContain('summary of session s1');
  }, 120_000);

  it('replay --serve loads it', { timeout: 60_000 }, async () => {
    const serve = await startReplayServe([file], (c) => children.push(c));
    expect(serve.stderr()).not.toContain('internal error');
    serve.child.kill('SIGINT');
    await serve.exited;
  });
});
