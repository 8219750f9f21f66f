/**
 * The sequence diagram's layout: a session's records in, positioned shapes out (types.ts). Pure and linear in
 * the records: no DOM, no measuring of text (labels are clipped by the renderer from GEOMETRY.charWidth).
 *
 * Rows go top to bottom in drawing order (order.ts). Compact time gives every arrow a row of its own;
 * proportional time puts a row at its moment (startedAt of a command, endedAt of a response, `at` of the
 * others) scaled to a sensible height, but never closer to the previous row than a row, so labels never
 * overlap; the ticks then show where the moments fell.
 */
import type { Phase } from '../analysis/types.js';
import type { JsonTransactionRecord, JsonViolation } from '../render/json.js';
import { GEOMETRY } from './geometry.js';
import { MAX_ARROWS, MAX_MARKERS_PER_ARROW, MAX_SESSION_MARKERS } from './limits.js';
import { drawingOrderUpTo, type Element, hasResponse } from './order.js';
import { type TimePoint, timeTicks } from './timeAxis.js';
import type {
  Arrow,
  BodyBlock,
  Diagram,
  DiagramOptions,
  Lane,
  LaneShape,
  Marker,
  PhaseBand,
  SessionRecords,
  TlsBand,
} from './types.js';

const G = GEOMETRY;
/** Bands and the TLS band start under the lane labels. */
const BANDS_TOP = G.headerHeight + 4;

type ArrowElement = Extract<Element, { kind: 'command' | 'response' | 'proxy' | 'injected' | 'alter' }>;

function isArrow(e: Element): e is ArrowElement {
  return e.kind !== 'phase' && e.kind !== 'tls' && e.kind !== 'violation';
}

/** The status a line of pop3scope's own begins with. */
function statusOf(text: string): '+OK' | '-ERR' | null {
  return text.startsWith('+OK') ? '+OK' : text.startsWith('-ERR') ? '-ERR' : null;
}

/** What a response arrow says: "+OK 2 messages", "-ERR [SYS/TEMP] busy", "(no status) garbage". */
export function responseLabel(tx: JsonTransactionRecord): string {
  const r = tx.response;
  const parts = [r.status ?? (r.text === '' ? '(no response)' : '(no status)')];
  if (r.code !== null) parts.push(`[${r.code}]`);
  if (r.text !== '') parts.push(r.text);
  return parts.join(' ');
}

function withoutLineEnd(text: string): string {
  return text.replace(/[\r\n]+$/, '');
}

interface ArrowBase {
  readonly id: string;
  readonly kind: Arrow['kind'];
  readonly seq: number | null;
  readonly from: Lane;
  readonly to: Lane;
  readonly label: string;
  readonly status: Arrow['status'];
  readonly pipelined: boolean;
  readonly violations: readonly JsonViolation[];
  readonly multiline: JsonTransactionRecord['response'] | null;
}

/** Who an element's arrow goes from and to, and what it says; its y is the layout's business. */
function arrowBase(e: ArrowElement): ArrowBase {
  const none = { violations: [], multiline: null, pipelined: false } as const;
  switch (e.kind) {
    case 'command': {
      const tx = e.tx;
      const unanswered = !hasResponse(tx);
      return {
        id: `c${tx.seq}`,
        kind: 'command',
        seq: tx.seq,
        from: 'client',
        to: 'server',
        label: tx.command?.line ?? '',
        status: null,
        pipelined: tx.command?.pipelined === true,
        // Nothing answered it: its violations (POP3_NO_RESPONSE) sit on the command.
        violations: unanswered ? tx.violations : [],
        multiline: null,
      };
    }
    case 'response': {
      const tx = e.tx;
      const r = tx.response;
      return {
        ...none,
        id: `r${tx.seq}`,
        kind: 'response',
        seq: tx.seq,
        from: 'server',
        to: 'client',
        label: responseLabel(tx),
        status: r.status,
        violations: tx.violations,
        multiline: r.multiline ? r : null,
      };
    }
    case 'proxy': {
      const text = withoutLineEnd(e.record.text);
      const toServer = e.record.dir === 'c2s';
      const base = {
        ...none,
        id: `p${e.i}`,
        kind: 'proxy' as const,
        seq: null,
        label: text,
        status: statusOf(text),
      };
      return { ...base, from: 'pop3scope', to: toServer ? 'server' : 'client' };
    }
    case 'injected':
      return {
        ...none,
        id: `i${e.i}`,
        kind: 'injected',
        seq: null,
        from: 'pop3scope',
        to: 'client',
        label: e.record.what,
        status: null,
      };
    case 'alter':
      // Bytes a side sent that pop3scope kept back: the arrow stops at pop3scope's lane.
      return {
        ...none,
        id: `a${e.i}`,
        kind: 'alter',
        seq: null,
        from: e.record.dir === 'c2s' ? 'client' : 'server',
        to: 'pop3scope',
        label: e.record.what,
        status: null,
      };
  }
}

