// schema/fault-run.schema.json describes every line of `faults run --format json` (matrixRecord), and can fail.
import { describe, expect, it } from 'vitest';
import { matrixRecord } from '../../src/cli/faultsRun.js';
import { classifyRun } from '../../src/faults/matrix.js';
import { expectValidFaultRuns, FAULT_RUN_SCHEMA, faultRunProblems } from '../helpers/schema.js';

const baseline = matrixRecord(
  {
    row: classifyRun({ rule: null, events: [], exit: { code: 0, signal: null, timedOut: false } }),
    stderrTail: '',
  },
  7,
);

describe('the fault-run schema', () => {
  it('requires exactly the fields matrixRecord writes', () => {
    expect([...(FAULT_RUN_SCHEMA.required as string[])].sort()).toEqual(Object.keys(baseline).sort());
    expectValidFaultRuns([baseline]);
  });

  it('accepts every kind of reaction and a fault', () => {
    const run = {
      ...baseline,
      rule: 'RETR #1 cut 400',
      fault: { on: 'RETR 1', what: 'cut after 400 of the response’s octets' },
      afterwards: [
        { kind: 'retried', command: 'RETR 1' },
        { kind: 'deleted', message: 'bob 1', fullyReceived: false },
        { kind: 'quit' },
        { kind: 'hung' },
      ],
      exit: 'timeout',
      exitCode: null,
      signal: 'SIGTERM',
      timedOut: true,
    };
    expect(faultRunProblems(run)).toBeNull();
  });

  it.each([
    ['an unknown field', { ...baseline, extra: 1 }],
    ['a missing field', Object.fromEntries(Object.entries(baseline).filter(([k]) => k !== 'mail'))],
    ['an unknown reaction', { ...baseline, afterwards: [{ kind: 'panicked' }] }],
    [
      'a deleted reaction without fullyReceived',
      { ...baseline, afterwards: [{ kind: 'deleted', message: 'bob 1' }] },
    ],
    ['another record type', { ...baseline, type: 'summary' }],
  ])('rejects %s', (_what, record) => {
    expect(faultRunProblems(record)).not.toBeNull();
  });
});
