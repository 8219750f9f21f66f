/**
 * The diagram as one SVG string (issue #16): a thin renderer that draws what layout.ts placed and decides
 * nothing about where. Every text is XML-escaped and made printable (control bytes as their Unicode control
 * pictures, so an odd byte in a command is seen, not lost, and the SVG stays well-formed XML); a label longer
 * than its arrow is clipped with an ellipsis, the whole of it in the arrow's <title> (the hover text).
 * The classes and data attributes are the page's handles (clicks, tests) and style.ts's selectors.
 * Browser code: imports no Node module.
 */
import { counted } from '../words.js';
import { GEOMETRY } from './geometry.js';
import { MAX_TITLE_CHARS } from './limits.js';
import type { Arrow, BodyBlock, Diagram, Marker } from './types.js';

export interface SvgOptions {
  /** The SVG's own <title> and aria-label. */
  readonly title?: string;
  /** The id of the arrow drawn as selected (class `selected`). */
  readonly selected?: string;
  /** Prefix of the ids of the arrowhead markers: several diagrams inline in one page each get their own. */
  readonly idPrefix?: string;
}

const ELLIPSIS = '\u2026';

/**
 * Text safe in XML content and attribute values: & < > " ' escaped; C0 controls and DEL shown as control
 * pictures (U+2400…, ␡), which XML 1.0 mostly forbids raw; lone surrogates and U+FFFE/U+FFFF as U+FFFD.
 */
export function xmlText(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x20) out += String.fromCodePoint(0x2400 + c);
    else if (c === 0x7f) out += '\u2421';
    else if ((c >= 0xd800 && c <= 0xdfff) || c === 0xfffe || c === 0xffff) out += '\ufffd';
    else if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"') out += '&quot;';
    else if (ch === "'") out += '&#39;';
    else out += ch;
  }
  return out;
}

/** At most `max` characters (code points, a pair never split), the last an ellipsis when cut. */
export function clipped(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}${ELLIPSIS}`;
}

/** Coordinates with one decimal at most: the SVG stays small and stable for snapshots. */
function n(x: number): string {
  return String(Math.round(x * 10) / 10);
}

function statusClass(a: Arrow): string {
  return a.status === '+OK' ? 'status-ok' : a.status === '-ERR' ? 'status-err' : 'status-none';
}

function headOf(a: Arrow, prefix: string): string {
  if (a.kind === 'injected' || a.kind === 'alter' || a.kind === 'proxy') return `${prefix}-head-pop3scope`;
  return a.status === '-ERR' ? `${prefix}-head-err` : `${prefix}-head`;
}

function arrowSvg(a: Arrow, selected: string | undefined, prefix: string): string {
  const classes = ['arrow', `kind-${a.kind}`, statusClass(a)];
  if (a.pipelined) classes.push('pipelined');
  if (a.violations.length > 0) classes.push('has-violations');
  if (a.id === selected) classes.push('selected');
  const seq = a.seq === null ? '' : ` data-seq="${n(a.seq)}"`;
  // The label fits between the lanes it joins, with a character's margin at each end.
  const room = Math.max(4, Math.floor(Math.abs(a.x2 - a.x1) / GEOMETRY.charWidth) - 2);
  const mid = (a.x1 + a.x2) / 2;
  const line = `x1="${n(a.x1)}" y1="${n(a.y1)}" x2="${n(a.x2)}" y2="${n(a.y2)}"`;
  return (
    `<g class="${classes.join(' ')}" data-arrow="${xmlText(a.id)}"${seq} data-from="${a.from}" data-to="${a.to}">` +
    `<title>${xmlText(clipped(a.label, MAX_TITLE_CHARS))}</title>` +
    `<line class="hit" ${line}/>` +
    `<line class="shaft" ${line} marker-end="url(#${headOf(a, prefix)})"/>` +
    `<text x="${n(mid)}" y="${n(Math.min(a.y1, a.y2) - 5)}" text-anchor="middle">${xmlText(clipped(a.label, room))}</text>` +
    '</g>'
  );
}

/** "912 octets · 20 lines", and "incomplete" when the connection ended before the terminating dot. */
export function bodyText(b: BodyBlock): string {
  return `${counted(b.octets, 'octet')} \u00b7 ${counted(b.lines, 'line')}${b.complete ? '' : ' \u00b7 incomplete'}`;
}

function bodySvg(a: Arrow, b: BodyBlock): string {
  const text = bodyText(b);
  const width = Math.min(Math.abs(a.x2 - a.x1) - 20, text.length * GEOMETRY.charWidth * 0.9 + 16);
  const x = (a.x1 + a.x2) / 2 - width / 2;
  const cls = b.complete ? 'body' : 'body incomplete';
  return (
    `<g class="${cls}" data-arrow="${xmlText(a.id)}">` +
    `<rect x="${n(x)}" y="${n(b.y)}" width="${n(width)}" height="${n(b.height)}" rx="3"/>` +
    `<text x="${n(x + width / 2)}" y="${n(b.y + b.height / 2 + 3.5)}" text-anchor="middle">${xmlText(text)}</text>` +
    '</g>'
  );
}

function markerSvg(m: Marker): string {
  const arrow = m.arrow === null ? '' : ` data-arrow="${xmlText(m.arrow)}"`;
  const room = Math.floor((GEOMETRY.width - m.x - 12) / (GEOMETRY.charWidth * 0.85));
  const text = clipped(`${m.code} \u00b7 ${m.rfc}`, room);
  return (
    `<g class="marker severity-${xmlText(m.severity)}" data-code="${xmlText(m.code)}"${arrow}>` +
    `<title>${xmlText(clipped(`${m.code} (${m.severity}, ${m.rfc}): ${m.message}`, MAX_TITLE_CHARS))}</title>` +
    `<circle cx="${n(m.x)}" cy="${n(m.y)}" r="4"/>` +
    `<text x="${n(m.x + 8)}" y="${n(m.y + 3.5)}">${xmlText(text)}</text>` +
    '</g>'
  );
}

/** Arrowheads sized in user units: a selected (thicker) arrow keeps the same head. */
function defs(prefix: string): string {
  const head = (id: string, cls: string) =>
    `<marker id="${id}" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse">` +
    `<path class="${cls}" d="M0,0 L10,5 L0,10 z"/></marker>`;
  return `<defs>${head(`${prefix}-head`, 'head')}${head(`${prefix}-head-err`, 'head-err')}${head(`${prefix}-head-pop3scope`, 'head-pop3scope')}</defs>`;
}

