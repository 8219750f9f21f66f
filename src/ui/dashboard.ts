/**
 * The dashboard: a proxy sink that reduces every event into the screen state at once (cheap, bounded) and
 * draws it at most MAX_FPS times a second. The same object serves the live proxy and the replay of a
 * capture. The screen is opened by `takeTerminal()` and closed by `release()`; the terminal is also restored on
 * process exit, whatever caused it.
 *
 * Hooks are called on the relay path: `open`, `event` and `close` only reduce and ask for a frame.
 */
import blessed from 'blessed';
import type { EngineEvent } from '../analysis/types.js';
import type { ProxySink, SessionEnd, SessionStart } from '../events.js';
import { HeadlessFrames } from './frame.js';
import { FrameScheduler, REAL_TIMERS, type Timers } from './frames.js';
import { keyToAction } from './keys.js';
import { reduce } from './reducer.js';
import {
  type Action,
  type DashboardSetup,
  type DashboardState,
  initialState,
  type NextCommand,
} from './state.js';
import { captureStrayOutput, localeIsUtf8, TerminalOutput } from './terminal.js';
import { Widgets } from './widgets.js';

export interface DashboardOptions extends Omit<DashboardSetup, 'now'> {
  /** The clock durations are measured with: the wall clock live, the capture's clock in replay. */
  readonly clock?: () => number;
  /** Told of every action after it is reduced: the replay player listens for pause, step and speed. */
  readonly onAction?: (action: Action, state: DashboardState) => void;
  readonly timers?: Timers;
  /**
   * Colours on the screen (render/style.ts wantColour: --color/--no-color, NO_COLOR, FORCE_COLOR); without,
   * only bold, underline and inverse mark things. Default: as the terminal allows.
   */
  readonly colour?: boolean;
}

/** Why the dashboard asks to end: the user quit, or drawing failed (a bug: the error is kept). */
export type DashboardEnd =
  | { readonly reason: 'quit' }
  | { readonly reason: 'error'; readonly error: unknown };

export class Dashboard implements ProxySink {
  private state: DashboardState;
  private screen: blessed.Widgets.Screen | null = null;
  private widgets: Widgets | null = null;
  private headless: HeadlessFrames | null = null;
  private output: TerminalOutput | null = null;
  private restoreOutput: (() => void) | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private readonly frames: FrameScheduler;
  private readonly clock: () => number;
  private quits = 0;
  private forceQuit: () => void = () => {};
  private endWith!: (end: DashboardEnd) => void;
  private readonly onExit = () => this.restoreSync();
  /** Resolves when the user quits (q, Ctrl-C) or the screen fails. */
  readonly ended: Promise<DashboardEnd>;

  constructor(private readonly o: DashboardOptions) {
    this.clock = o.clock ?? Date.now;
    this.state = initialState({ ...o, now: this.clock() });
    this.ended = new Promise((resolve) => (this.endWith = resolve));
    this.frames = new FrameScheduler(
      () => this.draw(),
      () => this.output?.busy ?? false,
      o.timers ?? REAL_TIMERS,
    );
  }

  /** Called on a second `q` (the first one asked for a clean stop, which is taking too long). */
  onForceQuit(fn: () => void): void {
    this.forceQuit = fn;
  }

  get current(): DashboardState {
    return this.state;
  }

  get isShown(): boolean {
    return this.screen !== null;
  }

  open(start: SessionStart): void {
    this.dispatch({ type: 'open', start });
  }

  event(e: EngineEvent): void {
    this.dispatch({ type: 'event', event: e });
  }

  close(end: SessionEnd): void {
    this.dispatch({ type: 'close', end });
  }

  /**
   * Shows a note to the class (the demo player: what each of Bob's machines got, the comparison at the end). It
   * stays on screen, in the lesson pane (shown for it even when the lesson is toggled off), until the next note
   * or q. Like every dashboard text it reaches the terminal only, never a capture or a log.
   */
  showNote(title: string, lines: readonly string[]): void {
    this.dispatch({ type: 'note', title, lines: [...lines] });
  }

  /**
   * Shows the command a built-in client sends at the next space, with what it asks (demo --play --step), in the
   * detail and under the transcript; null once it is sent. The line must already be masked.
   */
  showNext(next: NextCommand | null): void {
    this.dispatch({ type: 'next', next });
  }

