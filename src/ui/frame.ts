/**
 * One frame of the dashboard as text, computed from the state alone: every pane's view and each region's
 * tagged content. widgets.ts hands these strings to blessed; HeadlessFrames (no terminal) computes exactly the
 * same, so a benchmark or a test can run the dashboard's whole view model without a screen.
 */
import { clipRow, type Row, type Tone } from './format.js';
import { layoutFor, type OptionalId, type RegionId } from './layout.js';
import { connectRows, lessonPane } from './lesson.js';
import {
  helpRows,
  layoutContent,
  mailboxPane,
  type PaneView,
  phaseStrip,
  sessionsPane,
  statusLine,
} from './panes.js';
import type { DashboardState, PaneId } from './state.js';
import { detailPane, transcriptPane } from './transcript.js';

const TAGS: Record<Tone, [string, string]> = {
  client: ['{cyan-fg}', '{/cyan-fg}'],
  server: ['{green-fg}', '{/green-fg}'],
  error: ['{red-fg}', '{/red-fg}'],
  warn: ['{yellow-fg}', '{/yellow-fg}'],
  dim: ['{gray-fg}', '{/gray-fg}'],
  bold: ['{bold}', '{/bold}'],
  head: ['{bold}{underline}', '{/underline}{/bold}'],
  accent: ['{magenta-fg}', '{/magenta-fg}'],
  ok: ['{green-fg}', '{/green-fg}'],
  current: ['{black-fg}{yellow-bg}{bold}', '{/bold}{/yellow-bg}{/black-fg}'],
  todo: ['{gray-fg}', '{/gray-fg}'],
};

export const escapeTags = (s: string) => s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));

/** Without colour (NO_COLOR, --no-color): only the tones that need none keep a mark. */
const MONOCHROME: Partial<Record<Tone, [string, string]>> = {
  bold: TAGS.bold,
  head: TAGS.head,
  error: ['{bold}', '{/bold}'],
  current: ['{inverse}{bold}', '{/bold}{/inverse}'],
};

// With 8 colours blessed turns gray into black (invisible on a dark terminal): dim text is then left plain.
const PLAIN_ON_8_COLOURS: ReadonlySet<Tone> = new Set(['dim', 'todo']);

/** The tags of a tone, or none; `colours` is what the terminal has (gray needs 16; 0: no colour at all). */
function tagsOf(tone: Tone | undefined, colours: number): [string, string] | undefined {
  if (tone === undefined) return undefined;
  if (colours === 0) return MONOCHROME[tone];
  return colours < 16 && PLAIN_ON_8_COLOURS.has(tone) ? undefined : TAGS[tone];
}

/** A row as blessed tagged text; `colours` is what the terminal has (0: none, by NO_COLOR or --no-color). */
export function tagged(r: Row, focused: boolean, colours = 256): string {
  const body = r.spans
    .map((s) => {
      const tags = tagsOf(s.tone, colours);
      return tags ? `${tags[0]}${escapeTags(s.text)}${tags[1]}` : escapeTags(s.text);
    })
    .join('');
  if (!r.selected) return body;
  return focused ? `{inverse}${body}{/inverse}` : `{underline}${body}{/underline}`;
}

export const PANE_REGIONS: readonly PaneId[] = ['sessions', 'transcript', 'mailbox', 'detail'];

/** The outer size of a region; framed panes draw inside a one-cell border. */
export interface RegionSize {
  readonly width: number;
  readonly height: number;
}

/** What one frame puts in each region: tagged text, ready for blessed. */
export interface Frame {
  readonly panes: Record<
    PaneId,
    { readonly label: string; readonly content: string; readonly focused: boolean }
  >;
  readonly phases: string;
  readonly status: string;
  /** The lesson pane, when its region is shown (the lesson is on, or a note is up). */
  readonly lesson: { readonly label: string; readonly content: string } | null;
  /** The connect lines above the status line, when there are any. */
  readonly connect: string | null;
  /** The help overlay's content when it is open (its inner width is given by the caller). */
  readonly help: string | null;
}

