/**
 * dataLine (src/capture/dataLine.ts) writes a data record's line from the bytes, on the relay's path; it must
 * be exactly what JSON.stringify of dataRecord() gives, for text and binary chunks, short and long (format.ts
 * checks the two sizes differently), with every character that needs escaping and any UTF-8.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dataLine } from '../../src/capture/dataLine.js';
import { dataRecord } from '../../src/capture/format.js';
import { DATA_LINE_PIECE_OCTETS } from '../../src/capture/limits.js';

const expected = (session: string, t: number, dir: 'c2s' | 's2c', bytes: Uint8Array) =>
  Buffer.from(`${JSON.stringify(dataRecord(session, t, dir, bytes))}\n`, 'utf8');

/** Text made of what mail holds and what JSON escapes: CRLF, bare CR and LF, TAB, quotes, backslashes, UTF-8. */
const piece = fc.constantFrom(
  '\r\n',
  '\r',
  '\n',
  '\t',
  '"',
  '\\',
  '..',
  'a',
  'Grüße',
  '€',
  '𝄞',
  ' ',
  '\x7f',
  '\x01',
);
const mailText = fc.array(piece, { maxLength: 400 }).map((parts) => Buffer.from(parts.join(''), 'utf8'));
const dir = fc.constantFrom<'c2s' | 's2c'>('c2s', 's2c');
const session = fc.oneof(fc.constantFrom('s1', 's12#2'), fc.string({ maxLength: 8 }));
const t = fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.double({ noNaN: true, noDefaultInfinity: true }));

describe('dataLine', () => {
  it('is the line JSON.stringify gives, for text and binary of any size', () => {
    fc.assert(
      fc.property(
        session,
        t,
        dir,
        fc.oneof(mailText, fc.uint8Array({ maxLength: 2000 })),
        fc.nat(3),
        (s, time, d, bytes, repeat) => {
          // Repeating crosses the size above which control bytes are searched for one by one.
          const chunk = Buffer.concat(Array.from({ length: repeat + 1 }, () => bytes));
          expect(dataLine(s, time, d, chunk).toString('latin1')).toBe(
            expected(s, time, d, chunk).toString('latin1'),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('writes a mail body chunk as text, a chunk with other control bytes as base64', () => {
    const body = Buffer.from('From: a@b\r\n\r\n..dot "quoted" back\\slash\ttab\r\n'.repeat(40));
    expect(JSON.parse(dataLine('s1', 1, 's2c', body).toString('utf8'))).toEqual({
      type: 'data',
      session: 's1',
      t: 1,
      dir: 's2c',
      text: body.toString('utf8'),
    });
    const binary = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x0a]);
    expect(JSON.parse(dataLine('s1', 1, 'c2s', binary).toString('utf8')).b64).toBe(binary.toString('base64'));
  });

  it('is the same line for a chunk larger than the pieces it is made in, whatever falls on their edges', () => {
    const P = DATA_LINE_PIECE_OCTETS;
    // Text with an escape, a CRLF or a UTF-8 sequence across every edge; binary at sizes around multiples.
    for (const across of ['\r\n', '""', '\\\\', '\t\t', 'é€😀']) {
      const edge = Buffer.from(across, 'utf8');
      for (const shift of [-2, -1, 0, 1]) {
        const head = Buffer.alloc(P + shift - Math.floor(edge.length / 2), 'a');
        const chunk = Buffer.concat([head, edge, Buffer.alloc(P, 'b'), edge, Buffer.from('tail\r\n')]);
        expect(dataLine('s1', 3, 's2c', chunk).equals(expected('s1', 3, 's2c', chunk))).toBe(true);
      }
    }
    for (const size of [2 * P - 1, 2 * P, 2 * P + 1, 4 * P + 2]) {
      const binary = Buffer.alloc(size);
      for (let i = 0; i < size; i++) binary[i] = (i * 7 + 3) & 0xff;
      expect(dataLine('s1', 3, 's2c', binary).equals(expected('s1', 3, 's2c', binary))).toBe(true);
    }
  });

  it('keeps the bytes of a chunk it is given as a view into a larger buffer', () => {
    const pool = Buffer.from('xxxx+OK 2 octets\r\nyyyy');
    const view = new Uint8Array(pool.buffer, pool.byteOffset + 4, 14);
    expect(dataLine('s1', 2, 's2c', view).equals(expected('s1', 2, 's2c', view))).toBe(true);
  });
});