  dispatch(action: Action): void {
    const before = this.state;
    this.state = reduce(this.state, action);
    if (action.type === 'quit') {
      // A second quit while stopping means "now": the caller decides how (runDashboard exits).
      if (++this.quits === 1) {
        this.endWith({ reason: 'quit' });
        this.o.onAction?.(action, this.state);
      } else this.forceQuit();
    } else if (this.o.onAction) this.o.onAction(action, this.state);
    if (this.state !== before) this.frames.request();
  }

  /**
   * Runs without a terminal: every frame is computed (the whole view model, at the same pace) but drawn
   * nowhere. For the benchmark's "dashboard" path and for tests; returns the frames for inspection.
   */
  runHeadless(cols = 160, rows = 48): HeadlessFrames {
    if (this.screen) throw new Error('the dashboard is on the terminal already');
    this.headless ??= new HeadlessFrames(cols, rows, (this.o.colour ?? true) ? 256 : 0);
    this.startTicking();
    return this.headless;
  }

  /** Takes over the terminal (stdin keys, stdout screen). */
  takeTerminal(): void {
    if (this.screen) return;
    const output = new TerminalOutput(1, process.stdout);
    output.on('gone', () => this.frames.stop());
    this.output = output;
    this.restoreOutput = captureStrayOutput((text) =>
      this.dispatch({ type: 'message', t: Date.now(), text }),
    );
    process.on('exit', this.onExit);
    const utf8 = localeIsUtf8();
    const screen = blessed.screen({
      input: process.stdin,
      output,
      smartCSR: true,
      fullUnicode: true,
      warnings: false,
      title: 'pop3scope',
      autoPadding: false,
      terminal: process.env.TERM ?? 'xterm',
      ...(utf8 ? { forceUnicode: true } : {}),
    } as unknown as blessed.Widgets.IScreenOptions);
    // A UTF-8 locale gets Unicode box drawing whatever TERM says: terminfo entries such as tmux-256color
    // declare an ACS charset, and text drawn with it is copied out of the pane as `lqqqk` and `x`.
    if (utf8) (screen as unknown as { tput: { brokenACS: boolean } }).tput.brokenACS = true;
    this.screen = screen;
    this.widgets = new Widgets(screen, this.o.colour ?? true);
    screen.on('keypress', (ch: string | undefined, key: { name?: string; full?: string } | undefined) => {
      const action = keyToAction(this.state, { ch, name: key?.name, full: key?.full });
      if (action) this.dispatch(action);
    });
    screen.on('resize', () => {
      this.widgets?.place();
      this.frames.request();
    });
    this.startTicking();
  }

  private startTicking(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = setInterval(
      () => this.dispatch({ type: 'tick', now: this.clock(), wall: Date.now() }),
      1000,
    );
    this.ticker.unref();
    this.dispatch({ type: 'tick', now: this.clock(), wall: Date.now() });
    this.frames.request();
  }

  /** Gives the terminal back: the normal screen, the cursor, cooked mode; then prints what was said meanwhile. */
  async release(): Promise<void> {
    if (this.headless) {
      this.frames.stop();
      if (this.ticker) clearInterval(this.ticker);
      return;
    }
    if (!this.screen) return;
    this.frames.stop();
    await this.output?.drained(500);
    this.restoreSync();
  }

  private restoreSync(): void {
    const screen = this.screen;
    if (!screen) return;
    this.screen = null;
    this.widgets = null;
    if (this.ticker) clearInterval(this.ticker);
    this.frames.stop();
    process.off('exit', this.onExit);
    this.output?.goSync();
    try {
      screen.destroy();
    } catch {
      // The terminal may be gone; there is nothing left to restore then.
    }
    this.output?.close();
    this.restoreOutput?.();
    this.restoreOutput = null;
    const said = this.state.messages;
    if (said.length > 0) {
      process.stderr.write(
        `pop3scope: while the dashboard was up:\n${said.map((m) => `  ${m.text}`).join('\n')}\n`,
      );
    }
  }

  private draw(): void {
    if (this.headless) {
      this.headless.draw(this.state, Date.now());
      return;
    }
    const screen = this.screen;
    const widgets = this.widgets;
    if (!screen || !widgets) return;
    try {
      if (this.output?.lost) {
        this.output.lost = false;
        screen.alloc();
      }
      widgets.draw(this.state, Date.now());
      screen.render();
    } catch (error) {
      this.frames.stop();
      this.endWith({ reason: 'error', error });
    }
  }
}
