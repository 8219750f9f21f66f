/**
 * How pop3scope asks V8 to collect garbage. A relaying process allocates a fresh 64 KiB buffer for every socket
 * read (Node's streams do; the buffer dies a moment later). Once V8's old generation passes 8 MB (the CLI's
 * own code puts it there) and the heap limit leaves little slack, that steady stream of short-lived external
 * memory keeps V8 starting incremental marking: measured on a 2-core machine, `pop3scope proxy` marked its
 * whole heap once per ~30 MB relayed (49 mark-compacts per 1.5 GB) and spent 2.1–2.3 ms of CPU per MB, against
 * 1.4–1.5 ms/MB and one mark-compact with incremental marking off; the plain Node relay, whose heap stays
 * under 8 MB, never starts it (docs/benchmarks.md, issue #18). Without incremental marking V8 still collects:
 * it marks all at once when the old generation reaches its limit, a pause of milliseconds on pop3scope's
 * heaps, which a debugging proxy affords better than the CPU.
 */
import { setFlagsFromString } from 'node:v8';

/** Called once, first thing in the CLI: every command relays, reads or writes in bulk. */
export function tuneGarbageCollection(): void {
  // Node keeps V8's flags writable after start (--no-freeze-flags-after-init), and V8 checks this one each time
  // it would start marking.
  setFlagsFromString('--no-incremental-marking');
}
