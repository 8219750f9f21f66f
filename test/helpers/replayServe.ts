/** `pop3scope replay ... --serve` as a child process, for the CLI and real-peer replay suites. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { ROOT } from './cli.js';

/** The start line on stderr: what is served, the port, and how (timing, mismatch policy, --once). */
export const SERVE_START = /^pop3scope replay: serving (.+) on 127\.0\.0\.1:(\d+) \((.+)\)$/m;

export interface ServeProcess {
  readonly port: number;
  readonly what: string;
  readonly how: string;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | null>;
  readonly child: ChildProcessWithoutNullStreams;
}

/**
 * Starts `replay ARGS --serve --listen 127.0.0.1:0` from the sources and resolves once it announced its port.
 * `track` gets the child at once, so the caller can kill it whatever happens next.
 */
export async function startReplayServe(
  args: readonly string[],
  track: (child: ChildProcessWithoutNullStreams) => void,
): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'replay', ...args, '--serve', '--listen', '127.0.0.1:0'],
    { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } },
  );
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const end = Date.now() + 15_000;
  while (!SERVE_START.test(stderr)) {
    if (Date.now() > end || child.exitCode !== null)
      throw new Error(`replay --serve did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = SERVE_START.exec(stderr)!;
  return {
    port: Number(m[2]),
    what: m[1]!,
    how: m[3]!,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    child,
  };
}
