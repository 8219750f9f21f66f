/**
 * Figure 4, scale (issue #18): concurrent sessions through the proxy against the embedded server's `many`
 * scenario, at two sizes (1,000 and 10,000 in a full run), one server and one proxy warmed up first. Server,
 * proxy and client each run with the limit of open files raised (a proxy holds two sockets per session); the
 * limits they got are reported, since a limit too low shows as errors, not as slowness.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openFilesLimit, proxy, ROOT, stop, tsxWith, withManyFiles } from './children.js';
import { watchPeakRss } from './proc.js';

export interface ScaleRun {
  sessions: number;
  errors: number;
  ms: number;
  msPerSession: number;
  /** The most sessions open at once (connection setup is paced: bench/client.ts OPENING_AT_ONCE). */
  peakOpen: number;
  /** Peak RSS of the proxy so far (VmHWM only grows, and the runs go from small to big). */
  peak: number;
  firstError?: string;
}

/** Open files the proxy keeps besides its sessions' two sockets each (listener, stdio, libuv, V8's threads). */
const PROXY_SPARE_FILES = 64;

export interface ScaleFigure {
  runs: ScaleRun[];
  /**
   * The largest size again with every session held open until all have logged in — as many as the proxy's
   * limit of open files allows (two sockets per session), which `limitedBy` then says.
   */
  held: ScaleRun & { limitedBy: string | null };
  openFiles: { server: number; proxy: number; client: number };
}

interface ClientResult {
  errors: number;
  ms: number;
  peakOpen: number;
  firstError?: string;
  openFiles: number;
}

function client(port: number, sessions: number, hold = false): Promise<ClientResult> {
  const [cmd, argv] = withManyFiles(process.execPath, [
    '--import',
    'tsx',
    join(ROOT, 'bench', 'scaleClient.ts'),
    String(port),
    String(sessions),
    ...(hold ? ['hold'] : []),
  ]);
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as ClientResult);
      else reject(new Error(`bench/scaleClient.ts exited ${code}: ${err.trim().slice(-300)}`));
    }),
  );
}

/** `sizes` run in this order, after `warmup` sessions; the server has users for the largest. */
export async function scale(warmup: number, sizes: readonly number[]): Promise<ScaleFigure> {
  const server = await tsxWith({ manyFiles: true }, 'server.ts', 'many', String(Math.max(...sizes)));
  const p = await proxy(server.port, [], { manyFiles: true });
  const warm = await client(p.port, warmup);
  /** One client run of `sessions` through the proxy, with the proxy's peak RSS so far. */
  const measure = async (sessions: number, hold = false): Promise<ScaleRun> => {
    const watch = watchPeakRss(p.child.pid!);
    const r = await client(p.port, sessions, hold);
    return {
      sessions,
      errors: r.errors,
      ms: r.ms,
      msPerSession: r.ms / sessions,
      peakOpen: r.peakOpen,
      peak: watch.stop(),
      firstError: r.firstError,
    };
  };
  const runs: ScaleRun[] = [];
  for (const sessions of sizes) runs.push(await measure(sessions));
  const openFiles = {
    server: openFilesLimit(server.child.pid!),
    proxy: openFilesLimit(p.child.pid!),
    client: warm.openFiles,
  };
  const largest = Math.max(...sizes);
  const together = Math.min(largest, Math.floor((openFiles.proxy - PROXY_SPARE_FILES) / 2));
  const held = {
    ...(await measure(together, true)),
    limitedBy:
      together < largest ? `the proxy's limit of ${openFiles.proxy} open files (two per session)` : null,
  };
  await stop(p.child);
  await stop(server.child);
  return { runs, held, openFiles };
}
