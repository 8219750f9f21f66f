/**
 * The diagram's limits, each with its reason (issue #16). The page shows up to 10,000 sessions and a session
 * can hold 100,000 transactions: every list the diagram builds is bounded here, so a huge capture costs the
 * browser a cut diagram, never a frozen tab. The Mermaid export's limits (MERMAID_*) follow: their reader is
 * GitHub's and GitLab's Mermaid in a bug report, not our page.
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

// The Mermaid export (diagram/mermaid.ts, show --format markdown).

/**
 * Arrows a Mermaid block draws by default. A bug report needs the start of the story and where it went
 * wrong; past a couple of hundred messages a rendered sequenceDiagram is a scroll nobody reads, and Mermaid
 * takes seconds to lay it out.
 */
export const MERMAID_MAX_ARROWS = 200;

/**
 * Characters of the diagram text at most. Mermaid refuses a text longer than its `maxTextSize` (50,000 by
 * default, and GitHub uses the default): the diagram would be an error box. Escaping can make one character
 * eight (`#65533;`), so the arrow cap alone does not bound this; room is left for the closing notes.
 */
export const MERMAID_MAX_TEXT = 45_000;

/** Characters of one label (a command line, a status line, a note) before it is clipped with "…". */
export const MERMAID_MAX_LABEL = 120;

/** SASL steps drawn per AUTH exchange: the engine bounds them, but a client looping on "*" must not fill the cap. */
export const MERMAID_MAX_SASL_STEPS = 12;

/**
 * Notes `show` keeps per session for the block (phases, bodies, violations): a capture full of unexpected
 * data can hold a violation record per line, and only the first of them can be drawn anyway.
 */
export const MERMAID_MAX_NOTES = 2 * MERMAID_MAX_ARROWS;
