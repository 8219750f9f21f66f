/**
 * The thin blessed layer: one box per region of the layout (layout.ts), filled with the rows the views
 * compute (panes.ts, transcript.ts). Tones become blessed colour tags here and nowhere else; all text is
 * escaped so nothing from the wire can inject a tag.
 */
import blessed from 'blessed';
import type { Row, Tone } from './format.js';
import { layoutFor, REGIONS, type RegionId } from './layout.js';
import { helpRows, mailboxPane, type PaneView, phaseStrip, sessionsPane, statusLine } from './panes.js';
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

const escapeTags = (s: string) => s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));

// With 8 colours blessed turns gray into black (invisible on a dark terminal): dim text is then left plain.
const PLAIN_ON_8_COLOURS: ReadonlySet<Tone> = new Set(['dim', 'todo']);

/** A row as blessed tagged text; `colours` is what the terminal has (gray needs 16). */
export function tagged(r: Row, focused: boolean, colours = 256): string {
  const paint = (t: Tone | undefined) => t !== undefined && !(colours < 16 && PLAIN_ON_8_COLOURS.has(t));
  const body = r.spans
    .map((s) =>
      paint(s.tone) ? `${TAGS[s.tone!][0]}${escapeTags(s.text)}${TAGS[s.tone!][1]}` : escapeTags(s.text),
    )
    .join('');
  if (!r.selected) return body;
  return focused ? `{inverse}${body}{/inverse}` : `{underline}${body}{/underline}`;
}

const PANE_REGIONS: readonly PaneId[] = ['sessions', 'transcript', 'mailbox', 'detail'];

export class Widgets {
  private readonly boxes: Record<RegionId, blessed.Widgets.BoxElement>;
  private readonly help: blessed.Widgets.BoxElement;
  private readonly tops: Record<PaneId, number> = { sessions: 0, transcript: 0, mailbox: 0, detail: 0 };

  private readonly colours: number;
  private readonly quiet: string;

  constructor(private readonly screen: blessed.Widgets.Screen) {
    this.colours = Number((screen as unknown as { tput?: { colors?: number } }).tput?.colors ?? 8);
    this.quiet = this.colours >= 16 ? 'gray' : 'white';
    const boxes = {} as Record<RegionId, blessed.Widgets.BoxElement>;
    for (const id of REGIONS) {
      const framed = (PANE_REGIONS as readonly string[]).includes(id);
      boxes[id] = blessed.box({
        parent: screen,
        tags: true,
        wrap: false,
        ...(framed
          ? { border: { type: 'line' }, style: { border: { fg: this.quiet }, label: { bold: true } } }
          : {}),
      });
    }
    this.boxes = boxes;
    this.help = blessed.box({
      parent: screen,
      tags: true,
      wrap: false,
      hidden: true,
      border: { type: 'line' },
      style: { border: { fg: 'yellow' } },
      label: ' help ',
      top: 'center',
      left: 'center',
      width: '90%',
      height: 16,
    });
    this.place();
  }

  /** Puts every box where the layout table says, for the screen's current size. */
  place(): void {
    const { rects } = layoutFor(this.screen.width as number, this.screen.height as number);
    for (const id of REGIONS) {
      const b = this.boxes[id];
      const r = rects[id];
      b.top = r.top;
      b.left = r.left;
      b.width = r.width;
      b.height = r.height;
    }
  }

  /** Fills every box from the state. */
  draw(s: DashboardState, wallNow: number): void {
    const inner = (id: RegionId) => {
      const b = this.boxes[id];
      return { w: Math.max(1, (b.width as number) - 2), h: Math.max(1, (b.height as number) - 2) };
    };
    const views: Record<PaneId, PaneView> = {
      sessions: sessionsPane(s, inner('sessions').w, inner('sessions').h, this.tops.sessions),
      transcript: transcriptPane(s, inner('transcript').w, inner('transcript').h, this.tops.transcript),
      mailbox: mailboxPane(s, inner('mailbox').w, inner('mailbox').h),
      detail: detailPane(s, inner('detail').w, inner('detail').h),
    };
    for (const id of PANE_REGIONS) {
      const v = views[id];
      const focused = s.focus === id;
      const b = this.boxes[id];
      this.tops[id] = v.top;
      b.setLabel(` ${escapeTags(v.label)} `);
      b.style.border.fg = focused ? 'cyan' : this.quiet;
      b.setContent(v.rows.map((r) => tagged(r, focused, this.colours)).join('\n'));
    }
    this.boxes.phases.setContent(
      tagged(phaseStrip(s, this.boxes.phases.width as number), false, this.colours),
    );
    this.boxes.status.setContent(
      tagged(statusLine(s, this.boxes.status.width as number, wallNow), false, this.colours),
    );
    if (s.help) {
      const width = (this.help.width as number) - 2;
      this.help.setContent(
        helpRows(width)
          .map((r) => tagged(r, false, this.colours))
          .join('\n'),
      );
      this.help.show();
      this.help.setFront();
    } else this.help.hide();
  }
}
