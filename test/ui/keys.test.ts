/** The key table: what each key asks for, depending on whether a filter is being typed or the help is up. */
import { describe, expect, it } from 'vitest';
import { keyToAction } from '../../src/ui/keys.js';
import { reduce } from '../../src/ui/reducer.js';
import { type DashboardState, initialState } from '../../src/ui/state.js';

const browsing = initialState({ mode: 'live', now: 0 });
const replay = (step: boolean): DashboardState =>
  initialState({ mode: 'replay', now: 0, replay: { file: 'x.jsonl', speed: 1, step } });

describe('keys while browsing', () => {
  it.each([
    [{ name: 'up' }, { type: 'move', delta: -1 }],
    [
      { ch: 'k', name: 'k' },
      { type: 'move', delta: -1 },
    ],
    [{ name: 'down' }, { type: 'move', delta: 1 }],
    [
      { ch: 'j', name: 'j' },
      { type: 'move', delta: 1 },
    ],
    [{ name: 'pagedown' }, { type: 'move', delta: 10 }],
    [
      { ch: 'G', name: 'g', full: 'S-g' },
      { type: 'move', delta: Infinity },
    ],
    [
      { ch: 'g', name: 'g' },
      { type: 'move', delta: -Infinity },
    ],
    [
      { ch: '\t', name: 'tab', full: 'tab' },
      { type: 'focus', delta: 1 },
    ],
    [
      { name: 'tab', full: 'S-tab' },
      { type: 'focus', delta: -1 },
    ],
    [{ ch: '\r', name: 'enter', full: 'enter' }, { type: 'expand' }],
    [{ ch: '/', full: '/' }, { type: 'filterStart' }],
    [{ ch: 'f', name: 'f' }, { type: 'follow' }],
    [{ ch: ' ', name: 'space' }, { type: 'pause' }],
    [
      { ch: '+', full: '+' },
      { type: 'speed', faster: true },
    ],
    [
      { ch: '-', full: '-' },
      { type: 'speed', faster: false },
    ],
    [{ ch: '?', full: '?' }, { type: 'help' }],
    [{ ch: 'q', name: 'q' }, { type: 'quit' }],
    [{ ch: '\x03', name: 'c', full: 'C-c' }, { type: 'quit' }],
  ])('%o → %o', (key, action) => {
    expect(keyToAction(browsing, key)).toEqual(action);
  });

  it('ignores the duplicate "return" blessed sends with each Enter, and unknown keys', () => {
    expect(keyToAction(browsing, { ch: '\r', name: 'return', full: 'return' })).toBeNull();
    expect(keyToAction(browsing, { ch: 'z', name: 'z' })).toBeNull();
  });

  it('space plays the next step in a --step replay, and pauses a timed one', () => {
    expect(keyToAction(replay(true), { ch: ' ', name: 'space' })).toEqual({ type: 'step' });
    expect(keyToAction(replay(false), { ch: ' ', name: 'space' })).toEqual({ type: 'pause' });
  });
});

describe('keys while typing a filter', () => {
  const typing = reduce(reduce(browsing, { type: 'filterStart' }), { type: 'filterInput', text: 're' });

  it('letters, even q and j, are text', () => {
    expect(keyToAction(typing, { ch: 'q', name: 'q' })).toEqual({ type: 'filterInput', text: 'req' });
    expect(keyToAction(typing, { ch: 'j', name: 'j' })).toEqual({ type: 'filterInput', text: 'rej' });
  });

  it('Backspace deletes, Enter applies, Esc clears, Ctrl-C still quits', () => {
    expect(keyToAction(typing, { name: 'backspace' })).toEqual({ type: 'filterInput', text: 'r' });
    expect(keyToAction(typing, { name: 'enter' })).toEqual({ type: 'filterCommit' });
    expect(keyToAction(typing, { name: 'escape' })).toEqual({ type: 'filterCancel' });
    expect(keyToAction(typing, { name: 'c', full: 'C-c' })).toEqual({ type: 'quit' });
  });
});

describe('keys while the help is up', () => {
  const help = reduce(browsing, { type: 'help' });
  it('any key closes it; q still quits', () => {
    expect(keyToAction(help, { ch: 'x', name: 'x' })).toEqual({ type: 'help' });
    expect(reduce(help, keyToAction(help, { name: 'down' })!).help).toBe(false);
    expect(keyToAction(help, { ch: 'q', name: 'q' })).toEqual({ type: 'quit' });
  });
});
