/**
 * Screen text as data: a row is a list of spans, each with a tone (client, server, error, ...). The views
 * build rows; the widgets turn tones into terminal colours. Also the small formatters (sizes, durations) and
 * width-aware clipping and wrapping. Pure.
 */

export type Tone =
  | 'client'
  | 'server'
  | 'error'
  | 'warn'
  | 'dim'
  | 'bold'
  | 'head'
  | 'accent'
  | 'ok'
  | 'current'
  | 'todo';

export interface Span {
  readonly text: string;
  readonly tone?: Tone;
}

export interface Row {
  readonly spans: readonly Span[];
  /** Under the cursor: drawn inverse when the pane has the focus. */
  readonly selected?: boolean;
}

export const span = (text: string, tone?: Tone): Span => (tone ? { text, tone } : { text });
export const row = (...spans: Span[]): Row => ({ spans });
export const plainRow = (text: string, tone?: Tone): Row => ({ spans: [span(text, tone)] });

// East Asian wide characters and emoji take two cells.
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u;

/** Terminal cells a string takes. */
export function cells(s: string): number {
  let n = 0;
  for (const ch of s) n += WIDE.test(ch) ? 2 : 1;
  return n;
}

/** Cuts a string to at most `width` cells, ending in '…' when cut. */
export function clipText(s: string, width: number): string {
  if (width <= 0) return '';
  if (cells(s) <= width) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    const w = WIDE.test(ch) ? 2 : 1;
    if (n + w > width - 1) break;
    out += ch;
    n += w;
  }
  return `${out}…`;
}

/** Pads (or clips) to exactly `width` cells, on the left for numbers. */
export function padTo(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const c = clipText(s, width);
  const pad = ' '.repeat(Math.max(0, width - cells(c)));
  return align === 'left' ? c + pad : pad + c;
}

/** Clips a row's spans to `width` cells in total. */
export function clipRow(r: Row, width: number): Row {
  let left = width;
  const spans: Span[] = [];
  for (const s of r.spans) {
    if (left <= 0) break;
    const c = cells(s.text);
    if (c <= left) {
      spans.push(s);
      left -= c;
    } else {
      spans.push({ ...s, text: clipText(s.text, left) });
      left = 0;
    }
  }
  return { ...r, spans };
}

/** Word-wraps text to `width` cells; words longer than a line are cut. */
export function wrap(text: string, width: number): string[] {
  if (width <= 1) return [clipText(text, width)];
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (cells(candidate) <= width) {
      line = candidate;
      continue;
    }
    if (line) out.push(line);
    line = cells(word) > width ? clipText(word, width) : word;
  }
  if (line) out.push(line);
  return out.length ? out : [''];
}

/** Octets in at most 6 cells: 912, 9876, 12.3k, 123k, 1.2M, 12.3G. */
export function fmtBytes(n: number): string {
  if (n < 10_000) return String(Math.round(n));
  const units = ['k', 'M', 'G', 'T'];
  let v = n / 1000;
  for (const u of units) {
    if (v < 100) return `${v.toFixed(1)}${u}`;
    if (v < 1000) return `${Math.round(v)}${u}`;
    v /= 1000;
  }
  return `${Math.round(v)}P`;
}

/** A duration in at most 6 cells: 0.04s, 6.9s, 1m05s, 2h03m, 3d04h. */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 1) return `${s.toFixed(2)}s`;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** A time since the session began: +0.04s, +6.94s, +1m05s. */
export function fmtOffset(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  return s < 60 ? `+${s.toFixed(2)}s` : `+${fmtDuration(ms)}`;
}

/** Which rows of a list to show so that rows from..to stay visible, scrolling as little as possible. */
export function keepVisible(
  prevTop: number,
  from: number,
  to: number,
  height: number,
  total: number,
): number {
  if (height <= 0) return 0;
  let top = Math.max(0, Math.min(prevTop, Math.max(0, total - height)));
  if (to >= top + height) top = to - height + 1;
  if (from < top) top = from;
  return Math.max(0, Math.min(top, Math.max(0, total - height)));
}
