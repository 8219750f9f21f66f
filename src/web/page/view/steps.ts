/**
 * Step controls (config.steps, replay --web, or ?steps=1): previous / play / next through the selected
 * session's arrows, one highlighted at a time and its detail shown, the later ones dimmed; keys → and ←.
 * Browser code.
 */
import { STEP_PLAY_MS } from '../limits.js';
import { el } from './dom.js';
import type { SessionView } from './sessionView.js';

export interface StepControls {
  readonly element: HTMLElement;
  /** A new session was selected: back to before its first arrow. */
  reset(): void;
}

export function stepControls(view: SessionView): StepControls {
  let index = -1;
  let timer: ReturnType<typeof setInterval> | null = null;
  const where = el('span', { class: 'step-where', id: 'step-where' });
  const prev = el('button', { type: 'button', id: 'step-prev', title: 'previous arrow (←)' }, '◀ previous');
  const play = el('button', { type: 'button', id: 'step-play' }, '▶ play');
  const next = el('button', { type: 'button', id: 'step-next', title: 'next arrow (→)' }, 'next ▶');
  const element = el('div', { class: 'steps controls', id: 'steps' }, prev, play, next, where);

  const go = (to: number) => {
    const ids = view.arrowIds();
    index = Math.max(-1, Math.min(ids.length - 1, to));
    view.setStep(index);
    view.select(index >= 0 ? ids[index]! : null);
    where.textContent = `${index + 1} / ${ids.length}`;
    if (index >= ids.length - 1) stop();
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = null;
    play.textContent = '▶ play';
  };

  prev.addEventListener('click', () => go(index - 1));
  next.addEventListener('click', () => go(index + 1));
  play.addEventListener('click', () => {
    if (timer) return stop();
    if (index >= view.arrowIds().length - 1) go(-1);
    play.textContent = '⏸ pause';
    timer = setInterval(() => go(index + 1), STEP_PLAY_MS);
  });
  document.addEventListener('keydown', (ev) => {
    const target = ev.target as Element | null;
    if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) return;
    if (ev.key === 'ArrowRight') go(index + 1);
    else if (ev.key === 'ArrowLeft') go(index - 1);
    else return;
    ev.preventDefault();
  });

  return {
    element,
    reset() {
      stop();
      index = -1;
      where.textContent = `0 / ${view.arrowIds().length}`;
    },
  };
}
