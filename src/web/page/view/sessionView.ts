/**
 * The selected session: its diagram (compact or proportional time), the detail pane of the clicked arrow
 * (its exact bytes, explanation, latency, RFC, violations), the step controls, its summary and mailbox.
 * The SVG comes from diagram/svg.ts, which escapes every text it draws; everything else is written as text.
 * Browser code.
 */
import { layoutSession } from '../../../diagram/layout.js';
import { mailboxTimeline } from '../../../diagram/mailbox.js';
import { renderSvg } from '../../../diagram/svg.js';
import type { Diagram, SessionRecords } from '../../../diagram/types.js';
import { arrowDetail } from '../detail.js';
import { MAX_DIAGRAM_ARROWS } from '../limits.js';
import { el, fill } from './dom.js';
import { mailboxTable, summaryTable } from './tables.js';

/**
 * The bytes text with ␍ and ␊ in spans of their own: the page draws them as small "CR"/"LF" boxes (page.css),
 * since many fonts have no control pictures; the text itself (copy, find, tests) keeps ␍ and ␊.
 */
function withMarks(text: string): (Node | string)[] {
  return text
    .split(/([␍␊])/)
    .filter((p) => p !== '')
    .map((p) =>
      p === '␍' || p === '␊' ? el('span', { class: 'ctl', 'data-c': p === '␍' ? 'CR' : 'LF' }, p) : p,
    );
}

export interface SessionView {
  readonly element: HTMLElement;
  show(s: SessionRecords | null): void;
  setTime(time: 'compact' | 'proportional'): void;
  /** Selects an arrow by id (a click, a step); null clears the detail. */
  select(id: string | null): void;
  /** The drawn arrows' ids, in drawing order (the steps walk them). */
  arrowIds(): readonly string[];
  /** Step mode: arrows after `index` are dimmed (-1: none is). */
  setStep(index: number): void;
}

export function sessionView(onArrow: (id: string) => void): SessionView {
  let current: SessionRecords | null = null;
  let time: 'compact' | 'proportional' = 'compact';
  let diagram: Diagram | null = null;
  let selected: string | null = null;
  let step = -1;

  const title = el('h2', { class: 'session-title', id: 'session-title' }, 'no session selected');
  const figure = el('div', { class: 'diagram', id: 'diagram' });
  const detail = el('section', { class: 'detail', id: 'detail', 'aria-live': 'polite' });
  const summary = el('section', { class: 'summary-box' });
  const mailbox = el('section', { class: 'mailbox-box' });
  const element = el(
    'main',
    { class: 'p3s-session' },
    title,
    el('div', { class: 'diagram-and-detail' }, figure, detail),
    el('h3', {}, 'Summary'),
    summary,
    el('h3', {}, 'Mailbox'),
    mailbox,
  );

  figure.addEventListener('click', (ev) => {
    const id = (ev.target as Element).closest('[data-arrow]')?.getAttribute('data-arrow');
    if (id) onArrow(id);
  });

  const drawDetail = () => {
    const d = current && selected ? arrowDetail(current, selected) : null;
    if (!d) {
      fill(
        detail,
        el('p', { class: 'hint' }, 'Click an arrow to see its bytes, what it means and how long it took.'),
      );
      return;
    }
    fill(
      detail,
      el('h3', { class: 'detail-title' }, d.title),
      el('p', { class: 'detail-what' }, d.exact ? 'bytes on the wire (redacted)' : 'as recorded (redacted)'),
      el('pre', { class: 'bytes', id: 'detail-bytes', 'data-exact': String(d.exact) }, ...withMarks(d.bytes)),
      d.omitted && el('p', { class: 'omitted' }, d.omitted),
      d.body && el('p', { class: 'body' }, d.body),
      d.explain && el('p', { class: 'explain', id: 'detail-explain' }, d.explain),
      el(
        'dl',
        {},
        el('dt', {}, 'latency'),
        el('dd', { id: 'detail-latency' }, d.latency),
        d.rfc && el('dt', {}, 'RFC'),
        d.rfc && el('dd', {}, d.rfc),
      ),
      d.violations.length > 0 &&
        el(
          'ul',
          { class: 'violations' },
          ...d.violations.map((v) =>
            el('li', { class: `severity-${v.severity}` }, `${v.code} (${v.rfc}): ${v.message}`),
          ),
        ),
    );
  };

  const drawDiagram = () => {
    if (!current) {
      figure.replaceChildren();
      diagram = null;
      return;
    }
    diagram = layoutSession(current, { time, maxArrows: MAX_DIAGRAM_ARROWS });
    const svg = renderSvg(diagram, {
      title: `session ${current.session}`,
      ...(selected ? { selected } : {}),
    });
    // renderSvg escapes every text it writes (diagram/svg.ts xmlText): this markup holds no record text raw.
    figure.innerHTML = svg;
    figure.dataset.time = time;
    if (step >= 0)
      diagram.arrows.forEach((a, i) => {
        if (i > step) figure.querySelector(`[data-arrow="${a.id}"].arrow`)?.classList.add('step-future');
      });
  };

  const draw = () => {
    title.textContent = current
      ? `Session ${current.session}${current.file ? ` — ${current.file}` : ''}${current.summary?.user ? ` — ${current.summary.user}` : ''}`
      : 'no session selected';
    drawDiagram();
    drawDetail();
    fill(summary, current && summaryTable(current));
    fill(mailbox, current && mailboxTable(current, mailboxTimeline(current)));
  };

  return {
    element,
    show(s) {
      if (s?.session !== current?.session || s?.file !== current?.file) {
        selected = null;
        step = -1;
      }
      current = s;
      draw();
    },
    setTime(t) {
      time = t;
      drawDiagram();
    },
    select(id) {
      selected = id;
      drawDiagram();
      drawDetail();
    },
    arrowIds: () => diagram?.arrows.map((a) => a.id) ?? [],
    setStep(index) {
      step = index;
      drawDiagram();
    },
  };
}
