/**
 * Timeline replay, sans-IO: which records are due at which wall time, at any speed, paused, or step by step;
 * and the player that runs it on a clock. A fake clock stands in for the real timers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/analysis/types.js';
import { CaptureAnalyzer } from '../../src/capture/analyze.js';
import { type CaptureRecord, dataBytes, dataRecord } from '../../src/capture/format.js';
import {
  type Clock,
  type Emitted,
  LOOKAHEAD,
  MAX_BATCH,
  ReplayPlayer,
  Timeline,
} from '../../src/replay/timeline.js';
import { reduce } from '../../src/ui/reducer.js';
import { initialState } from '../../src/ui/state.js';
import { bytewiseChunks, type Chunker, cutsArbitrary, splitChunks } from '../helpers/chunking.js';
import { records, toAction } from '../ui/helpers.js';

const seed = () => records('seed-download-and-delete.jsonl');
const T0 = 1772442900000; // the seed's open record
const kinds = (out: Emitted[]) => out.map((e) => (e.kind === 'event' ? e.event.type : e.kind));
const txs = (out: Emitted[]) =>
  out.filter((e) => e.kind === 'event' && e.event.type === 'transaction').length;

function loaded(o: ConstructorParameters<typeof Timeline>[0], recs: CaptureRecord[] = seed()): Timeline {
  const tl = new Timeline(o);
  for (const r of recs) tl.push(r);
  tl.finish();
  return tl;
}

describe('Timeline, timed', () => {
  it('plays each record when its offset from the first has passed, at speed 1', () => {
    const tl = loaded({ speed: 1, step: false });
    const wall = 5000;
    expect(kinds(tl.take(wall))).toEqual(['open']);
    expect(tl.wakeAt(wall)).toBe(wall + 40); // the greeting came 40 ms after the connection
    expect(tl.take(wall + 39)).toEqual([]);
    expect(kinds(tl.take(wall + 40))).toEqual(['data', 'transaction', 'phase']);
    expect(tl.wakeAt(wall + 40)).toBe(wall + 1240); // "user bob" 1.2 s later
    expect(tl.virtualNow(wall + 640)).toBe(T0 + 640);
  });

  it('scales the timing by the speed', () => {
    const tl = loaded({ speed: 4, step: false });
    tl.take(0);
    expect(tl.wakeAt(0)).toBe(10);
    let wall = 0;
    while (!tl.done) {
      tl.take(wall);
      wall = tl.wakeAt(wall) ?? wall;
    }
    expect(wall).toBe(7265 / 4);
  });

  it('plays everything at once at speed 0, in batches of at most MAX_BATCH records', () => {
    const many: CaptureRecord[] = [seed()[0]!, seed()[1]!];
    for (let i = 0; i < MAX_BATCH + 10; i++)
      many.push({ type: 'data', session: 's1', t: T0 + i, dir: 'c2s', text: 'NOOP\r\n' });
    const tl = loaded({ speed: 0, step: false }, many);
    tl.take(0);
    expect(tl.done).toBe(false);
    expect(tl.wakeAt(0)).toBe(0);
    tl.take(0);
    expect(tl.done).toBe(true);
    expect(tl.status().records).toBe(MAX_BATCH + 11);
  });

  it('paused, nothing plays and the capture clock stands still; resumed, the remaining gap is kept', () => {
    const tl = loaded({ speed: 1, step: false });
    tl.take(0);
    tl.take(40);
    tl.setPaused(true, 100);
    expect(tl.take(100_000)).toEqual([]);
    expect(tl.wakeAt(100_000)).toBeNull();
    expect(tl.virtualNow(100_000)).toBe(T0 + 100);
    tl.setPaused(false, 100_000);
    expect(tl.wakeAt(100_000)).toBe(100_000 + 1140);
  });

  it('a speed change mid-play keeps the position and changes only what follows', () => {
    const tl = loaded({ speed: 1, step: false });
    tl.take(0);
    tl.take(40);
    tl.setSpeed(10, 240); // 200 ms into the 1.2 s gap before "user bob"
    expect(tl.virtualNow(240)).toBe(T0 + 240);
    expect(tl.wakeAt(240)).toBe(240 + 100); // the remaining 1000 ms at ×10
  });

  it('emits the same engine events as show (CaptureAnalyzer over the same records)', () => {
    const tl = loaded({ speed: 0, step: false });
    const got: EngineEvent[] = [];
    while (!tl.done) for (const e of tl.take(0)) if (e.kind === 'event') got.push(e.event);
    const analyzer = new CaptureAnalyzer();
    const want = [...seed().flatMap((r) => analyzer.record(r)), ...analyzer.end()];
    expect(got).toEqual(want);
  });

  it('--session: only that session, with its open and close', () => {
    const recs = seed();
    const other = recs
      .filter((r) => r.type !== 'header')
      .map((r) => ({ ...r, session: 's2' }) as CaptureRecord);
    const tl = loaded({ speed: 0, step: false, session: 's2' }, [...recs, ...other]);
    const out: Emitted[] = [];
    while (!tl.done) out.push(...tl.take(0));
    const sessions = new Set(
      out.map((e) =>
        e.kind === 'open' ? e.start.session : e.kind === 'close' ? e.end.session : e.event.session,
      ),
    );
    expect([...sessions]).toEqual(['s2']);
    expect(kinds(out)[0]).toBe('open');
    expect(kinds(out).at(-1)).toBe('close');
    expect(tl.status().sessions).toBe(1);
  });

  it('closes the sessions a cut capture left open, at the last time seen', () => {
    const cut = seed().slice(0, 8);
    const tl = loaded({ speed: 0, step: false }, cut);
    const out: Emitted[] = [];
    while (!tl.done) out.push(...tl.take(0));
    const last = out.at(-1)!;
    expect(last.kind === 'event' && last.event.type).toBe('summary');
  });
});

describe('Timeline, step by step (with the dashboard reducer)', () => {
  // Issue 17 item 4 changed what a step is: it used to play up to one completed transaction (command and answer
  // together); now it stops after each command, its answer not played yet, and again after the answer. This test
  // replaces the old "one more completed transaction per step" one.
  it('each step stops after a command (its answer not yet played), then after its answer, whatever the timing', () => {
    const tl = loaded({ speed: 1, step: true });
    let state = initialState({ mode: 'replay', now: 0, replay: { file: 'seed', speed: 1, step: true } });
    const session = () => state.data.sessions[0];
    const transactions = () => session()?.entries.filter((e) => e.kind === 'tx').length ?? 0;
    expect(tl.take(1e12)).toEqual([]); // no step asked: nothing, however late it is
    expect(tl.wakeAt(0)).toBeNull();
    // The greeting is one step.
    tl.requestStep();
    state = tl.take(0).map(toAction).reduce(reduce, state);
    expect(transactions()).toBe(1);
    const commands = [
      'user bob',
      'pass <redacted 6 octets>',
      'list',
      'retr 1',
      'dele 1',
      'retr 2',
      'dele 2',
      'quit',
    ];
    for (const [i, line] of commands.entries()) {
      tl.requestStep();
      const asked = tl.take(0);
      expect(kinds(asked)).toEqual(['data', 'command']);
      state = asked.map(toAction).reduce(reduce, state);
      expect(transactions()).toBe(i + 1);
      expect(session()!.pending.map((p) => p.line)).toEqual([line]);
      tl.requestStep();
      const answered = tl.take(0);
      expect(txs(answered)).toBe(1);
      state = answered.map(toAction).reduce(reduce, state);
      expect(transactions()).toBe(i + 2);
      expect(session()!.pending).toEqual([]);
    }
    expect(session()).toMatchObject({ user: 'bob', live: true });
    expect(session()!.phases.at(-1)?.phase).toBe('UPDATE');
    // The last step: the close record and the summary end the session.
    tl.requestStep();
    state = tl.take(0).map(toAction).reduce(reduce, state);
    expect(session()!.live).toBe(false);
    expect(session()!.mailbox.map((m) => m.removed)).toEqual([true, true]);
    tl.requestStep();
    tl.take(0);
    expect(tl.done).toBe(true);
  });

  it('the first step shows the session and its greeting', () => {
    const tl = loaded({ speed: 1, step: true });
    tl.requestStep();
    expect(kinds(tl.take(0))).toEqual(['open', 'data', 'transaction', 'phase']);
  });

  // Regression (issue 17): with Enters piped in (`printf '\n\n\n' | replay --step --no-ui`) stdin can end before
  // the first step is played; leaving step mode at once threw the typed-ahead steps away and printed no prompt.
  it('when the keys end, the steps asked for are still played as steps, then timed play resumes', () => {
    const tl = loaded({ speed: 1, step: true });
    for (let i = 0; i < 3; i++) tl.requestStep();
    tl.endStepsAfterPending(0);
    expect(tl.stepping).toBe(true);
    // Step by step: the greeting, USER, then USER's answer — each a stop — and step mode ends there.
    const out = tl.take(0);
    expect(kinds(out).filter((k) => k === 'transaction' || k === 'command')).toEqual([
      'transaction',
      'command',
      'transaction',
    ]);
    expect(tl.stepping).toBe(false);
    expect(tl.wakeAt(0)).not.toBeNull();
  });

  it('when the keys end with no step pending, timed play resumes at once', () => {
    const tl = loaded({ speed: 1, step: true });
    tl.endStepsAfterPending(0);
    expect(tl.stepping).toBe(false);
    expect(tl.wakeAt(0)).not.toBeNull();
  });

  it('leaving step mode plays the rest with its timing, from where the steps got to', () => {
    const tl = loaded({ speed: 1, step: true });
    tl.requestStep();
    tl.take(0);
    tl.setStepMode(false, 1000);
    expect(tl.wakeAt(1000)).toBe(1000 + 1200);
  });
});

/** The records with each data record's bytes cut by `chunker` into records of the same time and direction. */
function rechunked(recs: readonly CaptureRecord[], chunker: Chunker): CaptureRecord[] {
  let i = 0;
  return recs.flatMap((r) => {
    if (r.type !== 'data') return [r];
    const bytes = dataBytes(r);
    let at = 0;
    return chunker(bytes.length, i++).map((n) => {
      const piece = bytes.subarray(at, at + n);
      at += n;
      return dataRecord(r.session, r.t, r.dir, piece);
    });
  });
}

