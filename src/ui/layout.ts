/**
 * The layout as data: for each terminal size class, a tree of splits. A column stacks its children top to
 * bottom, a row puts them side by side; each child takes a size along its parent's length: a number of cells,
 * a share of the parent (optionally capped), as much as its content needs (within bounds), or the rest. The first
 * rule whose minimum the terminal meets wins; the last one fits 80x24. Pure: the widgets ask
 * `layoutFor(cols, rows, content)` on every resize and whenever what the panes hold changes, so a session list
 * of two sessions does not keep twelve rows a transcript or a detail could use.
 */

export type RegionId = 'phases' | 'sessions' | 'transcript' | 'mailbox' | 'detail' | 'status';

/**
 * Regions shown only sometimes: the lesson pane (key t; on in `demo`) and the connect lines above the status
 * line (how to connect, while there is something to say). Hidden, they take no cell.
 */
export type OptionalId = 'lesson' | 'connect';

export const OPTIONAL_REGIONS: readonly OptionalId[] = ['lesson', 'connect'];

export const REGIONS: readonly RegionId[] = [
  'phases',
  'sessions',
  'transcript',
  'mailbox',
  'detail',
  'status',
];

/** Panes whose size can follow their content. */
export type FitId = 'sessions' | 'mailbox';

/**
 * How many rows each fitting pane's content has (inside its border); a pane left out gets its maximum. The
 * optional regions: `lesson` shown or not, `connect` its number of lines (0 or left out: hidden).
 */
export type LayoutContent = Readonly<
  Partial<Record<FitId, number>> & { readonly lesson?: boolean; readonly connect?: number }
>;

/** A child's length along its parent: cells, a share in percent (capped at `max`), its content, or the rest. */
export type Size =
  | { readonly cells: number }
  | { readonly share: number; readonly max?: number }
  | { readonly fit: FitId; readonly min: number; readonly max: number }
  | { readonly rest: true };

/** An optional region's length: its size when shown, 0 cells when hidden (the connect lines: up to `max`). */
export type OptionalSize =
  | { readonly share: number; readonly max?: number }
  | { readonly lines: 'connect'; readonly max: number };

export type LayoutNode =
  | { readonly region: RegionId; readonly size: Size }
  | { readonly optional: OptionalId; readonly size: OptionalSize }
  | { readonly split: 'column' | 'row'; readonly size: Size; readonly children: readonly LayoutNode[] };

export interface LayoutRule {
  readonly name: string;
  readonly minCols: number;
  readonly minRows: number;
  /** A column the size of the terminal. */
  readonly root: readonly LayoutNode[];
}

export interface Rect {
  readonly top: number;
  readonly left: number;
  readonly width: number;
  readonly height: number;
}

/** Framed panes draw inside a one-cell border: a fitting pane's content rows plus this many. */
const BORDER = 2;
/** A pane's header row plus one row of content (or its "nothing yet" line), inside the border. */
const MIN_FIT = BORDER + 2;
/**
 * Transcript lines are POP3 lines and mail lines, which RFC 5322 §2.1.1 asks to keep under 78 characters: past
 * about 100 cells the transcript only gains empty space, which the detail's wrapped explanations can use.
 */
const TRANSCRIPT_MAX = 100;

const rest = { rest: true } as const;

export const LAYOUTS: readonly LayoutRule[] = [
  {
    // Projectors and big monitors: a taller session list, the transcript wide on the left, the mailbox and the
    // detail stacked on the right.
    name: 'wide',
    minCols: 160,
    minRows: 45,
    root: [
      { region: 'phases', size: { cells: 1 } },
      { region: 'sessions', size: { fit: 'sessions', min: MIN_FIT, max: 12 } },
      {
        split: 'row',
        size: rest,
        children: [
          { region: 'transcript', size: { share: 60, max: TRANSCRIPT_MAX } },
          {
            split: 'column',
            size: rest,
            children: [
              { region: 'mailbox', size: { fit: 'mailbox', min: MIN_FIT, max: 14 } },
              { optional: 'lesson', size: { share: 60 } },
              { region: 'detail', size: rest },
            ],
          },
        ],
      },
      { optional: 'connect', size: { lines: 'connect', max: 2 } },
      { region: 'status', size: { cells: 1 } },
    ],
  },
  {
    name: 'medium',
    minCols: 100,
    minRows: 30,
    root: [
      { region: 'phases', size: { cells: 1 } },
      { region: 'sessions', size: { fit: 'sessions', min: MIN_FIT, max: 8 } },
      {
        split: 'row',
        size: rest,
        children: [
          { region: 'transcript', size: { share: 58, max: TRANSCRIPT_MAX } },
          {
            split: 'column',
            size: rest,
            children: [
              { region: 'mailbox', size: { fit: 'mailbox', min: MIN_FIT, max: 10 } },
              { optional: 'lesson', size: { share: 60 } },
              { region: 'detail', size: rest },
            ],
          },
        ],
      },
      { optional: 'connect', size: { lines: 'connect', max: 2 } },
      { region: 'status', size: { cells: 1 } },
    ],
  },
  {
    // 80x24: up to three session rows, the transcript beside the mailbox, the detail across the bottom.
    name: 'compact',
    minCols: 0,
    minRows: 0,
    root: [
      { region: 'phases', size: { cells: 1 } },
      { region: 'sessions', size: { fit: 'sessions', min: MIN_FIT, max: 6 } },
      {
        split: 'row',
        size: rest,
        children: [
          { region: 'transcript', size: rest },
          { region: 'mailbox', size: { cells: 32 } },
        ],
      },
      // The lesson beside the detail: each gets half the width, both six rows.
      {
        split: 'row',
        size: { cells: 6 },
        children: [
          { region: 'detail', size: rest },
          { optional: 'lesson', size: { share: 50 } },
        ],
      },
      { optional: 'connect', size: { lines: 'connect', max: 1 } },
      { region: 'status', size: { cells: 1 } },
    ],
  },
];

