/**
 * Bulk retrieval through several running paths in turns (round-robin), as figures 1b and 1c measure it: one
 * warm-up turn (JIT, buffers, connections), then `turns` turns; a slow phase of the shared machine lands on every
 * path alike. Per path: the median MB/s and the median CPU per MB of its relaying process (from /proc).
 */
import type { ChildProcess } from 'node:child_process';
import { cpuMs } from './proc.js';
import { median } from './stats.js';

export interface RunningPath {
  name: string;
  port: number;
  /** The relaying process; none for a path without one (direct to the server). */
  child?: ChildProcess;
  /** After each of its turns, outside the measurement: e.g. to empty a capture file. */
  afterTurn?: () => void;
}

export interface BoundResult {
  path: string;
  mbps: number;
  /** NaN for a path without a relaying process. */
  cpuMsPerMB: number;
}

export async function inTurns(
  paths: readonly RunningPath[],
  turns: number,
  retrieve: (p: RunningPath) => Promise<{ bytes: number; ms: number }>,
): Promise<BoundResult[]> {
  const cpuOf = (p: RunningPath) => (p.child?.pid ? cpuMs(p.child.pid) : Number.NaN);
  const runs = new Map(paths.map((p) => [p.name, { mbps: [] as number[], cpu: [] as number[] }]));
  // socat's per-connection child is counted once reaped, a moment after the client is done: wait for it.
  const settled = () => new Promise((r) => setTimeout(r, 100));
  for (let turn = -1; turn < turns; turn++) {
    for (const p of paths) {
      const before = cpuOf(p);
      const { bytes, ms } = await retrieve(p);
      await settled();
      p.afterTurn?.();
      if (turn < 0) continue; // the warm-up
      runs.get(p.name)!.mbps.push(bytes / 1e6 / (ms / 1000));
      runs.get(p.name)!.cpu.push((cpuOf(p) - before) / (bytes / 1e6));
    }
  }
  return paths.map((p) => ({
    path: p.name,
    mbps: median(runs.get(p.name)!.mbps),
    cpuMsPerMB: median(runs.get(p.name)!.cpu),
  }));
}
