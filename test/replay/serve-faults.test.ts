/**
 * `replay --serve` and faults: the faults a capture says were injected when it was recorded (its header's
 * seed and rules) are injected again, so the client meets the same faults; `--fault` replaces them.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rawPop3 } from '../helpers/rawPop3.js';
import { startReplayServe } from '../helpers/replayServe.js';

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

const BODY = 'Subject: hi\r\n\r\nhello there, this is a body of some length\r\n';
function capture(faults: object | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'pop3scope-serve-faults-'));
  const file = join(dir, 'faulted.jsonl');
  const t = 1_772_442_900_000;
  const rec = (o: object) => JSON.stringify(o);
  const data = (dir: 'c2s' | 's2c', text: string, dt: number) =>
    rec({ type: 'data', session: 's1', t: t + dt, dir, text });
  writeFileSync(
    file,
    `${[
      rec({
        type: 'header',
        format: 'pop3scope-capture',
        version: 1,
        createdAt: new Date(t).toISOString(),
        tool: 'pop3scope test',
        ...(faults ? { faults } : {}),
      }),
      rec({ type: 'open', session: 's1', t, client: '127.0.0.1:1', upstream: '127.0.0.1:2', tls: 'none' }),
      data('s2c', '+OK ready\r\n', 1),
      data('c2s', 'USER bob\r\n', 2),
      data('s2c', '+OK\r\n', 3),
      data('c2s', 'PASS ******\r\n', 4),
      data('s2c', '+OK in\r\n', 5),
      data('c2s', 'RETR 1\r\n', 6),
      data('s2c', `+OK ${BODY.length} octets\r\n${BODY}.\r\n`, 7),
      data('c2s', 'QUIT\r\n', 8),
      data('s2c', '+OK bye\r\n', 9),
      rec({ type: 'close', session: 's1', t: t + 10, by: 'client', reason: 'quit' }),
    ].join('\n')}\n`,
  );
  return file;
}

async function retrThrough(args: string[]): Promise<{ answer: string; stderr: string }> {
  const served = await startReplayServe([...args, '--timing', 'fast', '--on-mismatch', 'seek'], (c) =>
    children.push(c),
  );
  const c = await rawPop3(served.port);
  await c.cmd('USER bob');
  await c.cmd('PASS secret');
  const answer = await c.cmd('RETR 1', true).catch((e: Error) => `error: ${e.message}`);
  c.destroy();
  return { answer, stderr: served.stderr() };
}

describe('replay --serve with faults', () => {
  it('injects again the faults the capture recorded, and says so', async () => {
    const file = capture({ seed: 1, rules: ['RETR #1 cut 20'] });
    const r = await retrThrough([file]);
    expect(r.stderr).toContain('injecting the faults the capture recorded (s1)');
    // The client got the first 20 octets of the recorded answer, then the connection closed.
    const whole = `+OK ${BODY.length} octets\r\n${BODY}.\r\n`;
    expect([whole.slice(0, 20), 'error']).toContain(r.answer.startsWith('error') ? 'error' : r.answer);
    expect(r.answer).not.toContain('hello there');
    rmSync(file, { force: true });
  });

  it('--fault replaces them; a capture without faults is served as recorded', async () => {
    const plain = capture(null);
    const r = await retrThrough([plain]);
    expect(r.answer).toContain('hello there');
    const faulted = await retrThrough([plain, '--fault', 'RETR err [IN-USE] busy']);
    expect(faulted.answer).toBe('-ERR [IN-USE] busy\r\n');
    expect(faulted.stderr).toMatch(/injecting 1 fault \(seed \d+/);
  });
});
