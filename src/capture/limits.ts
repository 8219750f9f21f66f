/** Limits of the capture format's readers and writers, each with the reason it exists. */

/**
 * The longest line a capture reader accepts, in characters. A data record holds one socket chunk (64 KiB as
 * Node reads it, 1 MiB at most with larger buffers), which JSON escaping or base64 at most doubles; 16 MiB
 * leaves a wide margin for that and still stops a corrupt or hostile line before it costs gigabytes.
 */
export const MAX_CAPTURE_LINE = 16 * 1024 * 1024;

/** The largest timestamp a record may carry: ECMAScript's Date range (±8.64e15 ms around 1970). */
export const MAX_CAPTURE_TIME = 8.64e15;

/**
 * At most this much waits in the writer's memory, queued or being written; beyond it data records are dropped
 * (counted, and marked in the file by a gap record). Counted in characters of the JSON lines (= bytes for
 * the ASCII that captures mostly are).
 */
export const MAX_PENDING_BYTES = 64 * 1024 * 1024;

/**
 * Above this much waiting the writer is congested and asks the relay to pause reading until half of it is
 * written (CaptureWriter.relieved): mail then flows at the file's speed and nothing is dropped. A quarter of
 * MAX_PENDING_BYTES leaves room for the chunks already on their way while the relay pauses.
 */
export const SLOW_DOWN_AT_BYTES = MAX_PENDING_BYTES / 4;

/**
 * A capture file is read in chunks of this size, this many at once: with one read at a time (a read stream),
 * `show` sat idle ~20 µs per chunk waiting for the next one, 14 % of its time on a 1 GiB capture; with reads
 * queued ahead the next chunk is there when it is wanted (2.51 → 2.36 s, median of six). Four gained nothing
 * measurable; each costs one chunk of memory.
 */
export const FILE_READ_OCTETS = 64 * 1024;
export const FILE_READS_AHEAD = 2;

/**
 * A data line is made this many octets of its chunk at a time (capture/dataLine.ts). Past ~128 KiB V8 makes
 * every string a large object of its own: the proxy's 256 KiB reads of a fast body (proxy/limits.ts
 * FLOOD_READ_OCTETS) cost 2.6–2.7 ms/MB to record made whole, against 1.6–1.8 for 64 KiB chunks. A multiple of
 * three, so that the pieces' base64 is the base64 of the whole.
 */
export const DATA_LINE_PIECE_OCTETS = 3 * 21_845;
