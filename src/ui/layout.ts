/**
 * The layout as data: for each terminal size class, where every pane sits. A position is a number of cells,
 * a percentage of the terminal ("60%"), or either minus cells ("100%-8"). The first rule whose minimum the
 * terminal meets wins; the last one fits 80x24. Pure: the widgets ask `layoutFor(cols, rows)` on every resize.
 */

export type RegionId = 'phases' | 'sessions' | 'transcript' | 'mailbox' | 'detail' | 'status';

export const REGIONS: readonly RegionId[] = [
  'phases',
  'sessions',
  'transcript',
  'mailbox',
  'detail',
  'status',
];

type Pos = number | string;

export interface RegionSpec {
  readonly top: Pos;
  readonly left: Pos;
  readonly width: Pos;
  readonly height: Pos;
}

export interface LayoutRule {
  readonly name: string;
  readonly minCols: number;
  readonly minRows: number;
  readonly regions: Readonly<Record<RegionId, RegionSpec>>;
}

export interface Rect {
  readonly top: number;
  readonly left: number;
  readonly width: number;
  readonly height: number;
}

export const LAYOUTS: readonly LayoutRule[] = [
  {
    // Projectors and big monitors: a taller session list, the transcript wide on the left, the mailbox and the
    // detail stacked on the right.
    name: 'wide',
    minCols: 160,
    minRows: 45,
    regions: {
      phases: { top: 0, left: 0, width: '100%', height: 1 },
      sessions: { top: 1, left: 0, width: '100%', height: 12 },
      transcript: { top: 13, left: 0, width: '60%', height: '100%-14' },
      // '100%' from a left edge: to the terminal's right edge (clipped), whatever the rounding of 60%.
      mailbox: { top: 13, left: '60%', width: '100%', height: 14 },
      detail: { top: 27, left: '60%', width: '100%', height: '100%-28' },
      status: { top: '100%-1', left: 0, width: '100%', height: 1 },
    },
  },
  {
    name: 'medium',
    minCols: 100,
    minRows: 30,
    regions: {
      phases: { top: 0, left: 0, width: '100%', height: 1 },
      sessions: { top: 1, left: 0, width: '100%', height: 8 },
      transcript: { top: 9, left: 0, width: '58%', height: '100%-10' },
      mailbox: { top: 9, left: '58%', width: '100%', height: 10 },
      detail: { top: 19, left: '58%', width: '100%', height: '100%-20' },
      status: { top: '100%-1', left: 0, width: '100%', height: 1 },
    },
  },
  {
    // 80x24: three session rows, the transcript beside the mailbox, the detail across the bottom.
    name: 'compact',
    minCols: 0,
    minRows: 0,
    regions: {
      phases: { top: 0, left: 0, width: '100%', height: 1 },
      sessions: { top: 1, left: 0, width: '100%', height: 6 },
      transcript: { top: 7, left: 0, width: '100%-32', height: '100%-14' },
      mailbox: { top: 7, left: '100%-32', width: 32, height: '100%-14' },
      detail: { top: '100%-7', left: 0, width: '100%', height: 6 },
      status: { top: '100%-1', left: 0, width: '100%', height: 1 },
    },
  },
];

/** Resolves one position against the terminal's width or height. */
export function resolve(pos: Pos, total: number): number {
  if (typeof pos === 'number') return pos;
  const m = /^(\d+(?:\.\d+)?)%(?:([+-])(\d+))?$/.exec(pos);
  if (!m) throw new Error(`bad layout position "${pos}"`);
  const base = Math.floor((total * Number(m[1])) / 100);
  const offset = m[2] ? (m[2] === '-' ? -1 : 1) * Number(m[3]) : 0;
  return base + offset;
}

/** The rule for a terminal size. */
export function ruleFor(cols: number, rows: number): LayoutRule {
  return LAYOUTS.find((r) => cols >= r.minCols && rows >= r.minRows) ?? LAYOUTS[LAYOUTS.length - 1]!;
}

/** Every region's rectangle for a terminal size, clipped to the terminal. */
export function layoutFor(
  cols: number,
  rows: number,
): { readonly name: string; readonly rects: Readonly<Record<RegionId, Rect>> } {
  const rule = ruleFor(cols, rows);
  const rects = {} as Record<RegionId, Rect>;
  for (const id of REGIONS) {
    const spec = rule.regions[id];
    const top = Math.max(0, Math.min(rows - 1, resolve(spec.top, rows)));
    const left = Math.max(0, Math.min(cols - 1, resolve(spec.left, cols)));
    const width = Math.max(1, Math.min(cols - left, resolve(spec.width, cols)));
    const height = Math.max(1, Math.min(rows - top, resolve(spec.height, rows)));
    rects[id] = { top, left, width, height };
  }
  return { name: rule.name, rects };
}
