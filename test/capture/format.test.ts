/** Data records of capture format v1: readable text for clean UTF-8, base64 otherwise, bytes exact either way. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CAPTURE_FORMAT,
  CAPTURE_VERSION,
  type DataRecord,
  dataBytes,
  dataRecord,
  headerRecord,
} from '../../src/capture/format.js';

const viaJson = (r: DataRecord): DataRecord => JSON.parse(JSON.stringify(r)) as DataRecord;

describe('dataRecord', () => {
  it('uses text for clean UTF-8, line endings, tabs and non-ASCII included', () => {
    for (const text of ['+OK ready\r\n', 'a\tb\n', 'Grüße, 日本 €\r\n', '']) {
      const r = dataRecord('s1', 5, 'c2s', Buffer.from(text, 'utf8'));
      expect(r).toEqual({ type: 'data', session: 's1', t: 5, dir: 'c2s', text });
      expect(r.b64).toBeUndefined();
    }
  });

  it('uses base64 for invalid UTF-8 and for control characters', () => {
    const cases = [
      Buffer.from([0xff, 0xfe]),
      Buffer.from('a\x00b'),
      Buffer.from('\x1b[31m'),
      Buffer.from('x\x7f'),
      Buffer.from('\x16\x03\x01'),
      Buffer.from([0xc3]),
    ];
    for (const bytes of cases) {
      const r = dataRecord('s1', 5, 's2c', bytes);
      expect(r.text).toBeUndefined();
      expect(r.b64).toBe(bytes.toString('base64'));
      expect(dataBytes(r)).toEqual(bytes);
    }
  });

  it('round-trips any bytes exactly, through JSON', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const back = dataBytes(viaJson(dataRecord('s', 1, 'c2s', bytes)));
        expect(back.equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips any text exactly, and keeps clean text readable', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        const bytes = Buffer.from(text, 'utf8');
        const r = dataRecord('s', 1, 's2c', bytes);
        expect(dataBytes(viaJson(r)).equals(bytes)).toBe(true);
        if (!/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text)) expect(r.text).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('reads only the view it is given, not the whole underlying buffer', () => {
    const backing = Buffer.from('XXXX+OK\r\nYYYY\xff', 'latin1');
    expect(dataRecord('s', 1, 's2c', backing.subarray(4, 9)).text).toBe('+OK\r\n');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 13, 1);
    expect(dataBytes(dataRecord('s', 1, 's2c', view))).toEqual(Buffer.from([0xff]));
  });
});

describe('headerRecord', () => {
  it('names the format, the version, the tool and the time', () => {
    expect(headerRecord('0.1.0', new Date('2026-03-02T09:15:00Z'))).toEqual({
      type: 'header',
      format: CAPTURE_FORMAT,
      version: CAPTURE_VERSION,
      createdAt: '2026-03-02T09:15:00.000Z',
      tool: 'pop3scope 0.1.0',
    });
  });
});
