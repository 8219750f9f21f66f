/**
 * Timeline replay: plays a capture's records through the engine (CaptureAnalyzer, exactly as `show` does)
 * with their original timing scaled by a speed, or one step at a time: a step stops after each command (its
 * answer not played yet, so a class can guess it) and again after its answer (the transaction complete).
 *
 * `Timeline` is sans-IO: records go in, the wall-clock time comes in as a number, and it answers what to
 * emit now and when the next thing is due. `ReplayPlayer` runs a Timeline against an async record source, a
 * Clock (real timers in the CLI, a fake one in tests) and a sink shaped like the proxy's hooks, so the
 * dashboard and the text printer take replayed sessions exactly as they take live ones.
 */
import type { EngineEvent } from '../analysis/types.js';
import { CaptureAnalyzer } from '../capture/analyze.js';
import type { CaptureRecord, HeaderRecord } from '../capture/format.js';
import type { ReplaySink, SessionEnd, SessionStart } from '../events.js';

/** Records read ahead of the play position: enough to know what is due next, few enough to stay small. */
export const LOOKAHEAD = 64;
/** Records played at once before the screen and the keys get a turn (matters at --speed 0). */
export const MAX_BATCH = 256;
/** The longest single sleep; waiting longer (paused, between steps) just loops. */
const MAX_SLEEP_MS = 60_000;

export type Emitted =
  | { readonly kind: 'open'; readonly start: SessionStart }
  | { readonly kind: 'event'; readonly event: EngineEvent }
  | { readonly kind: 'close'; readonly end: SessionEnd };

export interface TimelineOptions {
  /** 1 plays in real time, 2 twice as fast; 0 as fast as possible. */
  readonly speed: number;
  /**
   * Play one step per `requestStep()`: up to the next command (the record that completes its line), the next
   * completed transaction, or the session's end. Commands pipelined in one chunk come in one step.
   */
  readonly step: boolean;
  /** Only this session. */
  readonly session?: string;
}

export interface ReplayStatus {
  readonly speed: number;
  readonly step: boolean;
  readonly paused: boolean;
  readonly done: boolean;
  /** Records played. */
  readonly records: number;
  /** The capture's clock: the time of the last record played. */
  readonly at: number | null;
  /** Sessions that ended (so a --session that names none can be told). */
  readonly sessions: number;
}

/**
 * Where a step stops: after a command line (before its answer) and after a completed transaction or a session's
 * end. The record that completes the line or the answer ends the step, however the bytes were cut into records.
 */
export const isStepEnd = (e: Emitted): boolean =>
  e.kind === 'event' &&
  (e.event.type === 'command' || e.event.type === 'transaction' || e.event.type === 'summary');

export class Timeline {
  private readonly analyzer: CaptureAnalyzer;
  private readonly wanted: (session: string) => boolean;
  private readonly queue: Exclude<CaptureRecord, HeaderRecord>[] = [];
  private finished = false;
  private flushed = false;
  /** Wall time and capture time that correspond, for timed play. */
  private anchor: { wall: number; virt: number } | null = null;
  private stepsWanted = 0;
  private speedValue: number;
  private stepMode: boolean;
  /** endStepsAfterPending: leave step mode once the steps asked for are played. */
  private leaveAfterSteps = false;
  private pausedFlag = false;
  private records = 0;
  private lastT: number | null = null;
  private sessions = 0;

  constructor(o: TimelineOptions) {
    if (!(o.speed >= 0) || !Number.isFinite(o.speed))
      throw new RangeError(`speed must be a number from 0 up, not ${o.speed}`);
    this.speedValue = o.speed;
    this.stepMode = o.step;
    this.wanted = o.session === undefined ? () => true : (id) => id === o.session;
    this.analyzer = new CaptureAnalyzer(o.session === undefined ? undefined : this.wanted);
  }

  /** Adds the next record read from the capture. */
  push(record: CaptureRecord): void {
    if (record.type !== 'header') this.queue.push(record);
  }

  /** The capture has no more records. */
  finish(): void {
    this.finished = true;
  }

  /** Whether the reader should push another record before asking what is due. */
  get wantsRecords(): boolean {
    return !this.finished && this.queue.length < LOOKAHEAD;
  }

