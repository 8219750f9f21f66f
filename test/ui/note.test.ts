/** Dashboard.showNote: the demo player's notes to the class, kept until the next note. */
import { describe, expect, it } from 'vitest';
import { Dashboard } from '../../src/ui/dashboard.js';
import { MAX_NOTE_LINES, MAX_TEXT_CHARS } from '../../src/ui/limits.js';
import { reduce } from '../../src/ui/reducer.js';
import { afterCapture, live } from './helpers.js';

describe('the note (Dashboard.showNote)', () => {
  it('dispatches a note action that stays through events and keys until the next note', () => {
    const seen: string[] = [];
    const d = new Dashboard({ mode: 'live', onAction: (a) => seen.push(a.type) });
    expect(d.current.note).toBeNull();
    d.showNote('office', ['got 1, 2']);
    expect(seen).toEqual(['note']);
    expect(d.current.note).toEqual({ title: 'office', lines: ['got 1, 2'] });
    d.dispatch({ type: 'tick', now: 5 });
    d.dispatch({ type: 'help' });
    d.dispatch({ type: 'move', delta: 1 });
    expect(d.current.note).toEqual({ title: 'office', lines: ['got 1, 2'] });
    d.showNote('home', ['got nothing: the office took them']);
    expect(d.current.note).toEqual({ title: 'home', lines: ['got nothing: the office took them'] });
  });

  it('survives a whole session reduced after it', () => {
    const s = reduce(live(), { type: 'note', title: 'laptop', lines: ['empty'] });
    expect(afterCapture('seed-download-and-delete.jsonl', s).note).toEqual({
      title: 'laptop',
      lines: ['empty'],
    });
  });

  it('is bounded: lines and characters are capped, and the caller’s array is copied', () => {
    const lines = Array.from({ length: MAX_NOTE_LINES + 5 }, (_, i) => `${i}`.repeat(MAX_TEXT_CHARS + 9));
    const d = new Dashboard({ mode: 'live' });
    d.showNote('x'.repeat(MAX_TEXT_CHARS * 2), lines);
    const note = d.current.note!;
    expect(note.title).toHaveLength(MAX_TEXT_CHARS);
    expect(note.lines).toHaveLength(MAX_NOTE_LINES);
    expect(note.lines.every((l) => l.length <= MAX_TEXT_CHARS)).toBe(true);
    lines.length = 0;
    expect(d.current.note!.lines).toHaveLength(MAX_NOTE_LINES);
  });
});
