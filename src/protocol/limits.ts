/**
 * The engine's size and count limits, each with the reason it exists. Protocol limits come from the RFCs;
 * resource limits keep memory bounded whatever a peer sends. The embedded server's own limits are in
 * server/limits.ts.
 */

/** RFC 2449 §4: a command line, CRLF included, is at most 255 octets for servers that speak CAPA. */
export const MAX_COMMAND_LINE = 255;

/** RFC 1939 §3: each command argument is at most 40 octets. */
export const MAX_COMMAND_ARGUMENT = 40;

/** RFC 2449 §4: the first line of a response (greeting included), CRLF included, is at most 512 octets. */
export const MAX_RESPONSE_LINE = 512;

/** RFC 1939 §7: a UID is 1 to 70 characters. */
export const MAX_UID_LENGTH = 70;

/**
 * How many octets of one line the engine keeps. Longer lines are still counted octet by octet but the rest
 * is not stored, so a peer that never sends CRLF cannot grow memory without bound.
 */
export const MAX_KEPT_LINE = 8 * 1024;

/**
 * How many octets may queue behind a line whose secrecy is still undecided (the engine hands its output on in
 * arrival order). Past this the line is masked as it stands: a peer that never ends a line while the other
 * side streams cannot grow memory without bound.
 */
export const MAX_HELD_BEHIND = 1024 * 1024;

/**
 * How many events may queue behind such a line: a megabyte of one-byte server lines is a million events, far
 * more memory than the megabyte itself. Past this the line is masked as it stands, as for MAX_HELD_BEHIND.
 */
export const MAX_EVENTS_HELD_BEHIND = 4096;

/** How many octets of a multi-line body (RETR, TOP) are kept as a preview; the rest is counted only. */
export const BODY_PREVIEW_OCTETS = 2 * 1024;

/** How many lines of a listing body (LIST, UIDL, CAPA, ...) are parsed; more are counted only. */
export const MAX_LISTING_LINES = 200_000;

/** How many messages the mailbox model tracks; a larger maildrop is still relayed and counted. */
export const MAX_TRACKED_MESSAGES = 200_000;

/** How many pipelined commands may wait for a response before further ones are counted but not tracked. */
export const MAX_OUTSTANDING_COMMANDS = 10_000;

/** How many SASL steps of one AUTH exchange are kept for display; real mechanisms need fewer than ten. */
export const MAX_SASL_STEPS = 32;

/** How many violations one transaction keeps; the rest are counted in the session summary only. */
export const MAX_VIOLATIONS_PER_TRANSACTION = 32;

/** How many octets of listing lines one response keeps; more lines are counted only. */
export const MAX_LISTING_OCTETS = 4 * 1024 * 1024;

/** How many characters of a command line or argument are kept for display (a real one is under 255). */
export const MAX_SHOWN_COMMAND = 512;
