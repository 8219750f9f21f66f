/** Feeding captures and hand-made events to the dashboard reducer, without a terminal. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent, SessionSummary, Transaction } from '../../src/analysis/types.js';
import type { CaptureRecord } from '../../src/capture/format.js';
import { type Emitted, Timeline } from '../../src/replay/timeline.js';
import { reduce } from '../../src/ui/reducer.js';
import { type Action, type DashboardState, initialState } from '../../src/ui/state.js';
import { ROOT } from '../helpers/cli.js';

/** A capture's records (the sample captures are small: read whole). */
export function records(name: string): CaptureRecord[] {
  return readFileSync(join(ROOT, 'captures', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CaptureRecord);
}

/** Everything a capture yields, played at top speed through the same Timeline `replay` uses. */
export function played(name: string, session?: string): Emitted[] {
  const tl = new Timeline({ speed: 0, step: false, session });
  for (const r of records(name)) tl.push(r);
  tl.finish();
  const out: Emitted[] = [];
  while (!tl.done) out.push(...tl.take(0));
  return out;
}

export function toAction(e: Emitted): Action {
  if (e.kind === 'open') return { type: 'open', start: e.start };
  if (e.kind === 'event') return { type: 'event', event: e.event };
  return { type: 'close', end: e.end };
}

export function live(now = 0): DashboardState {
  return initialState({ mode: 'live', now });
}

export function apply(s: DashboardState, actions: readonly Action[]): DashboardState {
  return actions.reduce(reduce, s);
}

/** The state after a whole capture. */
export function afterCapture(name: string, s = live()): DashboardState {
  return apply(s, played(name).map(toAction));
}

/** A hand-made transaction event. */
export function txEvent(
  session: string,
  seq: number,
  line: string,
  over: Partial<Transaction> = {},
  text = 'ok',
): EngineEvent {
  const [verb = '', ...args] = line.split(' ');
  const tx: Transaction = {
    session,
    seq,
    phase: 'TRANSACTION',
    command: {
      verb: verb.toUpperCase(),
      args,
      line,
      octets: line.length + 2,
      at: seq * 10,
      pipelined: false,
    },
    response: {
      status: '+OK',
      code: null,
      text,
      multiline: false,
      bodyOctets: 0,
      bodyLines: 0,
      complete: true,
    },
    startedAt: seq * 10,
    endedAt: seq * 10 + 5,
    latencyMs: 5,
    explain: `explains ${line}`,
    rfc: 'RFC 1939 §5',
    violations: [],
    ...over,
  };
  return { type: 'transaction', session, tx };
}

export const ev = (event: EngineEvent): Action => ({ type: 'event', event });

/** A summary event with every field at a neutral value, `over` replacing some. */
export const summary = (session: string, over: Partial<SessionSummary> = {}): EngineEvent => ({
  type: 'summary',
  session,
  summary: {
    session,
    client: null,
    upstream: null,
    user: null,
    auth: null,
    tls: 'none',
    phases: [],
    mode: 'other',
    commands: 0,
    retrieved: [],
    marked: [],
    removed: [],
    discarded: [],
    violations: {},
    bytes: { c2s: 0, s2c: 0 },
    startedAt: 0,
    endedAt: 100,
    durationMs: 100,
    closedBy: 'client',
    closeReason: 'client closed',
    ...over,
  },
});

/** The open action of a live session at time `t`. */
export const open = (session: string, t = 0) => ({
  type: 'open' as const,
  start: { session, t, client: `10.0.0.1:${1000 + t}`, upstream: 'mail:110', tls: 'none' as const },
});
