/**
 * Where things go, in SVG user units (one unit is a CSS pixel at zoom 1). The text is 12 px (style.ts), so a
 * row is sized for one line of label above its arrow; the layout and the renderer read the same numbers.
 */
export const GEOMETRY = {
  /** The lanes' x. pop3scope's lane sits between the peers, on the line its arrows start from. */
  laneX: { client: 150, pop3scope: 390, server: 630 },
  /** Lanes plus the marker column right of the server lane (a code and an RFC section fit). */
  width: 960,
  /** The lane label boxes at the top. */
  headerHeight: 36,
  /** The top of the first row. */
  top: 48,
  /** From a row's top to its arrow: room for the label line above the arrow. */
  labelAbove: 18,
  /** Every arrow takes time to cross (y2 > y1); a pipelined command is drawn steeper, visibly in flight. */
  slant: 6,
  pipelinedSlant: 14,
  /** Space after a row before the next one. */
  rowGap: 10,
  /** The collapsed body block under a multi-line response's arrow. */
  bodyGap: 4,
  bodyHeight: 18,
  /** A marker line (code · RFC) right of the server lane; several violations stack. */
  markerOffset: 12,
  markerLine: 16,
  /** The row of a session-level violation marker. */
  sessionMarkerRow: 22,
  /** Below the last row: the last phase band (UPDATE, after QUIT) keeps room for its label. */
  bottomPad: 28,
  /** Proportional time: the span the session's duration is scaled to, per arrow and clamped. */
  proportionalPerArrow: 60,
  proportionalMinSpan: 300,
  proportionalMaxSpan: 8000,
  /** Ticks closer than this are skipped (their labels would overlap). */
  tickMinGap: 24,
  /**
   * The advance of a 12 px character, the widest of the fonts used (monospace for commands, style.ts): labels
   * longer than their arrow are clipped with an ellipsis.
   */
  charWidth: 7.2,
} as const;
