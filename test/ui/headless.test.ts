/** The dashboard without a terminal: the benchmark's "dashboard" path must compute real frames. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dashboard } from '../../src/ui/dashboard.js';
import { played, toAction } from './helpers.js';

describe('Dashboard.runHeadless', () => {
  afterEach(() => vi.useRealTimers());

  it('computes frames at the frame rate from the events, drawing nowhere', async () => {
    vi.useFakeTimers();
    const dashboard = new Dashboard({ mode: 'live', capture: null, logs: 'logs off' });
    const frames = dashboard.runHeadless(160, 48);
    for (const e of played('seed-download-and-delete.jsonl')) dashboard.dispatch(toAction(e));
    await vi.advanceTimersByTimeAsync(200);
    expect(frames.drawn).toBeGreaterThan(0);
    const frame = frames.last!;
    expect(frame.panes.transcript.content).toContain('C: retr 1');
    expect(frame.panes.transcript.content).not.toContain('hungry');
    expect(frame.panes.sessions.content).toContain('bob');
    expect(frame.phases).toContain('UPDATE');
    expect(dashboard.isShown).toBe(false);
    // Many events between two frames cost one frame, not one each.
    const before = frames.drawn;
    for (const e of played('seed-download-and-delete.jsonl')) dashboard.dispatch(toAction(e));
    await vi.advanceTimersByTimeAsync(200);
    expect(frames.drawn - before).toBeLessThanOrEqual(2);
    await dashboard.release();
    const after = frames.drawn;
    dashboard.dispatch({ type: 'tick', now: Date.now() });
    await vi.advanceTimersByTimeAsync(500);
    expect(frames.drawn).toBe(after);
  });

  // Regression (issue 13): the dashboard painted in colour whatever NO_COLOR or --no-color said.
  it('without colour (NO_COLOR, --no-color) a frame holds no colour tag, only bold, underline and inverse', async () => {
    vi.useFakeTimers();
    const frameOf = async (colour: boolean) => {
      const dashboard = new Dashboard({ mode: 'live', capture: null, logs: 'logs off', colour });
      const frames = dashboard.runHeadless(160, 48);
      for (const e of played('buggy-server.jsonl')) dashboard.dispatch(toAction(e));
      await vi.advanceTimersByTimeAsync(200);
      await dashboard.release();
      const f = frames.last!;
      return [f.phases, f.status, ...Object.values(f.panes).map((p) => p.content)].join('\n');
    };
    const colourTag = /\{\/?[a-z]+-(fg|bg)\}/;
    const coloured = await frameOf(true);
    expect(coloured).toMatch(colourTag);
    const plain = await frameOf(false);
    expect(plain).not.toMatch(colourTag);
    expect(plain).toContain('{bold}');
    // The same text, only the marks differ.
    const text = (s: string) => s.replace(/\{\/?[a-z-]+\}/g, '');
    expect(text(plain)).toBe(text(coloured));
  });
});
