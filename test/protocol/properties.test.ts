/**
 * The two properties issue 12 asks for, on random dialogues cut at random points:
 * - secrets: a marked credential, sent in any of the ways clients send them (test/helpers/dialogues.ts), never
 *   reaches any sink — engine events, masked bytes, capture records, text, JSON, Markdown, log, and the replay
 *   of the capture — in plain, hex or base64 at any alignment;
 * - live vs replay: feeding the masked output back through the engine, as `show` does, gives the same events,
 *   violations and summary.
 * POP3SCOPE_PROPERTY_RUNS sets the number of cases of each (docs/properties.md has the long runs).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cutsArbitrary,
  type Dialogue,
  digest,
  type RunResult,
  replay,
  runDialogue,
  splitChunks,
} from '../helpers/chunking.js';
import { hostileDialogueArbitrary, secretDialogueArbitrary } from '../helpers/dialogues.js';
import { expectNoSecretAnywhere } from '../helpers/secrets.js';

const RUNS = Number(process.env.POP3SCOPE_PROPERTY_RUNS ?? 2000);
const TIMEOUT = Math.max(60_000, RUNS * 20);

/** A dialogue together with random cuts for each of its steps. */
const cut = <T extends { length: number }>(dialogues: fc.Arbitrary<T>) =>
  dialogues.chain((d) => fc.tuple(fc.constant(d), cutsArbitrary(d.length, 6)));

/** A login dialogue with its secrets, and random cuts for each of its steps. */
const cutSecrets = secretDialogueArbitrary.chain((x) =>
  fc.tuple(fc.constant(x), cutsArbitrary(x.dialogue.length, 6)),
);

/**
 * Runs a dialogue with fresh buffers and again with every chunk fed from one buffer overwritten after each call
 * (as the proxy's read pool reuses them): the output must be the same. Returns the reused run.
 */
function sameWithReusedBuffer(dialogue: Dialogue, cuts: number[][]): RunResult {
  const fresh = runDialogue(dialogue, splitChunks(cuts));
  const reused = runDialogue(dialogue, splitChunks(cuts), 'test', { reuse: true });
  expect(reused.events).toEqual(fresh.events);
  expect(digest(reused.data.c2s)).toBe(digest(fresh.data.c2s));
  expect(digest(reused.data.s2c)).toBe(digest(fresh.data.s2c));
  return reused;
}

describe('properties', () => {
  it(
    'no sink ever holds a credential, whatever the login, its place and the chunking',
    () => {
      fc.assert(
        fc.property(cutSecrets, ([{ dialogue, secrets }, cuts]) => {
          const r = runDialogue(dialogue, splitChunks(cuts));
          expectNoSecretAnywhere(r, secrets);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    "the engine keeps nothing of the caller's buffer past the call, so the proxy may read into it again",
    () => {
      fc.assert(
        fc.property(cut(hostileDialogueArbitrary), ([dialogue, cuts]) => {
          sameWithReusedBuffer(dialogue, cuts);
        }),
        { numRuns: RUNS },
      );
      fc.assert(
        fc.property(cutSecrets, ([{ dialogue, secrets }, cuts]) => {
          expectNoSecretAnywhere(sameWithReusedBuffer(dialogue, cuts), secrets);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    'the replay of the masked output shows what the live run showed',
    () => {
      fc.assert(
        fc.property(cut(hostileDialogueArbitrary), ([dialogue, cuts]) => {
          const live = runDialogue(dialogue, splitChunks(cuts));
          const again = replay(live);
          expect(again.events).toEqual(live.events);
          expect(again.summary).toEqual(live.summary);
          expect(digest(again.data.c2s)).toBe(digest(live.data.c2s));
          expect(digest(again.data.s2c)).toBe(digest(live.data.s2c));
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );
});
