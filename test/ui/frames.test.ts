/** Frame pacing: bursts of events coalesce into at most MAX_FPS frames a second; a busy terminal skips frames. */
import { describe, expect, it } from 'vitest';
import { FrameScheduler, type Timers } from '../../src/ui/frames.js';
import { MAX_FPS } from '../../src/ui/limits.js';

/** Timers on a clock the test moves. */
function fakeTimers(): Timers & { advance(ms: number): void } {
  let now = 0;
  let next = 1;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    set(fn, ms) {
      const id = next++;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clear(h) {
      due.delete(h as number);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const first = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!first || first[1].at > until) break;
        due.delete(first[0]);
        now = first[1].at;
        first[1].fn();
      }
      now = until;
    },
  };
}

describe('FrameScheduler', () => {
  it(`draws at most ${MAX_FPS} frames a second however many events arrive`, () => {
    const timers = fakeTimers();
    let draws = 0;
    const frames = new FrameScheduler(
      () => draws++,
      () => false,
      timers,
    );
    for (let ms = 0; ms < 1000; ms++) {
      for (let i = 0; i < 50; i++) frames.request(); // 50,000 events in a second
      timers.advance(1);
    }
    timers.advance(100);
    expect(draws).toBeGreaterThanOrEqual(MAX_FPS - 1);
    expect(draws).toBeLessThanOrEqual(MAX_FPS + 1);
  });

  it('draws the first change at once and nothing when nothing changed', () => {
    const timers = fakeTimers();
    let draws = 0;
    const frames = new FrameScheduler(
      () => draws++,
      () => false,
      timers,
    );
    timers.advance(1000);
    expect(draws).toBe(0);
    frames.request();
    timers.advance(0);
    expect(draws).toBe(1);
  });

  it('while the terminal has not taken the last frame, frames are put off, not queued', () => {
    const timers = fakeTimers();
    let draws = 0;
    let busy = true;
    const frames = new FrameScheduler(
      () => draws++,
      () => busy,
      timers,
    );
    for (let i = 0; i < 100; i++) {
      frames.request();
      timers.advance(50);
    }
    expect(draws).toBe(0);
    expect(frames.deferred).toBeGreaterThan(50);
    busy = false;
    timers.advance(100);
    expect(draws).toBe(1); // everything that changed, in one frame
  });

  it('stops for good', () => {
    const timers = fakeTimers();
    let draws = 0;
    const frames = new FrameScheduler(
      () => draws++,
      () => false,
      timers,
    );
    frames.request();
    frames.stop();
    frames.request();
    timers.advance(1000);
    expect(draws).toBe(0);
  });
});
