/** The line client's bounds, each with its reason. */

/**
 * How many octets of one server line are held before they are shown anyway. A line is shown once it ends; a
 * server that never sends a line end cannot grow the client's memory without bound (RFC 2449 §4 allows 512
 * octets for a status line; body lines are usually under 1000, RFC 5322 §2.1.1).
 */
export const MAX_SERVER_LINE = 64 * 1024;

/**
 * How many typed or piped lines may wait for the server to answer the one before. Past it, reading stdin is
 * paused until the queue drains, so `cat huge | pop3scope client` keeps memory bounded.
 */
export const MAX_QUEUED_LINES = 64;

/** How many lines readline's in-memory history keeps (never written to a file: a password must not be). */
export const HISTORY_SIZE = 200;

/**
 * How long the client waits, after the server answered QUIT, for the server to close the connection before it
 * closes it itself (RFC 1939 §6 says the server closes it; one that does not must not leave the client hanging).
 */
export const QUIT_CLOSE_GRACE_MS = 2000;

/** How long connecting (and a TLS handshake) may take before the client gives up with one line. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The largest --script file read: a class dialogue is a few hundred octets; a mistaken path must not fill memory. */
export const MAX_SCRIPT_BYTES = 1024 * 1024;
