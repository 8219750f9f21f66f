/**
 * A performance defect with a functional test: Inspector.finish built each transaction from spreads of optional
 * parts, and V8 deoptimized and recompiled it every few hundred NOOPs for as long as a session lasted (19 times
 * in 15,000 round trips through the proxy: compile time on the other core and slow code between, which showed
 * as the NOOP p99). Timings are not asserted (the bench measures them); what V8 reports doing is: past a
 * session's first moments, while the same two lines come again and again, no function of the engine keeps being
 * deoptimized. Before the fix, finish was deoptimized 10-19 times in that stretch; since, no function more than
 * twice in 30 runs (V8 still settles a shape or two late), so more than three is a loop.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

describe('the engine on a long NOOP session', () => {
  it('settles: no function is deoptimized again and again once the session is under way', () => {
    const run = spawnSync(
      process.execPath,
      ['--trace-deopt', '--import', 'tsx', join(ROOT, 'test/helpers/noopSessions.ts'), '20000'],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toContain('done\n');
    const steady = out.slice(out.indexOf('steady\n'), out.indexOf('quit\n'));
    const counts = new Map<string, number>();
    for (const m of steady.matchAll(/deoptimizing \S+ <JSFunction (\S*) /g))
      counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
    const looping = [...counts].filter(([, n]) => n > 3);
    expect(
      looping,
      `deoptimized more than three times during NOOPs 2,000-20,000: ${JSON.stringify(looping)}`,
    ).toEqual([]);
  });
});
