/**
 * Inspector.injected: a fault pop3scope injected is an event of the session (pop3scope's doing, never the
 * server's), counted in the summary only when there was one, and nothing after the session ended.
 */
import { describe, expect, it } from 'vitest';
import { eventEnd, eventStart } from '../../src/analysis/eventTime.js';
import { Inspector } from '../../src/analysis/inspector.js';
import type { EngineEvent, SessionSummary } from '../../src/analysis/types.js';

const CUT = { rule: 'RETR #1 cut 400', on: 'RETR 1', what: "cut after 400 of the response's octets" };
const enc = (s: string) => Buffer.from(s, 'latin1');
const summaryOf = (events: EngineEvent[]): SessionSummary => {
  const last = events.at(-1);
  if (last?.type !== 'summary') throw new Error('no summary last');
  return last.summary;
};

/** A short session: greeting, login, RETR 1 (whole, as the server sent it), QUIT. */
function session(inspect: (i: Inspector) => EngineEvent[] = () => []): {
  events: EngineEvent[];
  summary: SessionSummary;
} {
  const i = new Inspector('s1', { client: '127.0.0.1:1', upstream: '127.0.0.1:110' }, 1000);
  const events: EngineEvent[] = [];
  events.push(...i.receive('s2c', enc('+OK ready\r\n'), 1001));
  events.push(...i.receive('c2s', enc('USER bob\r\nPASS pw\r\n'), 1002));
  events.push(...i.receive('s2c', enc('+OK\r\n+OK\r\n'), 1003));
  events.push(...i.receive('c2s', enc('RETR 1\r\n'), 1004));
  events.push(...inspect(i));
  events.push(...i.receive('s2c', enc('+OK 12 octets\r\nSubject: x\r\n.\r\n'), 1006));
  events.push(...i.close(1010, 'client', 'client closed'));
  return { events, summary: summaryOf(events) };
}

describe('Inspector.injected', () => {
  it('is one injected event with the rule, the response and what the client was given', () => {
    const i = new Inspector('s7', {}, 5);
    expect(i.injected(CUT, 20)).toEqual([{ type: 'injected', session: 's7', t: 20, ...CUT }]);
  });

  it('is counted in the summary, and the engine still follows what the server really sent', () => {
    const plain = session();
    const faulted = session((i) => [...i.injected(CUT, 1005), ...i.injected({ ...CUT, on: 'RETR 1' }, 1005)]);
    expect(faulted.summary.injected).toBe(2);
    // Nothing else changes: no violation blames the server, the RETR is as complete as the server sent it.
    const { injected: _n, ...rest } = faulted.summary;
    expect(rest).toEqual(plain.summary);
    const tx = (r: { events: EngineEvent[] }) =>
      r.events.flatMap((e) => (e.type === 'transaction' ? [e.tx] : []));
    expect(tx(faulted)).toEqual(tx(plain));
    expect(faulted.events.filter((e) => e.type === 'violation')).toEqual([]);
    expect(faulted.events.filter((e) => e.type === 'injected')).toHaveLength(2);
  });

  it('leaves the summary of a session without faults exactly as it was: no injected field at all', () => {
    const { summary } = session();
    expect(Object.hasOwn(summary, 'injected')).toBe(false);
    expect(JSON.stringify(summary)).not.toContain('injected');
  });

  it('says nothing after the session ended', () => {
    const i = new Inspector('s1', {}, 0);
    i.receive('s2c', enc('+OK ready\r\n'), 1);
    const closed = i.close(2, 'server', 'gone');
    expect(summaryOf(closed).injected).toBeUndefined();
    expect(i.injected(CUT, 3)).toEqual([]);
    expect(i.close(4)).toEqual([]);
  });

  it('is placed in time at its own t (eventStart = eventEnd = t)', () => {
    const [e] = new Inspector('s1', {}, 0).injected(CUT, 42);
    expect(eventStart(e!)).toBe(42);
    expect(eventEnd(e!)).toBe(42);
  });

  it('an injected fault before the greeting counts too (greeting-err)', () => {
    const i = new Inspector('s1', {}, 0);
    const events = [
      ...i.injected(
        { rule: 'greeting greeting-err', on: 'greeting', what: '-ERR instead of the greeting' },
        1,
      ),
      ...i.receive('s2c', enc('+OK ready\r\n'), 1),
      ...i.close(2, 'proxy', 'fault'),
    ];
    expect(summaryOf(events).injected).toBe(1);
    expect(events[0]).toMatchObject({ type: 'injected', on: 'greeting' });
  });
});
