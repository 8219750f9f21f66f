/** Runs the pop3scope CLI from source, as a user would run the built one, and captures what it prints. */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expectValidJsonOutput } from './schema.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function runCli(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  // Whatever JSON the command printed must match the published schema (schema/json-output.schema.json).
  if (printsJson(args)) expectValidJsonOutput(r.stdout ?? '', `pop3scope ${args.join(' ')}`);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Whether these arguments make pop3scope print JSON Lines on stdout (show, check, proxy, demo). */
/**
 * The CLI from source with stdin kept open (a test types into it), and what it printed so far. `until` waits for
 * a condition on the output, failing with everything printed after `waitMs`.
 */
export function startCli(args: string[], waitMs = 20_000) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const got = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (t: string) => (got.stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (got.stderr += t));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  async function until(what: () => boolean, ms = waitMs): Promise<void> {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end) throw new Error(`timed out; stdout:\n${got.stdout}\nstderr:\n${got.stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return { child, got, exited, until };
}

function printsJson(args: readonly string[]): boolean {
  return args.some(
    (a, i) => a === '--format=json' || ((a === '--format' || a === '-f') && args[i + 1] === 'json'),
  );
}