/** The diagram as a standalone `<svg>` element (valid XML; embeddable in HTML as is). */
export function renderSvg(d: Diagram, o: SvgOptions = {}): string {
  const prefix = /^[A-Za-z][\w-]*$/.test(o.idPrefix ?? '') ? (o.idPrefix as string) : 'p3s';
  const title = o.title ?? 'POP3 sequence diagram';
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="p3s-diagram" width="${n(d.width)}" height="${n(d.height)}" ` +
      `viewBox="0 0 ${n(d.width)} ${n(d.height)}" role="img" aria-label="${xmlText(title)}">`,
    `<title>${xmlText(title)}</title>`,
    defs(prefix),
  ];
  const left = 8;
  const right = d.width - 8;
  parts.push('<g class="bands">');
  for (const b of d.bands) {
    parts.push(
      `<rect class="band phase-${b.phase}" data-phase="${b.phase}" x="${left}" y="${n(b.y1)}" width="${n(right - left)}" height="${n(b.y2 - b.y1)}"/>`,
      // Top right: clear of the time ticks on the left and of the arrows' labels between the lanes.
      `<text class="band-label" data-phase="${b.phase}" x="${right - 4}" y="${n(b.y1 + 11)}" text-anchor="end">${b.phase}</text>`,
    );
  }
  parts.push('</g>');
  if (d.tls !== null) {
    const t = d.tls;
    const x = (d.lanes[0]?.x ?? left) - 14;
    const width = (d.lanes[d.lanes.length - 1]?.x ?? right) + 14 - x;
    const label = `\u{1F512} TLS (${t.how === 'stls' ? 'STLS' : 'implicit'}, ${t.visibility})`;
    parts.push(
      `<g class="tls" data-how="${t.how}" data-visibility="${t.visibility}">` +
        `<rect x="${n(x)}" y="${n(t.y1)}" width="${n(width)}" height="${n(t.y2 - t.y1)}" rx="4"/>` +
        `<text x="${n(x + width - 4)}" y="${n(t.y1 + 12)}" text-anchor="end">${xmlText(label)}</text></g>`,
    );
  }
  parts.push('<g class="ticks">');
  for (const t of d.ticks) {
    parts.push(
      `<g class="tick"><line x1="${left}" y1="${n(t.y)}" x2="${left + 56}" y2="${n(t.y)}"/>` +
        `<text x="${left + 2}" y="${n(t.y - 3)}">${xmlText(t.label)}</text></g>`,
    );
  }
  parts.push('</g>');
  for (const lane of d.lanes) {
    const w = 96;
    parts.push(
      `<g class="lane lane-${lane.lane}" data-lane="${lane.lane}">` +
        `<line class="lifeline" x1="${n(lane.x)}" y1="${GEOMETRY.headerHeight}" x2="${n(lane.x)}" y2="${n(d.height)}"/>` +
        `<g class="lane-head"><rect x="${n(lane.x - w / 2)}" y="6" width="${w}" height="${GEOMETRY.headerHeight - 12}" rx="4"/>` +
        `<text x="${n(lane.x)}" y="${n(GEOMETRY.headerHeight / 2 + 4)}" text-anchor="middle">${xmlText(lane.label)}</text></g></g>`,
    );
  }
  parts.push('<g class="arrows">');
  for (const a of d.arrows) {
    parts.push(arrowSvg(a, o.selected, prefix));
    if (a.body) parts.push(bodySvg(a, a.body));
  }
  parts.push('</g><g class="markers">');
  for (const m of d.markers) parts.push(markerSvg(m));
  parts.push('</g>');
  if (d.omitted > 0) {
    const what = `${counted(d.omitted, 'more arrow', 'more arrows')} not drawn (the diagram is cut)`;
    parts.push(
      `<text class="omitted" data-omitted="${d.omitted}" x="${n(d.width / 2)}" y="${n(d.height - 8)}" text-anchor="middle">${xmlText(what)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
