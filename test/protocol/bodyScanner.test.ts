/**
 * The body scanner against a plain reference: the wire body split into lines with split('\n'), each line
 * judged on its own. The scanner has a fast path for lines wholly inside a chunk and a slow path for lines
 * split across chunks, so every input is fed whole, byte by byte and at random splits, and must agree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyScanner } from '../../src/protocol/bodyScanner.js';
import { BODY_PREVIEW_OCTETS } from '../../src/protocol/limits.js';

interface Expected {
  end: number;
  octets: number;
  lines: number;
  bareLF: number;
  unstuffedDots: number;
  headerLines: number;
  complete: boolean;
}

function reference(wire: Buffer): Expected {
  const r: Expected = {
    end: wire.length,
    octets: 0,
    lines: 0,
    bareLF: 0,
    unstuffedDots: 0,
    headerLines: -1,
    complete: false,
  };
  let pos = 0;
  while (pos < wire.length) {
    const lf = wire.indexOf(0x0a, pos);
    if (lf === -1) break; // an unfinished line counts nowhere until it ends
    const line = wire.subarray(pos, lf).toString('latin1');
    pos = lf + 1;
    const crlf = line.endsWith('\r');
    const content = crlf ? line.slice(0, -1) : line;
    if (!crlf) r.bareLF++;
    if (content === '.') {
      r.complete = true;
      r.end = pos;
      return r;
    }
    const stuffed = content.startsWith('.');
    if (stuffed && content[1] !== '.') r.unstuffedDots++;
    if (content === '' && r.headerLines === -1) r.headerLines = r.lines;
    r.lines++;
    r.octets += content.length - (stuffed ? 1 : 0) + 2;
  }
  return r;
}

function scan(wire: Buffer, cuts: number[]): Expected & { wireOctets: number; preview: Buffer } {
  const scanner = new BodyScanner();
  let offset = 0;
  let end = wire.length;
  const bounds = [0, ...cuts.filter((c) => c > 0 && c < wire.length).sort((a, b) => a - b), wire.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const chunk = wire.subarray(bounds[i], bounds[i + 1]);
    const stop = scanner.push(chunk, 0);
    if (scanner.stats.complete) {
      end = offset + stop;
      break;
    }
    offset += chunk.length;
  }
  if (!scanner.stats.complete) scanner.close();
  const { octets, lines, bareLF, unstuffedDots, headerLines, complete, wireOctets, preview } = scanner.stats;
  return { end, octets, lines, bareLF, unstuffedDots, headerLines, complete, wireOctets, preview };
}

const piece = fc.constantFrom(
  'a',
  'bc',
  '.',
  '..',
  '\r',
  '\n',
  '\r\n',
  '\r\n.',
  '.\r\n',
  '\r\n.\r\n',
  '\r\n\r\n',
  ' ',
  'é',
);
const bodies = fc.array(piece, { maxLength: 60 }).map((p) => Buffer.from(p.join(''), 'utf8'));

describe('BodyScanner', () => {
  it('agrees with the reference whole, byte by byte and at random splits', () => {
    fc.assert(
      fc.property(bodies, fc.array(fc.nat(400), { maxLength: 8 }), (wire, cuts) => {
        const want = reference(wire);
        for (const split of [[], [...Array(wire.length).keys()], cuts]) {
          const got = scan(wire, split);
          expect({ ...got, wireOctets: undefined, preview: undefined }).toEqual({
            ...want,
            wireOctets: undefined,
            preview: undefined,
          });
          expect(got.wireOctets).toBe(want.end);
          expect(got.preview.equals(wire.subarray(0, Math.min(want.end, BODY_PREVIEW_OCTETS)))).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a realistic body in 64 KiB chunks: headers, stuffed lines, the terminator and what follows it', () => {
    const line = 'The quick brown fox jumps over the lazy dog 0123456789\r\n';
    const body = `From: a@b\r\nSubject: x\r\n\r\n${`${line}..stuffed\r\n`.repeat(5000)}.\r\n+OK next\r\n`;
    const wire = Buffer.from(body, 'latin1');
    const cuts = Array.from({ length: Math.floor(wire.length / 65536) }, (_, i) => (i + 1) * 65536);
    const got = scan(wire, cuts);
    expect(got.complete).toBe(true);
    expect(got.end).toBe(wire.length - '+OK next\r\n'.length);
    expect(got.lines).toBe(3 + 10000);
    expect(got.headerLines).toBe(2);
    expect(got.octets).toBe(got.end - 3 - 5000);
  });
});
