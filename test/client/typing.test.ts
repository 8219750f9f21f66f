/** The line client's pure helpers: the masked echo, server line assembly, the layout of explanations. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { layout, wrap } from '../../src/client/display.js';
import { ServerLines } from '../../src/client/serverLines.js';
import { maskTyped, secretFrom } from '../../src/client/typing.js';
import { bytewiseChunks, splitChunks, wholeChunks } from '../helpers/chunking.js';

describe('maskTyped: the echo and history of a typed line', () => {
  it('hides what the engine hides, as it is typed', () => {
    const cases: [string, string][] = [
      ['pass', 'pass'],
      ['pass ', 'pass '],
      ['pass h', 'pass *'],
      ['pass hungry', 'pass ******'],
      ['PASS two words', 'PASS *********'],
      ['user bob', 'user bob'],
      ['user bob hungry', 'user bob ******'],
      ['apop bob c4c9334bac560ecc979e58001b3e22fb', `apop bob ${'*'.repeat(32)}`],
      ['AUTH PLAIN AGJvYgBodW5ncnk=', `AUTH PLAIN ${'*'.repeat(16)}`],
      ['auth plain', 'auth plain'],
      ['list 1', 'list 1'],
      ['passw0rd', 'pass****'],
    ];
    for (const [typed, shown] of cases) expect(maskTyped(typed, false), typed).toBe(shown);
  });

  it('hides a whole SASL response, and never the length of a wide character wrongly', () => {
    expect(maskTyped('AGJvYgBodW5ncnk=', true)).toBe('*'.repeat(16));
    expect(maskTyped('', true)).toBe('');
    // Each character becomes as many * as the cells it takes, so readline's cursor stays where the * end.
    expect(maskTyped('pass 密码x', false)).toBe('pass *****');
    expect(secretFrom('pass 密码', false)).toBe(5);
  });

  it('never lets a typed password through, whatever it holds (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), (password) => {
        const shown = maskTyped(`PASS ${password}`, false);
        expect(shown.startsWith('PASS ')).toBe(true);
        expect(/^\**$/.test(shown.slice(5))).toBe(true);
      }),
    );
  });
});

describe('ServerLines: line assembly of server bytes', () => {
  const input = Buffer.from('+OK one\r\nbare lf\n\r\n.\r\nno end', 'latin1');
  const feed = (chunks: number[], lines = new ServerLines()) => {
    const out = [];
    let at = 0;
    for (const n of chunks) {
      out.push(...lines.push(input.subarray(at, at + n)));
      at += n;
    }
    const rest = lines.flush();
    return rest ? [...out, rest] : out;
  };

  it('gives the same lines whole, byte by byte and at random splits, with their bytes intact', () => {
    const whole = feed(wholeChunks(input.length, 0));
    expect(whole.map((l) => [l.text, l.complete])).toEqual([
      ['+OK one', true],
      ['bare lf', true],
      ['', true],
      ['.', true],
      ['no end', false],
    ]);
    expect(Buffer.concat(whole.map((l) => l.bytes)).equals(input)).toBe(true);
    expect(feed(bytewiseChunks()(input.length, 0))).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 10 }), (cuts) => {
        expect(feed(splitChunks([cuts])(input.length, 0))).toEqual(whole);
      }),
    );
  });

  it('hands a line longer than its bound on in pieces, so memory stays bounded', () => {
    const lines = new ServerLines(8);
    const out = lines.push(Buffer.from('0123456789abcdefXYZ\r\n'));
    expect(out.map((l) => [l.text, l.complete])).toEqual([
      ['01234567', false],
      ['89abcdef', false],
      ['XYZ', true],
    ]);
    expect(lines.pending).toBe(false);
  });
});

describe('layout', () => {
  it('puts explanations under "  # " and wraps them to the width; server lines are never wrapped', () => {
    expect(wrap('one two three four five six seven eight nine ten eleven', 31, '  # ')).toEqual([
      '  # one two three four five six',
      '  # seven eight nine ten eleven',
    ]);
    expect(layout({ kind: 'explain', text: 'short' }, 0)).toEqual(['  # short']);
    expect(layout({ kind: 'violation', text: 'POP3_X: y' }, 0)).toEqual(['  ! POP3_X: y']);
    const long = 'x'.repeat(200);
    expect(layout({ kind: 'server', text: long }, 40)).toEqual([long]);
  });
});
