/** The proxy's limits and defaults, each with its reason (the engine's are in protocol/limits.ts). */

/**
 * How many octets of an unfinished line the proxy holds back while it must see whole lines (STLS intercept and
 * strip). A longer line is passed on as it is: no STLS line is that long, and holding it would be unbounded.
 */
export const MAX_GATED_LINE = 64 * 1024;

/** A client line start kept to tell whether a chunk continues an STLS line; longer, it is none. */
export const MAX_LINE_START = 64;

/** Bytes of transcript waiting for stdout before lines are dropped (the relay never waits for the screen). */
export const MAX_STDOUT_BACKLOG = 8 * 1024 * 1024;

/** Where the proxy (and the demo's proxy) listens unless told otherwise: 110 + 1000, no root needed. */
export const DEFAULT_PROXY_PORT = 1110;

/**
 * A server that has not greeted within 30 s is not going to: POP3 clients commonly give up after a minute or
 * more, so pop3scope answers first and says why, instead of leaving the client waiting forever.
 */
export const DEFAULT_GREETING_TIMEOUT_MS = 30_000;

/**
 * Above this much queued for the --pcapng file the relay pauses reading until the file catches up (as the
 * capture does, capture/limits.ts SLOW_DOWN_AT_BYTES): mail then flows at the disk's speed, nothing dropped.
 */
export const PCAPNG_SLOW_DOWN_AT = 16 * 1024 * 1024;

/**
 * How long a session's sockets may take to close gracefully (their last bytes, a close_notify) once the session
 * ended, before they are destroyed: long enough for a slow client to read the end, short enough that a peer
 * that never closes cannot keep them.
 */
export const CLOSE_GRACE_MS = 2000;

/**
 * The server's bytes are read into buffers the proxy keeps and uses again (proxy/readPool.ts): each as large as
 * Node's own reads (64 KiB; a read takes at most the buffer it is given), and a few of them, so that a read can
 * go into a free one while the client is still being written the last. Past that many writes in flight the
 * relay is paused by backpressure anyway; a read that finds none free gets a buffer of its own, as without the
 * pool.
 */
export const READ_BUFFER_OCTETS = 64 * 1024;
export const READ_BUFFERS = 4;

/**
 * A quiet session (commands, their short answers, a segment at a time) reads into one small buffer instead, a
 * slice of Node's shared 8 KiB pool. A read that fills it means more is waiting (a body): the next go into the
 * large buffers, and a read shorter than BULK_READ_OCTETS that leaves nothing queued means the body has ended,
 * so the large buffers are let go. Kept for the rest of a session instead, they cost ~7 KiB of resident memory
 * per session: 9,968 sessions held open took 408–465 MiB instead of 342–365.
 */
export const QUIET_READ_OCTETS = 2048;
export const BULK_READ_OCTETS = 16 * 1024;

/**
 * A read that fills a large buffer means the server sends faster than 64 KiB a read can take (a fast link, or
 * loopback): the large buffers become this size until the body ends. A read of 256 KiB costs about what one of
 * 64 KiB does, so a fast body takes a quarter of the reads and writes (relay-bound, scratch: 0.99 → 0.76–0.82
 * ms/MB against the Node relay's 0.72–0.78, which reads 64 KiB at a time; full runs 0.86–0.92 against 0.73:
 * what the kernel copies is per byte, the same for both). Short bodies never get here: buffers this large for
 * every 4 KiB message made 10,000 sessions slower (0.49–0.54 → 0.66–0.68 ms each).
 */
export const FLOOD_READ_OCTETS = 256 * 1024;