  /** Everything played, sessions the capture left open closed. */
  get done(): boolean {
    return this.flushed;
  }

  status(): ReplayStatus {
    return {
      speed: this.speedValue,
      step: this.stepMode,
      paused: this.pausedFlag,
      done: this.flushed,
      records: this.records,
      at: this.lastT,
      sessions: this.sessions,
    };
  }

  /** The capture's clock at wall time `now`: where the playback stands. */
  virtualNow(now: number): number | null {
    if (this.lastT === null) return null;
    if (this.flushed || !this.anchor || this.stepMode || this.speedValue === 0) return this.lastT;
    if (this.pausedFlag) return Math.max(this.lastT, this.anchor.virt);
    return Math.max(this.lastT, this.anchor.virt + (now - this.anchor.wall) * this.speedValue);
  }

  /** Asks for one more step (step mode). */
  requestStep(): void {
    this.stepsWanted++;
  }

  setPaused(paused: boolean, now: number): void {
    if (paused === this.pausedFlag) return;
    if (paused) this.reanchor(now);
    this.pausedFlag = paused;
    if (!paused) this.anchor = this.anchor ? { wall: now, virt: this.anchor.virt } : null;
  }

  setSpeed(speed: number, now: number): void {
    if (!(speed >= 0) || !Number.isFinite(speed)) return;
    this.reanchor(now);
    this.speedValue = speed;
  }

  /** Leaves step mode: timed play resumes from where the steps got to. */
  setStepMode(step: boolean, now: number): void {
    this.leaveAfterSteps = false;
    if (step === this.stepMode) return;
    this.reanchor(now);
    this.stepMode = step;
    this.stepsWanted = 0;
    if (!step && this.lastT !== null) this.anchor = { wall: now, virt: this.lastT };
  }

  /**
   * The keys have ended (stdin closed): the steps already asked for are still played as steps, then timed play
   * resumes. Enters piped in ahead of time (`yes '' | pop3scope replay --step`) count like typed ones.
   */
  endStepsAfterPending(now: number): void {
    if (!this.stepMode) return;
    if (this.stepsWanted === 0) this.setStepMode(false, now);
    else this.leaveAfterSteps = true;
  }

  /** Whether the playback is stepping (for the sinks that prompt at each step). */
  get stepping(): boolean {
    return this.stepMode;
  }

  /** What is due at wall time `now` (at most MAX_BATCH records' worth). */
  take(now: number): Emitted[] {
    const out: Emitted[] = [];
    for (let n = 0; n < MAX_BATCH && !this.pausedFlag; n++) {
      const next = this.queue[0];
      if (!next) {
        if (this.finished && !this.flushed && (!this.stepMode || this.stepsWanted > 0)) {
          this.flushed = true;
          this.stepsWanted = 0;
          for (const item of this.fromEvents(this.analyzer.end())) out.push(item);
        }
        break;
      }
      if (this.stepMode) {
        if (this.stepsWanted === 0) break;
      } else if (this.speedValue > 0) {
        this.anchor ??= { wall: now, virt: next.t };
        if (this.dueWall(next.t) > now) break;
      }
      this.queue.shift();
      this.records++;
      this.lastT = Math.max(this.lastT ?? next.t, next.t);
      const played = this.play(next);
      for (const item of played) out.push(item);
      if (this.stepMode && played.some(isStepEnd)) {
        this.stepsWanted--;
        if (this.leaveAfterSteps && this.stepsWanted === 0) this.setStepMode(false, now);
      }
    }
    return out;
  }

  /** The wall time at which `take` has something to do; null when it waits for a key (paused, step mode). */
  wakeAt(now: number): number | null {
    if (this.flushed || this.pausedFlag) return null;
    const next = this.queue[0];
    // A drained read-ahead is not a wait for a key: the player must read on at once (before this, speed 0
    // slept MAX_SLEEP_MS every LOOKAHEAD records).
    if (!next) return !this.finished || !this.stepMode || this.stepsWanted > 0 ? now : null;
    if (this.stepMode) return this.stepsWanted > 0 ? now : null;
    if (this.speedValue === 0 || !this.anchor) return now;
    return Math.max(now, this.dueWall(next.t));
  }