/**
 * Computes a frame. `tops` holds each pane's scroll position from the previous frame and is updated in place
 * (a pane keeps its selection in view by scrolling only as far as it must).
 */
export function computeFrame(
  s: DashboardState,
  size: (id: RegionId) => RegionSize,
  tops: Record<PaneId, number>,
  wallNow: number,
  colours: number,
  helpWidth: number,
  optional: (id: OptionalId) => RegionSize | null = () => null,
): Frame {
  const lessonSize = optional('lesson');
  const connectSize = optional('connect');
  const lesson = lessonSize
    ? lessonPane(s, Math.max(1, lessonSize.width - 2), Math.max(1, lessonSize.height - 2))
    : null;
  const inner = (id: RegionId) => {
    const r = size(id);
    return { w: Math.max(1, r.width - 2), h: Math.max(1, r.height - 2) };
  };
  const views: Record<PaneId, PaneView> = {
    sessions: sessionsPane(s, inner('sessions').w, inner('sessions').h, tops.sessions),
    transcript: transcriptPane(s, inner('transcript').w, inner('transcript').h, tops.transcript),
    mailbox: mailboxPane(s, inner('mailbox').w, inner('mailbox').h),
    detail: detailPane(s, inner('detail').w, inner('detail').h),
  };
  const panes = {} as Frame['panes'];
  for (const id of PANE_REGIONS) {
    const v = views[id];
    const focused = s.focus === id;
    tops[id] = v.top;
    panes[id] = {
      label: v.label,
      content: v.rows.map((r) => tagged(r, focused, colours)).join('\n'),
      focused,
    };
  }
  return {
    panes,
    phases: tagged(phaseStrip(s, size('phases').width), false, colours),
    status: tagged(statusLine(s, size('status').width, wallNow), false, colours),
    lesson: lesson && {
      label: lesson.label,
      content: lesson.rows.map((r) => tagged(clipRow(r, lessonSize!.width - 2), false, colours)).join('\n'),
    },
    connect: connectSize
      ? connectRows(s)
          .slice(0, connectSize.height)
          .map((r) => tagged(clipRow(r, connectSize.width), false, colours))
          .join('\n')
      : null,
    help: s.help
      ? helpRows(helpWidth, s)
          .map((r) => tagged(r, false, colours))
          .join('\n')
      : null,
  };
}

/** The dashboard's frames without a terminal, for a fixed size (benchmarks; tests of what a frame holds). */
export class HeadlessFrames {
  private readonly tops: Record<PaneId, number> = { sessions: 0, transcript: 0, mailbox: 0, detail: 0 };
  /** The regions for the fixed size, laid out again only when what the panes hold changes. */
  private rects: ReturnType<typeof layoutFor>['rects'];
  private optional: ReturnType<typeof layoutFor>['optional'] = {};
  private laidOut = '';
  /** The last frame computed, and how many were. */
  last: Frame | null = null;
  drawn = 0;

  constructor(
    private readonly cols = 160,
    private readonly rows = 48,
    private readonly colours = 256,
  ) {
    ({ rects: this.rects, optional: this.optional } = layoutFor(cols, rows));
  }

  draw(s: DashboardState, wallNow: number): Frame {
    const content = layoutContent(s);
    const key = `${content.sessions} ${content.mailbox} ${content.lesson} ${content.connect}`;
    if (key !== this.laidOut) {
      this.laidOut = key;
      ({ rects: this.rects, optional: this.optional } = layoutFor(this.cols, this.rows, content));
    }
    const rects = this.rects;
    const optional = this.optional;
    this.last = computeFrame(
      s,
      (id) => rects[id],
      this.tops,
      wallNow,
      this.colours,
      Math.floor(this.cols * 0.9) - 2,
      (id) => optional[id] ?? null,
    );
    this.drawn++;
    return this.last;
  }
}
