/**
 * The embedded server's limits, each with the reason it exists. The engine's own limits (what it keeps of what
 * peers send) are in protocol/limits.ts; these bound the server's connections, sessions and streaming.
 */

/** The default idle timeout: RFC 1939 §3 requires at least 10 minutes. */
export const SERVER_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/** The default maximum number of concurrent sessions: bounds memory and file descriptors under a flood. */
export const SERVER_MAX_SESSIONS = 2_000;

/** How many pipelined command lines one connection queues before it stops reading; bounds its memory. */
export const SERVER_MAX_QUEUED_COMMANDS = 1_024;

/** Chunk size for streaming a stored message to a client, so a multi-MB RETR never sits whole in a buffer. */
export const SERVER_STREAM_CHUNK = 64 * 1024;

/** How long a goodbye line (idle timeout, shutdown, too many sessions) may take to drain before the socket is destroyed. */
export const SERVER_CLOSE_GRACE_MS = 1_000;