/**
 * Steps through the whole capture; at each stop, what has been played: the commands and transactions (by
 * seq), the bytes of each direction, and whether the session ended.
 */
function stops(recs: CaptureRecord[]): string[] {
  const tl = loaded({ speed: 1, step: true }, recs);
  const seen = { commands: [] as number[], txs: [] as number[], c2s: '', s2c: '', ended: false };
  const out: string[] = [];
  for (let n = 0; !tl.done && n < 100; n++) {
    tl.requestStep();
    for (let batch = tl.take(0); batch.length > 0; batch = tl.take(0)) {
      for (const e of batch) {
        if (e.kind !== 'event') continue;
        const ev = e.event;
        if (ev.type === 'command') seen.commands.push(ev.seq);
        if (ev.type === 'transaction') seen.txs.push(ev.tx.seq);
        if (ev.type === 'data') seen[ev.dir] += Buffer.from(ev.bytes).toString('latin1');
        if (ev.type === 'summary') seen.ended = true;
      }
    }
    out.push(JSON.stringify(seen));
  }
  return out;
}

describe('Timeline, step by step, however the records cut the bytes', () => {
  const whole = stops(seed());

  it('stops after each command and after each answer: the greeting, 8 commands twice, the end, done', () => {
    // The last step finds nothing left and ends the replay (as before: the capture may have left a session open).
    expect(whole).toHaveLength(1 + 8 * 2 + 1 + 1);
    expect(whole.at(-1)).toBe(whole.at(-2));
    expect(JSON.parse(whole.at(-2)!)).toMatchObject({ ended: true });
    const parsed = whole.map((x) => JSON.parse(x) as { commands: number[]; txs: number[]; c2s: string });
    expect(parsed[0]).toMatchObject({ commands: [], txs: [0] });
    // After the LIST command: the command is played, not its answer.
    expect(parsed[5]).toMatchObject({ commands: [1, 2, 3], txs: [0, 1, 2] });
    expect(parsed[5]!.c2s.endsWith('list\r\n')).toBe(true);
    expect(JSON.stringify(parsed[5])).not.toContain('1 498');
    expect(parsed[6]).toMatchObject({ commands: [1, 2, 3], txs: [0, 1, 2, 3] });
    expect(JSON.stringify(parsed[6])).toContain('1 498');
  });

  it('the same stops with the chunks fed byte by byte', () => {
    expect(stops(rechunked(seed(), bytewiseChunks()))).toEqual(whole);
  });

  it('the same stops with the chunks cut at random points', () => {
    const dataRecords = seed().filter((r) => r.type === 'data').length;
    fc.assert(
      fc.property(cutsArbitrary(dataRecords, 4), (cuts) => {
        expect(stops(rechunked(seed(), splitChunks(cuts)))).toEqual(whole);
      }),
      { numRuns: 25 },
    );
  });

  it('commands pipelined in one chunk are one step, and so are their answers in one chunk', () => {
    const open = seed()[1]!;
    const at = (i: number, dir: 'c2s' | 's2c', text: string): CaptureRecord => ({
      type: 'data',
      session: 's1',
      t: T0 + i,
      dir,
      text,
    });
    const recs: CaptureRecord[] = [
      open,
      at(1, 's2c', '+OK ready\r\n'),
      at(2, 'c2s', 'USER bob\r\nPASS x\r\n'),
      at(3, 's2c', '+OK\r\n+OK in\r\n'),
    ];
    const got = stops(recs).map((x) => JSON.parse(x) as { commands: number[]; txs: number[] });
    expect(got.slice(0, 3).map((x) => [x.commands, x.txs])).toEqual([
      [[], [0]],
      [[1, 2], [0]],
      [
        [1, 2],
        [0, 1, 2],
      ],
    ]);
  });
});

