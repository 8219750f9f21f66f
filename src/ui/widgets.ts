/**
 * The thin blessed layer: one box per region of the layout (layout.ts), filled with the frame frame.ts computes
 * from the views (panes.ts, transcript.ts). Tones become blessed colour tags in frame.ts; all text is escaped
 * there so nothing from the wire can inject a tag.
 */
import blessed from 'blessed';
import { computeFrame, escapeTags, PANE_REGIONS } from './frame.js';
import {
  type LayoutContent,
  layoutFor,
  OPTIONAL_REGIONS,
  type OptionalId,
  REGIONS,
  type RegionId,
} from './layout.js';
import { layoutContent } from './panes.js';
import type { DashboardState, PaneId } from './state.js';

export class Widgets {
  private readonly boxes: Record<RegionId, blessed.Widgets.BoxElement>;
  /** The lesson pane (framed) and the connect lines: hidden while the layout gives them no cell. */
  private readonly optional: Record<OptionalId, blessed.Widgets.BoxElement>;
  private shownOptional: Partial<Record<OptionalId, true>> = {};
  private readonly help: blessed.Widgets.BoxElement;
  private readonly tops: Record<PaneId, number> = { sessions: 0, transcript: 0, mailbox: 0, detail: 0 };

  private readonly colours: number;
  private readonly quiet: string;
  /** What the panes held at the last layout, and the size and content it was computed for. */
  private content: LayoutContent = {};
  private laidOut = '';

  /** `colour` false (NO_COLOR, --no-color): no colour at all, whatever the terminal could show. */
  constructor(
    private readonly screen: blessed.Widgets.Screen,
    colour = true,
  ) {
    this.colours = colour
      ? Number((screen as unknown as { tput?: { colors?: number } }).tput?.colors ?? 8)
      : 0;
    this.quiet = this.colours >= 16 ? 'gray' : this.colours > 0 ? 'white' : 'default';
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
    this.optional = {
      lesson: blessed.box({
        parent: screen,
        tags: true,
        wrap: false,
        hidden: true,
        border: { type: 'line' },
        style: { border: { fg: this.quiet }, label: { bold: true } },
      }),
      connect: blessed.box({ parent: screen, tags: true, wrap: false, hidden: true }),
    };
    this.help = blessed.box({
      parent: screen,
      tags: true,
      wrap: false,
      hidden: true,
      border: { type: 'line' },
      style: { border: { fg: this.colours > 0 ? 'yellow' : 'default' } },
      label: ' help ',
      top: 'center',
      left: 'center',
      width: '90%',
      height: 16,
    });
    this.place();
  }

  /** Puts every box where the layout table says, for the screen's current size and what the panes hold. */
  place(content: LayoutContent = this.content): void {
    const cols = this.screen.width as number;
    const rows = this.screen.height as number;
    const key = `${cols}x${rows} ${content.sessions} ${content.mailbox} ${content.lesson} ${content.connect}`;
    this.content = content;
    if (key === this.laidOut) return;
    this.laidOut = key;
    const { rects, optional } = layoutFor(cols, rows, content);
    const put = (
      b: blessed.Widgets.BoxElement,
      r: { top: number; left: number; width: number; height: number },
    ) => {
      b.top = r.top;
      b.left = r.left;
      b.width = r.width;
      b.height = r.height;
    };
    for (const id of REGIONS) put(this.boxes[id], rects[id]);
    this.shownOptional = {};
    for (const id of OPTIONAL_REGIONS) {
      const r = optional[id];
      if (r) {
        put(this.optional[id], r);
        this.optional[id].show();
        this.shownOptional[id] = true;
      } else this.optional[id].hide();
    }
  }

  /** Fills every box from the state (the frame's text is computed in frame.ts, shared with headless runs). */
  draw(s: DashboardState, wallNow: number): void {
    this.place(layoutContent(s));
    const size = (id: RegionId) => ({
      width: this.boxes[id].width as number,
      height: this.boxes[id].height as number,
    });
    const optionalSize = (id: OptionalId) =>
      this.shownOptional[id]
        ? { width: this.optional[id].width as number, height: this.optional[id].height as number }
        : null;
    const frame = computeFrame(
      s,
      size,
      this.tops,
      wallNow,
      this.colours,
      (this.help.width as number) - 2,
      optionalSize,
    );
    for (const id of PANE_REGIONS) {
      const pane = frame.panes[id];
      const b = this.boxes[id];
      b.setLabel(` ${escapeTags(pane.label)} `);
      // Without colour the focused pane's border is bold instead of cyan.
      b.style.border.fg = pane.focused && this.colours > 0 ? 'cyan' : this.quiet;
      b.style.border.bold = pane.focused && this.colours === 0;
      b.setContent(pane.content);
    }
    this.boxes.phases.setContent(frame.phases);
    this.boxes.status.setContent(frame.status);
    if (frame.lesson) {
      this.optional.lesson.setLabel(` ${escapeTags(frame.lesson.label)} `);
      this.optional.lesson.setContent(frame.lesson.content);
    }
    if (frame.connect !== null) this.optional.connect.setContent(frame.connect);
    if (frame.help !== null) {
      // As tall as the help is (the connect lines make it longer), within the screen.
      this.help.height = Math.min(this.screen.height as number, frame.help.split('\n').length + 2);
      this.help.setContent(frame.help);
      this.help.show();
      this.help.setFront();
    } else this.help.hide();
  }
}
