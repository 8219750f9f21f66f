// Drives a FaultInjector with a dialogue the engine's way: whole, byte by byte, at random splits.
import fc from 'fast-check';
import { expect } from 'vitest';
import { FaultInjector, seeded } from '../../src/faults/injector.js';
import { parsePlan } from '../../src/faults/rules.js';
import type { FaultStep } from '../../src/faults/types.js';
import {
  bytewiseChunks,
  type Chunker,
  cutsArbitrary,
  splitChunks,
  wholeChunks,
} from '../helpers/chunking.js';

export type Dir = 'c' | 's';
export type FStep = readonly [Dir, string | Uint8Array];
export const c = (bytes: string | Uint8Array): FStep => ['c', bytes];
export const s = (bytes: string | Uint8Array): FStep => ['s', bytes];

export const GREETING = '+OK POP3 ready\r\n';
export const LOGIN: readonly FStep[] = [
  s(GREETING),
  c('USER bob\r\n'),
  s('+OK\r\n'),
  c('PASS x y\r\n'),
  s('+OK in\r\n'),
];

export interface Run {
  /** What the client received, as latin1. */
  readonly received: string;
  /** Every step but the bytes: injected, close, stall, tls-fail (waits apart: their split follows the chunks). */
  readonly events: FaultStep[];
  readonly waits: number[];
  readonly steps: FaultStep[];
  readonly injectedCount: number;
  /** Each server chunk fed, and the steps it gave. */
  readonly perChunk: { input: Uint8Array; steps: FaultStep[] }[];
}

const bytesOf = (b: string | Uint8Array) =>
  typeof b === 'string' ? Buffer.from(b, 'latin1') : Buffer.from(b);

export function run(
  dialogue: readonly FStep[],
  rules: readonly string[],
  chunker: Chunker = wholeChunks,
  options: { seed?: number; session?: number } = {},
): Run {
  const plan = parsePlan(rules, options.seed ?? 1);
  const session = options.session ?? 1;
  const injector = new FaultInjector(plan, session, seeded(plan.seed, session));
  const steps: FaultStep[] = [];
  const perChunk: Run['perChunk'] = [];
  dialogue.forEach(([dir, data], i) => {
    const bytes = bytesOf(data);
    const before = Buffer.from(bytes);
    let at = 0;
    for (const n of chunker(bytes.length, i)) {
      const chunk = bytes.subarray(at, at + n);
      at += n;
      if (dir === 'c') injector.client(chunk);
      else {
        const out = injector.server(chunk);
        perChunk.push({ input: chunk, steps: out });
        steps.push(...out);
      }
    }
    expect(bytes.equals(before), 'the injector changed its input').toBe(true);
  });
  const received = Buffer.concat(
    steps.flatMap((st) => (st.type === 'send' ? [Buffer.from(st.bytes)] : [])),
  ).toString('latin1');
  return {
    received,
    events: steps.filter((st) => st.type !== 'send' && st.type !== 'wait'),
    waits: steps.flatMap((st) => (st.type === 'wait' ? [st.ms] : [])),
    steps,
    injectedCount: injector.injectedCount,
    perChunk,
  };
}

/** Runs whole, byte by byte and at random splits: the same bytes received, the same events. Returns whole. */
export function sameEachWay(
  dialogue: readonly FStep[],
  rules: readonly string[],
  options: { seed?: number; session?: number; numRuns?: number } = {},
): Run {
  const whole = run(dialogue, rules, wholeChunks, options);
  const project = (r: Run) => ({ received: r.received, events: r.events, count: r.injectedCount });
  expect(project(run(dialogue, rules, bytewiseChunks(), options)), 'byte by byte').toEqual(project(whole));
  fc.assert(
    fc.property(cutsArbitrary(dialogue.length), (cuts) => {
      expect(project(run(dialogue, rules, splitChunks(cuts), options)), 'random splits').toEqual(
        project(whole),
      );
    }),
    { numRuns: options.numRuns ?? 30 },
  );
  return whole;
}

/** The server's bytes of a dialogue, as latin1. */
export const serverText = (dialogue: readonly FStep[]) =>
  dialogue
    .filter(([d]) => d === 's')
    .map(([, b]) => bytesOf(b).toString('latin1'))
    .join('');

/** The injected steps of a run, without the rule text. */
export const injections = (r: Run) =>
  r.events.flatMap((e) => (e.type === 'injected' ? [`${e.on}: ${e.what}`] : []));
