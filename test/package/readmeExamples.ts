/**
 * The code of README.md's "Use it from code" section, so that tests run it as written and the documentation
 * cannot rot: readme.test.ts runs it against the source tree, pack.test.ts against the packed, globally
 * installed package. Each example gets its own check of what it prints.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const SECTION = '## Use it from code';

/** The ```js blocks of the section, in order. */
export function readmeExamples(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start === -1) throw new Error(`README.md has no "${SECTION}" section`);
  const next = readme.indexOf('\n## ', start + SECTION.length + 2);
  const section = readme.slice(start, next === -1 ? undefined : next);
  return [...section.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** What the README examples need beside them: the capture the second one reads, and none the third writes. */
export function prepareExampleFolder(dir: string): void {
  copyFileSync(join(ROOT, 'captures', 'seed-download-and-delete.jsonl'), join(dir, 'session.jsonl'));
  rmSync(join(dir, 'proxied.jsonl'), { force: true });
}

/** Secrets that must not come out of any example: the first example's password and the demo's. */
const SECRETS = ['s3cret', 'hungry', 'wonderland', 'aHVuZ3J5', 'd29uZGVybGFuZA'];

/**
 * One check per example, in README order. A new example needs a check here (the count is asserted), so that
 * what it shows is tested, not only that it runs.
 */
const CHECKS: ((stdout: string, cwd: string) => void)[] = [
  (out) => {
    expect(out).toContain('C: USER alice');
    expect(out).toContain('C: PASS <redacted 6 octets>');
    expect(out).toContain('── TRANSACTION ──');
    expect(out).toContain('── summary of session s1 ──');
    expect(out).toContain('user alice · auth USER/PASS');
  },
  (out) => {
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!);
    expect(summary).toMatchObject({
      type: 'summary',
      session: 's1',
      user: 'bob',
      mode: 'download-and-delete',
      removed: [1, 2],
    });
  },
  (out, cwd) => {
    expect(out.trim().split('\n')).toEqual(['(greeting) +OK', 'QUIT +OK']);
    const records = readFileSync(join(cwd, 'proxied.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records[0]).toMatchObject({ type: 'header', format: 'pop3scope-capture' });
    expect(records.map((r) => r.type)).toEqual(expect.arrayContaining(['open', 'data', 'close']));
    expect(records.at(-1)).toMatchObject({ type: 'close', session: 's1' });
  },
];

/**
 * Runs every example as an ES module in `cwd` (prepared with prepareExampleFolder) and checks its output.
 * `node` gives the command line before the module's path; `rewrite` may change the code (the source-tree
 * run points the import at src/).
 */
export function runReadmeExamples(
  cwd: string,
  node: readonly string[],
  env: NodeJS.ProcessEnv,
  rewrite: (code: string) => string = (code) => code,
): void {
  const examples = readmeExamples();
  expect(examples).toHaveLength(CHECKS.length);
  examples.forEach((code, i) => {
    const file = join(cwd, `readme-example-${i + 1}.mjs`);
    writeFileSync(file, rewrite(code));
    const r = spawnSync(node[0]!, [...node.slice(1), file], { cwd, env, encoding: 'utf8', timeout: 30_000 });
    const what = `README example ${i + 1}:\n${r.stdout}${r.stderr}`;
    expect(r.status, what).toBe(0);
    expect(r.stderr, what).toBe('');
    for (const secret of SECRETS) expect(r.stdout, what).not.toContain(secret);
    CHECKS[i]!(r.stdout, cwd);
  });
}
