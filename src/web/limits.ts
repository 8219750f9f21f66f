/**
 * The web view's bounds (`--web`), each with its reason. The feed's memory is the backlog plus, per
 * subscriber, at most MAX_SEND_AHEAD octets handed to its socket: nothing else grows with traffic.
 */

/**
 * Sessions a page opened late still gets in full: a class's worth of demo sessions, or the last hours of a
 * personal proxy. Older ones are dropped from the backlog (the page and the feed say how many).
 */
export const MAX_BACKLOG_SESSIONS = 200;

/** Records kept for late subscribers: a transaction record is ~0.5–2 KB, so ~50–100 MB at worst… */
export const MAX_BACKLOG_RECORDS = 50_000;

/** …and at most this many octets of them, whichever bound comes first (a few huge records cannot blow it). */
export const MAX_BACKLOG_BYTES = 32 * 1024 * 1024;

/**
 * Octets written to a subscriber's socket in one piece. Writing stops as soon as the socket is full (write()
 * says so) and goes on at 'drain', reading the backlog from the subscriber's cursor: at most this, one record
 * and the socket's high-water mark are queued per subscriber. One whose next record was dropped from the
 * backlog meanwhile cannot keep up: it is disconnected (its EventSource reconnects with Last-Event-ID and is
 * told what it missed).
 */
export const MAX_SEND_AHEAD = 256 * 1024;

/** A comment line this often keeps idle streams open through proxies and lets a dead socket be noticed. */
export const HEARTBEAT_MS = 15_000;

/** How long the browser waits before reconnecting a dropped stream (the SSE `retry:` field). */
export const RECONNECT_MS = 1000;

/** Open event streams at once: a classroom's browsers with room to spare; more are refused with 503. */
export const MAX_SUBSCRIBERS = 64;

/** Connections the web server accepts at once (streams, page loads, stray requests). */
export const MAX_CONNECTIONS = 128;

/** How long stopping waits for streams and page loads to finish before their sockets are destroyed. */
export const STOP_GRACE_MS = 500;
