/**
 * `pop3scope replay CAPTURE [--speed X] [--step] [--session ID] [--ui|--no-ui]`: plays a capture with its
 * original timing (scaled by X; 0 = as fast as possible) or step by step, in the dashboard — or, with
 * --no-ui or without a terminal, as the text transcript of the live proxy, for a projector or a pipe.
 */
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { explainAsk } from '../analysis/explain.js';
import type { CaptureRecord } from '../capture/format.js';
import { openRecords } from '../capture/input.js';
import type { ReplaySink } from '../events.js';
import { textSink } from '../render/printer.js';
import { wantColour } from '../render/style.js';
import { printable } from '../render/text.js';
import { type Clock, ReplayPlayer } from '../replay/timeline.js';
import { TEACHING_PACE_MS } from '../ui/limits.js';
import { runDashboard, wantsDashboard } from '../ui/live.js';
import { CliError } from './errors.js';
import { Output } from './output.js';
import { parsedOption, speed } from './parsers.js';
import { addReplayModeOptions, type ReplayModeOptions, runReplayMode } from './replayModes.js';
import { untilSignal } from './signals.js';
import { addTraceOptions, type TraceFlags, traceOptions } from './traceOptions.js';
import {
  startWebView,
  WEB_HELP,
  type WebFlags,
  type WebView,
  webOption,
  webPublicOption,
  withWebFeed,
} from './webOptions.js';

interface ReplayOptions extends TraceFlags, WebFlags {
  /** Parsed by commander (parsers.ts). */
  speed: number;
  step?: boolean;
  session?: string;
  ui?: boolean;
  color?: boolean;
  /** The dashboard's lesson pane (--lesson; key t) and teaching pace (--teaching-pace; key p). */
  lesson?: boolean;
  teachingPace?: boolean;
}

/** Real timers for the player. */
const WALL_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => {}),
};

/**
 * The capture's records, its header read already: a file that is no capture at all fails here, before any
 * screen is taken over.
 */
async function records(
  file: string,
  warn: (m: string) => void,
  flags: TraceFlags,
): Promise<AsyncIterable<CaptureRecord>> {
  const it = await openRecords(file, { warn, trace: await traceOptions(flags, warn) });
  const first = await it.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (!first.done) yield first.value;
      yield* it;
    },
  };
}

async function replayInDashboard(
  file: string,
  o: ReplayOptions,
  speed: number,
  web: WebView | null,
): Promise<void> {
  if (file === '-')
    throw new CliError('replaying stdin needs --no-ui: the dashboard reads its keys from stdin');
  const warn = (m: string) => process.stderr.write(`pop3scope: warning: ${m}\n`);
  const source = await records(file, warn, o);
  let player: ReplayPlayer | null = null;
  const { Dashboard } = await import('../ui/dashboard.js');
  const dashboard = new Dashboard({
    mode: 'replay',
    replay: { file, speed, step: Boolean(o.step) },
    // With --web the URL first, whole (a clipped token is refused); the step hint after it.
    hint: [
      web?.url,
      o.step ? 'press space for the first step' : web ? null : 'the first session is on its way',
    ]
      .filter(Boolean)
      .join(' · '),
    colour: wantColour(o.color, process.stdout),
    lesson: Boolean(o.lesson),
    paceMs: o.teachingPace ? TEACHING_PACE_MS : null,
    clock: () => player?.virtualNow() ?? Date.now(),
    onAction: (action, state) => {
      if (action.type === 'pause') player?.setPaused(state.paused);
      if (action.type === 'step') player?.step();
      if (action.type === 'speed' && state.replay) player?.setSpeed(state.replay.speed);
    },
  });
  player = new ReplayPlayer(
    source,
    withWebFeed(dashboard, web),
    WALL_CLOCK,
    { speed, step: Boolean(o.step), session: o.session },
    (status) => {
      dashboard.dispatch({ type: 'replay', status });
      if (status.at !== null) dashboard.dispatch({ type: 'tick', now: player?.virtualNow() ?? status.at });
      if (status.done && o.session !== undefined && status.sessions === 0)
        warn(`no session "${o.session}" in ${file}`);
    },
  );
  const work = player.run();
  const p = player;
  await runDashboard(dashboard, {
    signal: untilSignal(),
    work,
    stop: async () => {
      p.stop();
      await work.catch(() => {});
    },
  });
}

/**
 * Step by step as text: after each command the player stops; the command and what it asks go to stderr (the
 * step's prompt, like the hint), while stdout stays the transcript, the same as without --step. Enter plays the
 * answer, which the transcript then prints with its command.
 */
function askingSink(inner: ReplaySink, stepping: () => boolean): ReplaySink {
  return {
    open: (s) => inner.open?.(s),
    close: (e) => inner.close?.(e),
    async event(e) {
      await inner.event?.(e);
      if (e.type !== 'command' || !stepping()) return;
      const at = `[${e.session}]`;
      process.stderr.write(
        `${at} C: ${printable(e.command.line)}\n${at}    ↳ ${explainAsk(e.command)} (Enter: the answer)\n`,
      );
    },
  };
}

