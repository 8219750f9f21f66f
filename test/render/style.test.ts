/** THE colour decision (flag, NO_COLOR, FORCE_COLOR, terminal) and the palette built from it. */
import { describe, expect, it } from 'vitest';
import { COLOUR, PLAIN, styleFor, wantColour } from '../../src/render/style.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('wantColour', () => {
  it('colours a terminal and not a pipe when nothing is said', () => {
    expect(wantColour(undefined, tty, {})).toBe(true);
    expect(wantColour(undefined, pipe, {})).toBe(false);
    expect(wantColour(undefined, {}, {})).toBe(false);
  });

  it('NO_COLOR with any non-empty value turns colour off on a terminal; empty means unset', () => {
    for (const value of ['1', '0', 'yes', 'false', ' '])
      expect(wantColour(undefined, tty, { NO_COLOR: value }), value).toBe(false);
    expect(wantColour(undefined, tty, { NO_COLOR: '' })).toBe(true);
  });

  it('FORCE_COLOR turns colour on through a pipe, except 0 and false; empty means unset', () => {
    for (const value of ['1', '2', '3', 'true'])
      expect(wantColour(undefined, pipe, { FORCE_COLOR: value }), value).toBe(true);
    for (const value of ['0', 'false', 'FALSE'])
      expect(wantColour(undefined, tty, { FORCE_COLOR: value }), value).toBe(false);
    expect(wantColour(undefined, pipe, { FORCE_COLOR: '' })).toBe(false);
    expect(wantColour(undefined, tty, { FORCE_COLOR: '' })).toBe(true);
  });

  it('NO_COLOR wins over FORCE_COLOR', () => {
    expect(wantColour(undefined, tty, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
  });

  it('the --color/--no-color flag wins over every variable and the terminal', () => {
    expect(wantColour(true, pipe, { NO_COLOR: '1', FORCE_COLOR: '0', TERM: 'dumb' })).toBe(true);
    expect(wantColour(false, tty, { FORCE_COLOR: '1' })).toBe(false);
  });

  it('a terminal that says TERM=dumb gets no colour unless forced', () => {
    expect(wantColour(undefined, tty, { TERM: 'dumb' })).toBe(false);
    expect(wantColour(undefined, tty, { TERM: 'dumb', FORCE_COLOR: '1' })).toBe(true);
    expect(wantColour(undefined, tty, { TERM: 'xterm-256color' })).toBe(true);
  });
});

describe('styleFor', () => {
  it('colours each part of the transcript in its own SGR colour', () => {
    expect(COLOUR.client('C: x')).toBe('\x1b[36mC: x\x1b[39m');
    expect(COLOUR.server('S: x')).toBe('\x1b[32mS: x\x1b[39m');
    expect(COLOUR.error('e')).toBe('\x1b[31me\x1b[39m');
    expect(COLOUR.warn('w')).toBe('\x1b[33mw\x1b[39m');
    expect(COLOUR.dim('d')).toBe('\x1b[2md\x1b[22m');
    expect(COLOUR.bold('b')).toBe('\x1b[1mb\x1b[22m');
    expect(styleFor(true).client('x')).toBe(COLOUR.client('x'));
  });

  it('the plain style returns the text as it is', () => {
    for (const part of ['client', 'server', 'error', 'warn', 'dim', 'bold'] as const) {
      expect(PLAIN[part]('S: +OK')).toBe('S: +OK');
      expect(styleFor(false)[part]('')).toBe('');
    }
  });
});