function laneShapes(withPop3scope: boolean): LaneShape[] {
  const lanes: LaneShape[] = [{ lane: 'client', x: G.laneX.client, label: 'client' }];
  if (withPop3scope) lanes.push({ lane: 'pop3scope', x: G.laneX.pop3scope, label: 'pop3scope' });
  lanes.push({ lane: 'server', x: G.laneX.server, label: 'server' });
  return lanes;
}

/** Where the cut falls: the elements before the (maxArrows + 1)-th arrow. */
function cut(order: readonly Element[], maxArrows: number): number {
  let arrows = 0;
  for (let k = 0; k < order.length; k++) {
    if (!isArrow(order[k] as Element)) continue;
    if (arrows === maxArrows) return k;
    arrows++;
  }
  return order.length;
}

function validMax(x: number | undefined): number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : MAX_ARROWS;
}

/** Lays out one session. Never throws on records it cannot make sense of: it draws what it can. */
export function layoutSession(s: SessionRecords, o: Partial<DiagramOptions> = {}): Diagram {
  const proportional = o.time === 'proportional';
  const maxArrows = validMax(o.maxArrows);
  // One peer arrow beyond the cut is enough to know where the cut falls.
  const { elements: order, arrows: total } = drawingOrderUpTo(s, maxArrows + 1);
  const end = cut(order, maxArrows);
  const withPop3scope = s.proxy.length + s.injected.length + s.alter.length > 0;
  const lanes = laneShapes(withPop3scope);
  const x = (lane: Lane) => G.laneX[lane];

  // Proportional: the drawn elements' time span, scaled to a height that grows with the arrows, clamped.
  let t0 = Number.POSITIVE_INFINITY;
  let t1 = Number.NEGATIVE_INFINITY;
  let drawnArrows = 0;
  for (let k = 0; k < end; k++) {
    const e = order[k] as Element;
    if (isArrow(e)) drawnArrows++;
    if (!Number.isFinite(e.t)) continue;
    if (e.t < t0) t0 = e.t;
    if (e.t > t1) t1 = e.t;
  }
  const span = Math.min(
    G.proportionalMaxSpan,
    Math.max(G.proportionalMinSpan, drawnArrows * G.proportionalPerArrow),
  );
  const scale = t1 > t0 ? span / (t1 - t0) : 0;
  const at = (t: number) => (Number.isFinite(t) && t > t0 ? G.top + (t - t0) * scale : G.top);
  /** The top of the next row: right after the previous one, or at its moment (proportional). */
  const rowTop = (cursor: number, t: number) => (proportional ? Math.max(cursor, at(t)) : cursor);

  const arrows: Arrow[] = [];
  const markers: Marker[] = [];
  const boundaries: { phase: Phase; from: Phase | null; y: number }[] = [];
  const points: TimePoint[] = [];
  let tls: { how: TlsBand['how']; visibility: TlsBand['visibility']; y: number } | null = null;
  let sessionMarkers = 0;
  let cursor: number = G.top;
  const markerX = G.laneX.server + G.markerOffset;

  for (let k = 0; k < end; k++) {
    const e = order[k] as Element;
    if (e.kind === 'phase') {
      cursor = rowTop(cursor, e.t);
      boundaries.push({ phase: e.record.to, from: e.record.from, y: cursor });
      continue;
    }
    if (e.kind === 'tls') {
      cursor = rowTop(cursor, e.t);
      tls ??= { how: e.record.how, visibility: e.record.visibility, y: cursor };
      continue;
    }
    if (e.kind === 'violation') {
      if (sessionMarkers >= MAX_SESSION_MARKERS) continue;
      sessionMarkers++;
      const top = rowTop(cursor, e.t);
      const { code, severity, rfc, message } = e.record;
      markers.push({
        code,
        severity,
        rfc,
        message,
        arrow: null,
        x: markerX,
        y: top + G.sessionMarkerRow / 2,
      });
      cursor = top + G.sessionMarkerRow;
      continue;
    }
    const base = arrowBase(e);
    const y1 = rowTop(cursor, e.t) + G.labelAbove;
    const y2 = y1 + (base.pipelined ? G.pipelinedSlant : G.slant);
    let bottom = y2;
    let body: BodyBlock | undefined;
    if (base.multiline !== null) {
      const r = base.multiline;
      body = {
        octets: r.bodyOctets,
        lines: r.bodyLines,
        complete: r.complete,
        y: y2 + G.bodyGap,
        height: G.bodyHeight,
      };
      bottom = body.y + body.height;
    }
    const shown = base.violations.slice(0, MAX_MARKERS_PER_ARROW);
    shown.forEach(({ code, severity, rfc, message }, i) => {
      markers.push({ code, severity, rfc, message, arrow: base.id, x: markerX, y: y1 + i * G.markerLine });
    });
    if (shown.length > 0)
      bottom = Math.max(bottom, y1 + (shown.length - 1) * G.markerLine + G.markerLine / 2);
    arrows.push({
      id: base.id,
      kind: base.kind,
      seq: base.seq,
      from: base.from,
      to: base.to,
      x1: x(base.from),
      y1,
      x2: x(base.to),
      y2,
      label: base.label,
      status: base.status,
      pipelined: base.pipelined,
      ...(body ? { body } : {}),
      violations: base.violations.map((v) => v.code),
    });
    const last = points[points.length - 1];
    if (Number.isFinite(e.t) && (last === undefined || e.t > last.t)) points.push({ t: e.t, y: y1 });
    cursor = bottom + G.rowGap;
  }

  const height = cursor + G.bottomPad;
  return {
    width: G.width,
    height,
    lanes,
    bands: phaseBands(boundaries, height),
    tls: tls === null ? null : { ...tls, y1: tls.how === 'implicit' ? BANDS_TOP : tls.y, y2: height },
    arrows,
    markers,
    ticks: proportional ? timeTicks(points, t0, Math.round(span / 80)) : [],
    omitted: total - arrows.length,
  };
}

/** A band from each phase change to the next (or the end); the first from the top, greeting included. */
function phaseBands(boundaries: readonly { phase: Phase; from: Phase | null; y: number }[], end: number) {
  const bands: PhaseBand[] = [];
  const first = boundaries[0];
  // A session seen from its middle (a live page's bounded backlog): the phase before the first change.
  if (first !== undefined && first.from !== null && first.y > BANDS_TOP) {
    bands.push({ phase: first.from, y1: BANDS_TOP, y2: first.y });
  }
  boundaries.forEach((b, i) => {
    const y1 = i === 0 && b.from === null ? BANDS_TOP : b.y;
    const y2 = boundaries[i + 1]?.y ?? end;
    if (y2 > y1) bands.push({ phase: b.phase, y1, y2 });
  });
  return bands;
}
