import { describe, expect, it } from 'vitest';
import { eventEnd, eventStart } from '../../src/analysis/eventTime.js';
import { played } from '../ui/helpers.js';

describe('eventStart / eventEnd', () => {
  const events = played('seed-download-and-delete.jsonl').flatMap((e) =>
    e.kind === 'event' ? [e.event] : [],
  );

  it('a transaction begins with its command and ends with its answer; a summary spans the session', () => {
    const tx = events.find((e) => e.type === 'transaction' && e.tx.command?.verb === 'RETR');
    if (tx?.type !== 'transaction') throw new Error('no RETR in the seed');
    expect(eventStart(tx)).toBe(tx.tx.startedAt);
    expect(eventEnd(tx)).toBe(tx.tx.endedAt);
    expect(eventEnd(tx)).toBeGreaterThan(eventStart(tx));
    const summary = events.find((e) => e.type === 'summary');
    if (summary?.type !== 'summary') throw new Error('no summary');
    expect([eventStart(summary), eventEnd(summary)]).toEqual([
      summary.summary.startedAt,
      summary.summary.endedAt,
    ]);
  });

  it('an instant event (phase, command, data) starts and ends at its one time', () => {
    for (const e of events.filter((x) => x.type !== 'transaction' && x.type !== 'summary')) {
      expect(eventStart(e)).toBe(eventEnd(e));
      expect(Number.isFinite(eventEnd(e))).toBe(true);
    }
  });
});