async function replayAsText(
  file: string,
  o: ReplayOptions,
  speed: number,
  web: WebView | null,
): Promise<void> {
  const warn = (m: string) => process.stderr.write(`pop3scope: warning: ${m}\n`);
  const source = await records(file, warn, o);
  const out = new Output();
  const text = textSink(out, wantColour(o.color, out));
  // The sink asks the player whether it still steps (the keys may have ended); it is called only while it runs.
  const player: ReplayPlayer = new ReplayPlayer(
    source,
    withWebFeed(o.step ? askingSink(text, () => player.timeline.stepping) : text, web),
    WALL_CLOCK,
    {
      speed,
      step: Boolean(o.step),
      session: o.session,
    },
  );
  let lines: ReturnType<typeof createInterface> | null = null;
  if (o.step) {
    if (file === '-')
      throw new CliError('--step reads Enter from stdin, so the capture cannot come from stdin');
    process.stderr.write(
      'pop3scope replay: step by step: Enter shows the next command and what it asks, Enter again its answer (commands pipelined in one chunk come together; Ctrl-D plays the rest in time)\n',
    );
    lines = createInterface({ input: process.stdin });
    lines.on('line', () => player.step());
    // Enters piped in ahead count: the steps they asked for are played before timed play resumes.
    lines.on('close', () => player.endStepsAfterPending());
  }
  let signalled = false;
  const signal = untilSignal().then(() => {
    signalled = true;
    player.stop();
  });
  try {
    const status = await player.run();
    if (o.session !== undefined && status.sessions === 0)
      throw new CliError(`no session "${o.session}" in ${file}`);
    if (web && !signalled) {
      // The page steps through what it was sent; one opened (or reloaded) now still needs the server.
      process.stderr.write('pop3scope replay: played; the web view stays until Ctrl-C\n');
      await signal;
    }
  } finally {
    lines?.close();
    if (lines) process.stdin.pause();
  }
}

export function registerReplay(program: Command): void {
  const command = program
    .command('replay')
    .description('play a capture file with its original timing (or step by step) in the dashboard or as text')
    .argument('<capture>', 'a capture or a pcap/pcapng trace ("-" reads stdin, with --no-ui)')
    .addOption(
      parsedOption('--speed <x>', 'timing scale: 2 twice as fast, 0.5 half; 0 as fast as possible', speed, 1),
    )
    .option(
      '--step',
      'step by step for a class: each command first (what it asks), then its answer; space in the dashboard, Enter with --no-ui',
    )
    .option('-s, --session <id>', 'only this session')
    .option('--ui', 'show the dashboard even when stdout is not a terminal')
    .option('--no-ui', 'print the text transcript (like the live proxy) instead of the dashboard')
    .option('--lesson', 'show the lesson pane in the dashboard: each POP3 idea as a session shows it (key t)')
    .option('--teaching-pace', 'dashboard: while following, one transaction explained every 3 s (key p)')
    .option('--color', 'colour the text transcript even when stdout is not a terminal')
    .option('--no-color', 'never colour the text transcript or the dashboard (NO_COLOR=1 too)')
    .addHelpText(
      'after',
      `
Keys in the dashboard: space pauses (with --step: shows the next command, then reveals its answer), + and - change the speed,
/ filters, ? shows every key, q quits.

Examples:
  pop3scope replay captures/seed-download-and-delete.jsonl
  pop3scope replay class.jsonl --speed 4 --session s2
  pop3scope replay class.jsonl --step
  pop3scope replay class.jsonl --no-ui --speed 0 | less -R
  pop3scope replay trace.pcap --serve --port 1110
  pop3scope replay class.jsonl --speed 0 --web    the sessions in the browser, stepped through arrow by arrow
${WEB_HELP}`,
    )
    .addOption(webOption())
    .addOption(webPublicOption());
  addTraceOptions(addReplayModeOptions(command)).action(async (file: string, o: ReplayOptions) => {
    // --serve / --against (replayModes.ts) replay to or against a real peer instead of the timeline.
    const peer = o as ReplayOptions & ReplayModeOptions;
    if ((o.web !== undefined || o.webPublic) && (peer.serve || peer.against !== undefined))
      throw new CliError(`--web shows the timeline replay, not ${peer.serve ? '--serve' : '--against'}`);
    const code = await runReplayMode(file, o);
    if (code !== null) {
      if (code) throw new CliError('', code);
      return;
    }
    const web = await startWebView(o, { title: `pop3scope replay — ${file}`, steps: true });
    try {
      if (wantsDashboard({ ui: o.ui })) await replayInDashboard(file, o, o.speed, web);
      else await replayAsText(file, o, o.speed, web);
    } finally {
      await web?.stop();
    }
  });
}
