/**
 * Every bound the dashboard keeps, each with its reason. The dashboard may run for days in front of a busy
 * server: what it holds per session and in total is capped here, and what it drops is said on screen (the
 * capture file, when one is written, keeps everything).
 */

/** Frames per second at most: enough to look live, few enough that drawing never competes with relaying. */
export const MAX_FPS = 20;

/** Transcript entries (transactions, phase changes, violations) kept per session; older ones are counted. */
export const MAX_ENTRIES_PER_SESSION = 400;

/** Entries an ended session keeps (its last ones, where the outcome is); a live one keeps MAX_ENTRIES_PER_SESSION. */
export const MAX_ENTRIES_ENDED = 150;

/** Ended sessions kept in the list; older ended sessions are dropped and counted ("N older sessions hidden"). */
export const MAX_ENDED_SESSIONS = 100;

/** Message rows of the mailbox model kept per session (a maildrop can hold 100,000 messages). */
export const MAX_MAILBOX_ROWS = 1000;

/** Body preview kept per RETR/TOP: lines, and characters per line. Bodies themselves are never kept. */
export const MAX_PREVIEW_LINES = 12;
export const MAX_PREVIEW_LINE_CHARS = 160;

/** Listing lines (LIST, UIDL, CAPA) kept for the expanded view; the mailbox model reads the whole listing first. */
export const MAX_LISTING_LINES = 30;

/** SASL steps kept per transaction (a looping exchange could send thousands). */
export const MAX_SASL_STEPS = 16;

/** Violations kept per transaction (the count is kept whole). */
export const MAX_TX_VIOLATIONS = 20;

/** Characters kept of any single text field (command line, status text, explanation). */
export const MAX_TEXT_CHARS = 600;

/** Commands shown as "waiting for the response" per session (a pipelining client may queue many). */
export const MAX_PENDING = 20;

/** Distinct command verbs remembered per session for the filter (unknown verbs are the client's choice). */
export const MAX_VERBS = 64;

/** Expanded transcript entries remembered (expansion is a view toggle, not data). */
export const MAX_EXPANDED = 100;

/** Lines written to stdout/stderr by others while the screen is up, kept to show and to print on exit. */
export const MAX_MESSAGES = 50;

/** Throughput samples: the status line shows the rate over the last THROUGHPUT_WINDOW_MS. */
export const THROUGHPUT_WINDOW_MS = 5000;
export const MAX_SAMPLES = 32;

/**
 * Non-ASCII strings whose cell width and clipping are remembered: measuring them (string-width segments
 * graphemes) costs tens of µs a string, and every frame measures the same rows again. Full, the memory is
 * emptied and refilled. Strings longer than WIDTH_MEMO_MAX_CHARS are measured every time, never kept.
 */
export const WIDTH_MEMO_ENTRIES = 2000;
export const WIDTH_MEMO_MAX_CHARS = 1000;

/** Lines of a note (Dashboard.showNote) kept: a note is a few lines for a class, not a log. */
export const MAX_NOTE_LINES = 12;

/**
 * Teaching pace (key p): at most one transaction explained per this many milliseconds of wall time, long enough
 * to read a two-line explanation out to a class; the dashboard's one-second tick makes steps whole seconds.
 */
export const TEACHING_PACE_MS = 3000;
