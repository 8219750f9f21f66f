/**
 * The renderers' bounds, each with its reason. So far only the exact bytes of each arrow (wireBytes.ts): what
 * is kept per session and direction is capped here, whatever a session sends (a 1 GiB RETR is never held).
 */

/**
 * A response's octets shown per arrow by default (bodies 'summary'): enough for a LIST, UIDL or CAPA listing of
 * a small maildrop and a RETR's first header lines; the rest is counted in `omitted`.
 */
export const WIRE_RESPONSE_HEAD = 2 * 1024;

/** A response's octets kept with bodies 'whole' (`report --with-bodies`): a real message whole, a 1 GiB one not. */
export const WIRE_RESPONSE_WHOLE = 1024 * 1024;

/**
 * A command's octets shown per arrow: a command line is at most 255 octets (RFC 2449), an AUTH exchange's
 * client lines (GSSAPI tokens in base64) a few KiB; a longer line is cut and counted.
 */
export const WIRE_COMMAND_MAX = 8 * 1024;

/**
 * Client octets kept while their commands wait for an answer: a pipelining client (mpop, fetchmail) sends a
 * few hundred short commands ahead at most; the bytes of commands sent beyond this many octets ahead are
 * shown cut (or empty), what is missing counted in `omitted`.
 */
export const WIRE_PIPELINED_MAX = 64 * 1024;
