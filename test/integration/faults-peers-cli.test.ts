/**
 * The fault flags of the real `pop3scope proxy` command line: refusals are one line and exit 2 (before anything
 * listens), the start line says what is injected, and a seed makes a probabilistic rule hit the same responses
 * in two runs of the same dialogue (a raw lock-step client against the embedded server).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { bench, injectedOf, stopBenches } from '../helpers/faults.js';
import { rawPop3 } from '../helpers/rawPop3.js';

afterAll(stopBenches, 30_000);

const proxyArgs = ['proxy', '--upstream', '127.0.0.1:1', '--listen', '127.0.0.1:0'];
const oneLine = (s: string) => s.split('\n').filter(Boolean);

describe('proxy --fault / --faults / --seed refusals', () => {
  it("--fault 'BOGUS x': one line naming the rule, exit 2", () => {
    const r = runCli([...proxyArgs, '--fault', 'BOGUS x']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toEqual([
      'pop3scope: bad fault rule "BOGUS x": unknown verb "BOGUS" (expected a POP3 verb, greeting or any)',
    ]);
    expect(r.stdout).toBe('');
  });

  it('--seed 5 without a fault: one line, exit 2', () => {
    const r = runCli([...proxyArgs, '--seed', '5']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toEqual([
      'pop3scope: --seed needs a fault to seed (--fault RULE or --faults FILE)',
    ]);
  });

  it('a rules file with a bad rule: one line naming the file and the JSON path, exit 2', () => {
    const file = join('/tmp', `pop3scope-faults-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ rules: ['RETR #1 cut 400', { where: 'DELE', action: 'explode' }] }));
    const r = runCli([...proxyArgs, '--faults', file]);
    rmSync(file, { force: true });
    expect(r.code).toBe(2);
    const lines = oneLine(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^pop3scope: ${file.replace(/[.]/g, '\\.')}: \\$\\.rules\\[1\\]: bad fault rule "DELE explode": `,
      ),
    );
  });
});

describe('the start line and the seed', () => {
  /** Logs in and sends RETR 1 / RETR 2 alternately `n` times; returns the -ERR/+OK pattern the client saw. */
  async function dialogue(port: number, n: number): Promise<string> {
    const c = await rawPop3(port);
    await c.cmd('USER bob');
    await c.cmd('PASS hungry');
    let seen = '';
    for (let i = 0; i < n; i++)
      seen += (await c.cmd(`RETR ${(i % 2) + 1}`, true)).startsWith('-ERR') ? 'E' : '.';
    await c.quit();
    return seen;
  }

  it('says "injecting N faults (seed S…)"; with --seed 7 two runs of a p=0.5 rule inject at the same places', async () => {
    const RULE = 'RETR p=0.5 err flaky';
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const b = await bench('embedded', [RULE, 'DELE err'], ['--seed', '7']);
      expect(b.px.startLine).toMatch(/, injecting 2 faults \(seed 7: --seed 7 repeats this run\)$/);
      const mark = b.px.mark();
      const seen = await dialogue(b.px.port, 16);
      const live = await b.px.next(mark);
      runs.push({ seen, injected: injectedOf(live).map((e) => [e.rule, e.on, e.what]) });
    }
    const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
    // Not vacuous: some RETRs were hit and some were not.
    expect(a.seen).toMatch(/E/);
    expect(a.seen).toMatch(/\./);
    expect(a.injected).toHaveLength([...a.seen].filter((x) => x === 'E').length);
    expect(b.seen).toBe(a.seen);
    expect(b.injected).toEqual(a.injected);
  });
});
