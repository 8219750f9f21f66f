/**
 * The page's and the report file's limits, in one place (issue #16). The page must stay fast with 10,000
 * sessions: it draws only the list rows in view and parses a session's records only when it is selected.
 */

/** Height of one session-list row in CSS pixels (normal mode; the large mode scales it, see LARGE_SCALE). */
export const ROW_HEIGHT_PX = 26;

/** The large-font (projector) mode: every size times this. */
export const LARGE_SCALE = 1.6;

/** Rows drawn above and below the visible part of the list, so a scroll shows no blank rows. */
export const LIST_OVERSCAN_ROWS = 10;

/**
 * The report splits a session's records into script elements of about this many characters of JSON: the
 * writer holds at most this much of a session before writing it out (memory bounded for a huge session),
 * and the page parses a session part by part only when it is selected.
 */
export const REPORT_PART_CHARS = 256 * 1024;

/** Arrows drawn per session diagram (a longer session is cut, and the diagram says how many it left out). */
export const MAX_DIAGRAM_ARROWS = 2000;

/** Octets shown in the detail pane's bytes (a whole body from --with-bodies can be 1 MiB: the rest is cut). */
export const MAX_SHOWN_OCTETS = 64 * 1024;

/** Step mode's play: one arrow every this many milliseconds. */
export const STEP_PLAY_MS = 900;
