/**
 * Screen text as data: a row is a list of spans, each with a tone (client, server, error, ...). The views
 * build rows; the widgets turn tones into terminal colours. Also the small formatters (sizes, durations) and
 * width-aware clipping and wrapping. Pure.
 */
import stringWidth from 'string-width';
import { WIDTH_MEMO_ENTRIES, WIDTH_MEMO_MAX_CHARS } from './limits.js';

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

/** What a pane draws: its label and exactly the rows that fit, plus the scroll position to remember. */
export interface PaneView {
  readonly label: string;
  readonly rows: readonly Row[];
  readonly top: number;
}

export const span = (text: string, tone?: Tone): Span => (tone ? { text, tone } : { text });
export const row = (...spans: Span[]): Row => ({ spans });
export const plainRow = (text: string, tone?: Tone): Row => ({ spans: [span(text, tone)] });

// Plain ASCII is the dashboard's usual text and takes one cell a character: measured by its length, because
// cells() runs for every span of every row of every frame and string-width segments graphemes (far slower).
const ASCII = /^[\x00-\x7f]*$/;
// Text that string-width would strip as terminal escapes is text here, shown as it is: count it.
const MEASURE = { countAnsiEscapeCodes: true } as const;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** `compute`, remembered for up to WIDTH_MEMO_ENTRIES strings (see limits.ts). */
function remembered<T>(compute: (s: string) => T): (s: string) => T {
  const memo = new Map<string, T>();
  return (s) => {
    if (s.length > WIDTH_MEMO_MAX_CHARS) return compute(s);
    let value = memo.get(s);
    if (value === undefined) {
      if (memo.size >= WIDTH_MEMO_ENTRIES) memo.clear();
      value = compute(s);
      memo.set(s, value);
    }
    return value;
  };
}

const width = remembered((s) => stringWidth(s, MEASURE));

/**
 * Terminal cells a string takes: string-width's rules (East Asian wide characters and emoji two cells,
 * combining marks and zero-width characters none), one a character for ASCII.
 */
export function cells(s: string): number {
  return ASCII.test(s) ? s.length : width(s);
}

/** Non-ASCII clips by the width last asked for each string: a pane clips the same rows to its width every frame. */
const clips = new Map<string, { readonly width: number; readonly text: string }>();

/** Cuts a string to at most `width` cells, ending in '…' when cut; never inside a grapheme (e + U+0301). */
export function clipText(s: string, width: number): string {
  if (width <= 0) return '';
  if (cells(s) <= width) return s;
  if (ASCII.test(s)) return `${s.slice(0, width - 1)}…`;
  const known = clips.get(s);
  if (known?.width === width) return known.text;
  let out = '';
  let n = 0;
  for (const { segment } of graphemes.segment(s)) {
    const w = cells(segment);
    if (n + w > width - 1) break;
    out += segment;
    n += w;
  }
  const text = `${out}…`;
  if (s.length <= WIDTH_MEMO_MAX_CHARS) {
    if (clips.size >= WIDTH_MEMO_ENTRIES) clips.clear();
    clips.set(s, { width, text });
  }
  return text;
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
