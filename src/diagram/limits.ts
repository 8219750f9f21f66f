/**
 * The diagram's limits, each with its reason (issue #16). The page shows up to 10,000 sessions and a session
 * can hold 100,000 transactions: every list the diagram builds is bounded here, so a huge capture costs the
 * browser a cut diagram, never a frozen tab.
 */

/** Arrows drawn per session by default: beyond this an SVG gets slow to lay out and to scroll in a browser. */
export const MAX_ARROWS = 2000;

/**
 * Rows of session-level markers drawn at most (violation records with no transaction): a capture full of
 * unexpected data can hold thousands, and each takes a row of its own.
 */
export const MAX_SESSION_MARKERS = 500;

/** Markers drawn on one arrow: its transaction's violations are bounded by the engine, but each takes a line. */
export const MAX_MARKERS_PER_ARROW = 8;

/** Time ticks at most: a label every few rows is enough to read the scale. */
export const MAX_TICKS = 40;

/** Characters of a label kept in an arrow's `<title>` (the hover text): bounds the SVG of long lines. */
export const MAX_TITLE_CHARS = 1000;

/** Messages the mailbox table shows at most (a STAT of a huge maildrop would otherwise mean a million rows). */
export const MAX_MAILBOX_ROWS = 10_000;