  private dueWall(t: number): number {
    const a = this.anchor!;
    return a.wall + (t - a.virt) / this.speedValue;
  }

  /** Pins the anchor to the current position, before the way time flows changes. */
  private reanchor(now: number): void {
    const virt = this.virtualNow(now);
    if (virt !== null) this.anchor = { wall: now, virt };
  }

  private fromEvents(events: EngineEvent[]): Emitted[] {
    for (const e of events) if (e.type === 'summary') this.sessions++;
    return events.map((event) => ({ kind: 'event', event }));
  }

  private play(r: Exclude<CaptureRecord, HeaderRecord>): Emitted[] {
    const out = this.fromEvents(this.analyzer.record(r));
    if (r.type === 'open' && this.wanted(r.session)) {
      out.push({
        kind: 'open',
        start: { session: r.session, t: r.t, client: r.client, upstream: r.upstream, tls: r.tls },
      });
    }
    if (r.type === 'close' && this.wanted(r.session)) {
      out.push({ kind: 'close', end: { session: r.session, t: r.t, by: r.by, reason: r.reason } });
    }
    return out;
  }
}

/** The timers a player runs on; `sleep` must end early when `signal` aborts. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Runs a Timeline: reads ahead, sleeps until the next record is due, delivers, and obeys the controls. */
export class ReplayPlayer {
  readonly timeline: Timeline;
  private wake = new AbortController();
  private stopped = false;

  constructor(
    private readonly records: AsyncIterable<CaptureRecord>,
    private readonly sink: ReplaySink,
    private readonly clock: Clock,
    o: TimelineOptions,
    private readonly onProgress: (status: ReplayStatus) => void = () => {},
  ) {
    this.timeline = new Timeline(o);
  }

  /** Plays to the end (or until `stop`); resolves with the final status. */
  async run(): Promise<ReplayStatus> {
    const tl = this.timeline;
    const it = this.records[Symbol.asyncIterator]();
    try {
      while (!this.stopped) {
        while (tl.wantsRecords) {
          const r = await it.next();
          if (r.done) tl.finish();
          else tl.push(r.value);
        }
        const out = tl.take(this.clock.now());
        for (const item of out) await this.deliver(item);
        if (out.length > 0) this.onProgress(tl.status());
        if (tl.done || this.stopped) break;
        const at = tl.wakeAt(this.clock.now());
        const wait = at === null ? MAX_SLEEP_MS : Math.min(MAX_SLEEP_MS, at - this.clock.now());
        // After a batch, sleep 0 anyway: keys and frames get their turn even at top speed.
        if (wait > 0 || out.length > 0) await this.clock.sleep(Math.max(0, wait), this.wake.signal);
        if (this.wake.signal.aborted) this.wake = new AbortController();
      }
    } finally {
      await it.return?.();
    }
    const status = tl.status();
    this.onProgress(status);
    return status;
  }

  status(): ReplayStatus {
    return this.timeline.status();
  }

  /** The capture's clock now (for durations on screen). */
  virtualNow(): number | null {
    return this.timeline.virtualNow(this.clock.now());
  }

  step(): void {
    this.timeline.requestStep();
    this.changed();
  }

  setPaused(paused: boolean): void {
    this.timeline.setPaused(paused, this.clock.now());
    this.changed();
  }

  setSpeed(speed: number): void {
    this.timeline.setSpeed(speed, this.clock.now());
    this.changed();
  }

  setStepMode(step: boolean): void {
    this.timeline.setStepMode(step, this.clock.now());
    this.changed();
  }

  /** The keys have ended: the steps asked for so far are played, then timed play resumes. */
  endStepsAfterPending(): void {
    this.timeline.endStepsAfterPending(this.clock.now());
    this.changed();
  }

  stop(): void {
    this.stopped = true;
    this.wake.abort();
  }

  private changed(): void {
    this.onProgress(this.timeline.status());
    this.wake.abort();
  }

  private async deliver(item: Emitted): Promise<void> {
    if (item.kind === 'open') await this.sink.open?.(item.start);
    else if (item.kind === 'event') await this.sink.event?.(item.event);
    else await this.sink.close?.(item.end);
  }
}
