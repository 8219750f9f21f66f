/**
 * The published JSON Schemas (schema/*.schema.json) as a real validator (ajv, draft 2020-12) sees them,
 * compiled once per test process. Test helpers that parse pop3scope's JSON output or read back a capture a
 * test wrote pass every record through here, so any record the suite produces that the schemas do not
 * describe fails the test that produced it.
 *
 *   expectValidJsonOutput(stdout)          // JSON Lines of show/proxy/demo/check --format json
 *   expectValidCapture(readFileSync(path, 'utf8'))
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'vitest';

const load = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../schema/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

export const JSON_OUTPUT_SCHEMA = load('json-output.schema.json');
export const CAPTURE_SCHEMA = load('capture.schema.json');
export const FAULT_RUN_SCHEMA = load('fault-run.schema.json');

type Validators = { json: ValidateFunction; capture: ValidateFunction; faultRun: ValidateFunction };
let compiled: Validators | null = null;

function validators(): Validators {
  // strict: a keyword ajv does not know, or a schema it would read differently from the spec, is an error
  // (strictRequired aside: `oneOf: [{ required: ['text'] }, { required: ['b64'] }]` is the standard idiom).
  compiled ??= (() => {
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
    return {
      json: ajv.compile(JSON_OUTPUT_SCHEMA),
      capture: ajv.compile(CAPTURE_SCHEMA),
      faultRun: ajv.compile(FAULT_RUN_SCHEMA),
    };
  })();
  return compiled;
}

/** What is wrong with one record, one error a line, or null when it is valid. */
function problems(validate: ValidateFunction, record: unknown): string | null {
  if (validate(record)) return null;
  return (validate.errors ?? [])
    .map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`)
    .join('\n');
}

/** Errors for a JSON output record (null when valid). */
export const jsonOutputProblems = (record: unknown) => problems(validators().json, record);
/** Errors for a capture record (null when valid). */
export const captureProblems = (record: unknown) => problems(validators().capture, record);
/** Errors for a line of `faults run --format json` (null when valid). */
export const faultRunProblems = (record: unknown) => problems(validators().faultRun, record);

type Lines = string | readonly (string | object)[];

/** Records from JSON Lines text, an array of lines, or an array of parsed records (blank lines skipped). */
function records(input: Lines): unknown[] {
  const items = typeof input === 'string' ? input.split('\n') : input;
  return items
    .filter((l) => typeof l !== 'string' || l.trim() !== '')
    .map((l) => (typeof l === 'string' ? JSON.parse(l) : l));
}

function expectAll(kind: string, check: (r: unknown) => string | null, all: unknown[], what: string): void {
  all.forEach((record, i) => {
    const wrong = check(record);
    if (wrong)
      expect.fail(
        `${what}: record ${i + 1} does not match the ${kind} schema:\n${wrong}\n${JSON.stringify(record).slice(0, 2000)}`,
      );
  });
}

/** Every record is valid JSON output (schema/json-output.schema.json). */
export function expectValidJsonOutput(lines: Lines, what = 'JSON output'): void {
  expectAll('JSON output', jsonOutputProblems, records(lines), what);
}

/** Every line is a valid `faults run --format json` record (schema/fault-run.schema.json). */
export function expectValidFaultRuns(lines: Lines, what = 'faults run --format json'): void {
  expectAll('fault-run', faultRunProblems, records(lines), what);
}

/**
 * Every record is a valid capture record (schema/capture.schema.json) and, for a whole file (the default), the
 * first is its header. Pass `whole: false` for records without their header.
 */
export function expectValidCapture(lines: Lines, what = 'capture', whole = true): void {
  const all = records(lines);
  if (whole)
    expect((all[0] as { type?: unknown } | undefined)?.type, `${what}: the first record`).toBe('header');
  expectAll('capture', captureProblems, all, what);
}
