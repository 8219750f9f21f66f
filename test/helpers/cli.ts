/** Runs the pop3scope CLI from source, as a user would run the built one, and captures what it prints. */
import { spawnSync } from 'node:child_process';
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
function printsJson(args: readonly string[]): boolean {
  return args.some(
    (a, i) => a === '--format=json' || ((a === '--format' || a === '-f') && args[i + 1] === 'json'),
  );
}