/** The length a sized child asks for out of `total` (the rest is decided by its siblings). */
function wanted(child: LayoutNode, total: number, content: LayoutContent): number | null {
  if ('optional' in child) {
    const size = child.size;
    if ('lines' in size) return Math.min(size.max, Math.max(0, content.connect ?? 0));
    if (!content.lesson) return 0;
    return Math.min(Math.floor((total * size.share) / 100), size.max ?? total);
  }
  const size = child.size;
  if ('cells' in size) return size.cells;
  if ('share' in size) return Math.min(Math.floor((total * size.share) / 100), size.max ?? total);
  if ('fit' in size) {
    const rows = content[size.fit];
    return rows === undefined ? size.max : Math.max(size.min, Math.min(size.max, rows + BORDER));
  }
  return null;
}

/**
 * Splits `length` among the children, in order (a split has at most one `rest`); on a terminal too small for
 * the rule the last children get what is left, maybe nothing.
 */
function lengths(children: readonly LayoutNode[], length: number, content: LayoutContent): number[] {
  const asked = children.map((c) => wanted(c, length, content));
  const left = Math.max(0, length - asked.reduce<number>((a, n) => a + (n ?? 0), 0));
  let used = 0;
  return asked.map((n) => {
    const out = Math.min(n ?? left, length - used);
    used += out;
    return out;
  });
}

function place(
  children: readonly LayoutNode[],
  along: 'column' | 'row',
  box: Rect,
  content: LayoutContent,
  out: Partial<Record<RegionId | OptionalId, Rect>>,
): void {
  const sizes = lengths(children, along === 'column' ? box.height : box.width, content);
  let offset = 0;
  children.forEach((child, i) => {
    const n = sizes[i]!;
    const r: Rect =
      along === 'column'
        ? { top: box.top + offset, left: box.left, width: box.width, height: n }
        : { top: box.top, left: box.left + offset, width: n, height: box.height };
    offset += n;
    if ('region' in child) out[child.region] = r;
    else if ('optional' in child) out[child.optional] = r;
    else place(child.children, child.split, r, content, out);
  });
}

/** The rule for a terminal size. */
export function ruleFor(cols: number, rows: number): LayoutRule {
  return LAYOUTS.find((r) => cols >= r.minCols && rows >= r.minRows) ?? LAYOUTS[LAYOUTS.length - 1]!;
}

function clip(r: Rect, cols: number, rows: number): Rect {
  const top = Math.max(0, Math.min(rows - 1, r.top));
  const left = Math.max(0, Math.min(cols - 1, r.left));
  return {
    top,
    left,
    width: Math.max(1, Math.min(cols - left, r.width)),
    height: Math.max(1, Math.min(rows - top, r.height)),
  };
}

/**
 * Every region's rectangle for a terminal size and what the panes hold, clipped to the terminal (at least one
 * cell each: on a terminal too small for the rule, regions may overlap rather than vanish). `optional` holds the
 * optional regions that are shown (a hidden one, or one the terminal has no cell left for, is absent).
 */
export function layoutFor(
  cols: number,
  rows: number,
  content: LayoutContent = {},
): {
  readonly name: string;
  readonly rects: Readonly<Record<RegionId, Rect>>;
  readonly optional: Readonly<Partial<Record<OptionalId, Rect>>>;
} {
  const rule = ruleFor(cols, rows);
  const placed: Partial<Record<RegionId | OptionalId, Rect>> = {};
  place(rule.root, 'column', { top: 0, left: 0, width: cols, height: rows }, content, placed);
  const rects = {} as Record<RegionId, Rect>;
  for (const id of REGIONS) rects[id] = clip(placed[id]!, cols, rows);
  const optional: Partial<Record<OptionalId, Rect>> = {};
  for (const id of OPTIONAL_REGIONS) {
    const r = placed[id];
    if (r && r.width > 0 && r.height > 0 && r.top < rows && r.left < cols) optional[id] = clip(r, cols, rows);
  }
  return { name: rule.name, rects, optional };
}
