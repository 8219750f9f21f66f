/**
 * Frame pacing: however many events arrive, the screen is drawn at most MAX_FPS times a second (the events in
 * between are coalesced into the next frame), and not at all while the terminal has not taken the previous
 * frame (a slow or frozen terminal costs skipped frames, never a stalled relay or a growing queue).
 */
import { MAX_FPS } from './limits.js';

export interface Timers {
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  now: () => Date.now(),
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class FrameScheduler {
  private dirty = false;
  private timer: unknown = null;
  private last = Number.NEGATIVE_INFINITY;
  private stopped = false;
  /** Frames drawn, and frames put off because the terminal was busy (for tests and curiosity). */
  drawn = 0;
  deferred = 0;

  constructor(
    private readonly draw: () => void,
    private readonly busy: () => boolean,
    private readonly timers: Timers = REAL_TIMERS,
    private readonly intervalMs = 1000 / MAX_FPS,
  ) {}

  /** Something changed: draw it with the next frame. */
  request(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.timer !== null) return;
    const wait = Math.max(0, this.last + this.intervalMs - this.timers.now());
    this.timer = this.timers.set(() => this.fire(), wait);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
  }

  private fire(): void {
    this.timer = null;
    if (this.stopped || !this.dirty) return;
    if (this.busy()) {
      this.deferred++;
      this.timer = this.timers.set(() => this.fire(), this.intervalMs);
      return;
    }
    this.dirty = false;
    this.last = this.timers.now();
    this.drawn++;
    this.draw();
  }
}
