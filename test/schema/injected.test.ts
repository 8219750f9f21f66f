/**
 * The schemas and injected faults: the capture's inject record and header.faults, the JSON output's injected
 * record and summary.injected are described (closed, like every record) and a broken one is refused. The
 * record-type enums equal the code's lists (schema.test.ts checks every type; here the new ones by name).
 */
import { describe, expect, it } from 'vitest';
import { CAPTURE_RECORD_TYPES, headerRecord } from '../../src/capture/format.js';
import { JSON_RECORD_TYPES } from '../../src/render/json.js';
import {
  CAPTURE_SCHEMA,
  captureProblems,
  expectValidCapture,
  JSON_OUTPUT_SCHEMA,
  jsonOutputProblems,
} from '../helpers/schema.js';

// biome-ignore lint/suspicious/noExplicitAny: walking a JSON Schema document
type Json = any;

const header = headerRecord('test', new Date(0), {
  seed: 42,
  rules: ['RETR #1 cut 400', 'greeting greeting-err'],
});
const inject = { type: 'inject', session: 's1', t: 5, rule: 'RETR #1 cut 400', on: 'RETR 1', what: 'cut' };
const injected = {
  type: 'injected',
  session: 's1',
  version: 1,
  at: 5,
  rule: 'RETR #1 cut 400',
  on: 'RETR 1',
  what: 'cut',
};

describe('the schemas know injected faults', () => {
  it('list the new record types where the code does', () => {
    expect(CAPTURE_RECORD_TYPES).toContain('inject');
    expect((CAPTURE_SCHEMA as Json).properties.type.enum).toEqual([...CAPTURE_RECORD_TYPES]);
    expect(JSON_RECORD_TYPES).toContain('injected');
    expect((JSON_OUTPUT_SCHEMA as Json).$defs.record.properties.type.enum).toEqual([...JSON_RECORD_TYPES]);
  });

  it('accept a header with faults, an inject record and a JSON injected record', () => {
    expect(header).toMatchObject({
      faults: { seed: 42, rules: ['RETR #1 cut 400', 'greeting greeting-err'] },
    });
    expect(() => expectValidCapture([header, inject], 'a capture with faults')).not.toThrow();
    expect(captureProblems({ ...header, faults: { seed: 0, rules: [] } })).toBeNull();
    expect(jsonOutputProblems(injected)).toBeNull();
    expect(jsonOutputProblems({ ...injected, file: 'a.jsonl' })).toBeNull();
  });

  const badCapture: [string, Json][] = [
    ['an inject record without what', { ...inject, what: undefined }],
    ['an inject record with an unknown field', { ...inject, dir: 's2c' }],
    ['an inject record with a numeric rule', { ...inject, rule: 3 }],
    ['header faults with a negative seed', { ...header, faults: { seed: -1, rules: [] } }],
    ['header faults with a fractional seed', { ...header, faults: { seed: 1.5, rules: [] } }],
    ['header faults with a seed past 32 bits', { ...header, faults: { seed: 2 ** 32, rules: [] } }],
    ['header faults whose rules are not strings', { ...header, faults: { seed: 1, rules: [1] } }],
    ['header faults without rules', { ...header, faults: { seed: 1 } }],
    ['header faults with an unknown field', { ...header, faults: { seed: 1, rules: [], p: 1 } }],
  ];
  for (const [what, record] of badCapture)
    it(`capture: refuses ${what}`, () => {
      expect(captureProblems(JSON.parse(JSON.stringify(record)))).not.toBeNull();
    });

  const badJson: [string, Json][] = [
    ['an injected record without on', { ...injected, on: undefined }],
    ['an injected record with t for at', { ...injected, at: undefined, t: 5 }],
    ['an injected record with an unknown field', { ...injected, dir: 's2c' }],
  ];
  for (const [what, record] of badJson)
    it(`JSON output: refuses ${what}`, () => {
      expect(jsonOutputProblems(JSON.parse(JSON.stringify(record)))).not.toBeNull();
    });

  it('JSON output: a summary counts injected faults from 1 (absent when there were none)', () => {
    const summary: Json = (JSON_OUTPUT_SCHEMA as Json).$defs.summary;
    expect(summary.properties.injected).toMatchObject({ type: 'integer', minimum: 1 });
    expect(summary.required).not.toContain('injected');
  });
});