/** A clock the test moves by hand; sleeps end when it passes their time or their signal aborts. */
function manualClock(): Clock & { advance(ms: number): Promise<void>; sleepers: number } {
  let now = 0;
  const sleeping: { at: number; resolve: () => void }[] = [];
  const clock = {
    now: () => now,
    sleepers: 0,
    sleep(ms: number, signal: AbortSignal) {
      return new Promise<void>((resolve) => {
        const entry = { at: now + ms, resolve };
        sleeping.push(entry);
        clock.sleepers = sleeping.length;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    },
    async advance(ms: number) {
      const until = now + ms;
      for (;;) {
        await new Promise((r) => setImmediate(r));
        sleeping.sort((a, b) => a.at - b.at);
        const first = sleeping[0];
        if (!first || first.at > until) break;
        sleeping.shift();
        now = Math.max(now, first.at);
        first.resolve();
      }
      now = until;
      await new Promise((r) => setImmediate(r));
    },
  };
  return clock;
}

async function* source(recs: CaptureRecord[]): AsyncGenerator<CaptureRecord> {
  for (const r of recs) yield r;
}

describe('ReplayPlayer', () => {
  it('delivers open, events and close to the sink with the original timing', async () => {
    const clock = manualClock();
    const got: string[] = [];
    const sink = {
      open: () => void got.push('open'),
      event: (e: EngineEvent) => void got.push(e.type),
      close: () => void got.push('close'),
    };
    const player = new ReplayPlayer(source(seed()), sink, clock, { speed: 1, step: false });
    const done = player.run();
    await clock.advance(0);
    expect(got).toEqual(['open']);
    await clock.advance(40);
    expect(got.filter((k) => k === 'transaction')).toHaveLength(1);
    await clock.advance(7265);
    const status = await done;
    expect(status).toMatchObject({ done: true, records: 19, sessions: 1 });
    expect(got.at(-1)).toBe('close');
  });

  it('waits for a slow sink (backpressure) instead of piling events up', async () => {
    const clock = manualClock();
    let inFlight = 0;
    let most = 0;
    const sink = {
      async event() {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
      },
    };
    const status = await new ReplayPlayer(source(seed()), sink, clock, { speed: 0, step: false }).run();
    expect(status.done).toBe(true);
    expect(most).toBe(1);
  });

  it('step() wakes a player waiting for a key; stop() ends it', async () => {
    const clock = manualClock();
    let transactions = 0;
    const player = new ReplayPlayer(
      source(seed()),
      { event: (e) => void (e.type === 'transaction' && transactions++) },
      clock,
      { speed: 1, step: true },
    );
    const done = player.run();
    await clock.advance(0);
    expect(transactions).toBe(0);
    player.step();
    await clock.advance(0);
    expect(transactions).toBe(1);
    // Two more steps: the USER command, then its answer (a step stops after each command since issue 17).
    player.step();
    await clock.advance(0);
    expect(transactions).toBe(1);
    player.step();
    await clock.advance(0);
    expect(transactions).toBe(2);
    player.step();
    player.step();
    await clock.advance(0);
    expect(transactions).toBe(3);
    player.stop();
    await clock.advance(0);
    expect((await done).done).toBe(false);
  });

  it('at speed 0 reads on when the read-ahead drains instead of sleeping (no stall every LOOKAHEAD records)', async () => {
    // A clock on which every sleep returns at once but counts: the player must never ask for a real wait.
    let wall = 0;
    let slept = 0;
    const clock: Clock = {
      now: () => wall,
      sleep: async (ms) => {
        slept += ms;
        wall += ms;
      },
    };
    const many: CaptureRecord[] = [seed()[0]!, seed()[1]!];
    for (let i = 0; i < LOOKAHEAD * 3 + 20; i++)
      many.push({ type: 'data', session: 's1', t: T0 + i, dir: 'c2s', text: 'NOOP\r\n' });
    const status = await new ReplayPlayer(source(many), {}, clock, { speed: 0, step: false }).run();
    expect(status).toMatchObject({ done: true, records: many.length - 1 });
    expect(slept).toBe(0);
  });

  it('reports progress for the status line', async () => {
    const clock = manualClock();
    const seen: number[] = [];
    await new ReplayPlayer(source(seed()), {}, clock, { speed: 0, step: false }, (s) =>
      seen.push(s.records),
    ).run();
    expect(seen.at(-1)).toBe(19);
  });

  it('refuses a negative or non-numeric speed', () => {
    expect(() => new Timeline({ speed: -1, step: false })).toThrow(RangeError);
    expect(() => new Timeline({ speed: Number.NaN, step: false })).toThrow(RangeError);
  });
});
