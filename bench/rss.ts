/** Peak resident memory of another process, read from /proc (VmHWM) while it runs. */
import { readFileSync } from 'node:fs';

/** Samples the peak RSS of `pid` every `everyMs` until stopped; `stop()` returns the peak in bytes. */
export function watchPeakRss(pid: number, everyMs = 50): { stop(): number } {
  let peak = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    } catch {
      // The process ended; keep the last peak seen.
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return peak;
    },
  };
}
