/**
 * The vertical time axis of the proportional diagram: tick steps a person reads at a glance (1, 2, 2.5 or 5
 * times a power of ten milliseconds), their labels ("0 ms", "250 ms", "1.2 s", "2 min 30 s"), and where a
 * time lies once the layout pushed rows apart so that labels never overlap. Pure; no DOM.
 */
import { GEOMETRY } from './geometry.js';
import { MAX_TICKS } from './limits.js';
import type { TimeTick } from './types.js';

/** A time and the y its row was placed at: the layout's points, in the order placed. */
export interface TimePoint {
  readonly t: number;
  readonly y: number;
}

/** Elapsed time as a tick label: "0 ms", "250 ms", "1.2 s", "1.25 s", "2 min 30 s". */
export function elapsedLabel(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0 ms';
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${trimmed(ms / 1000)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = (ms - minutes * 60_000) / 1000;
  return seconds >= 0.005 ? `${minutes} min ${trimmed(seconds)} s` : `${minutes} min`;
}

/** Up to two decimals, without trailing zeros: 1.2, 1.25, 2. */
function trimmed(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** The smallest "nice" step (1, 2, 2.5, 5 × 10^k ms, at least 1 ms) that cuts `span` into at most `count` parts. */
export function tickStep(span: number, count: number): number {
  if (!(span > 0) || !(count > 0)) return 1;
  const raw = span / count;
  let power = 10 ** Math.floor(Math.log10(raw));
  for (;;) {
    for (const m of [1, 2, 2.5, 5]) if (m * power >= raw) return Math.max(1, m * power);
    power *= 10;
  }
}

/**
 * Ticks from 0 to the last point's time, each at the y the layout's points give it (linear between the two
 * points around it, so a tick sits where its moment lies between the rows drawn). Points must have
 * non-decreasing t and y (the layout keeps only those). Ticks closer than the minimum gap are left out.
 */
export function timeTicks(points: readonly TimePoint[], t0: number, wanted: number): TimeTick[] {
  if (points.length === 0) return [];
  const last = points[points.length - 1] as TimePoint;
  const span = last.t - t0;
  const ticks: TimeTick[] = [];
  const first = points[0] as TimePoint;
  if (!(span > 0)) return [{ y: first.y, label: elapsedLabel(0) }];
  const step = tickStep(span, Math.min(Math.max(1, wanted), MAX_TICKS));
  let p = 0;
  let lastY = Number.NEGATIVE_INFINITY;
  for (let k = 0; k * step <= span && ticks.length < MAX_TICKS; k++) {
    const t = t0 + k * step;
    while (p + 1 < points.length && (points[p + 1] as TimePoint).t <= t) p++;
    const a = points[p] as TimePoint;
    const b = points[p + 1];
    const y =
      b === undefined || b.t === a.t || t <= a.t ? a.y : a.y + ((t - a.t) / (b.t - a.t)) * (b.y - a.y);
    if (y - lastY < GEOMETRY.tickMinGap) continue;
    ticks.push({ y, label: elapsedLabel(k * step) });
    lastY = y;
  }
  return ticks;
}
