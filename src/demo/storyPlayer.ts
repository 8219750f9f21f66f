/**
 * Plays the story of Bob's three machines (story.ts) through the proxy: each scene is one session from the
 * machine's own loopback address, adapting to what the server lists (a machine that finds the mailbox empty
 * downloads nothing). What each session got is told to the class through a Narrator: the dashboard's note, or
 * text lines with --no-ui.
 */
import { canListen } from '../listen.js';
import { Pop3Connection, type Response } from './connection.js';
import { type BeforeCommand, pause } from './player.js';
import { fetchSteps, loginSteps, QUIT_STEP, type Step, surveyStep } from './scenarios.js';
import {
  COMPARISON_TITLE,
  comparisonLines,
  connectsLine,
  type Received,
  refilledLine,
  type Scene,
  type SessionResult,
  STORY,
  sessionLines,
} from './story.js';

/** Where the story is told: each call replaces the note on screen (the dashboard) or adds its new lines. */
export interface Narrator {
  note(title: string, lines: readonly string[]): void;
}

export interface StoryOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Pause between commands, in milliseconds; a note after a session stays 4 times as long. */
  readonly paceMs: number;
  /** Puts the demo mailbox back as it was at the start; returns how many messages the user has again. */
  readonly refill: () => number;
  /** Resolves once the last session is over on the proxy and the server (its lock released, UPDATE done). */
  readonly settled: () => Promise<void>;
  readonly narrator: Narrator;
  /** A last line for the final screen (e.g. "The demo stays until q."), or null. */
  readonly finished: string | null;
  /** Awaited before each command is sent (demo --play --step). */
  readonly before?: BeforeCommand;
}

/** How long a note about a finished session stays before the next session starts, in paces. */
const NOTE_PACES = 4;
/** Characters of a Subject header shown in the comparison's legend. */
const MAX_SUBJECT_CHARS = 40;

/** The numbers a LIST or UIDL listing names ("1 498", "2 <uid>"). */
function listedNumbers(response: Response): number[] {
  return response.body.map((line) => Number(line.split(' ')[0])).filter((n) => Number.isInteger(n));
}

/** The Subject header of a RETR body (stuffed lines are fine: a header line never starts with a dot). */
function subjectOf(body: readonly string[]): string {
  const end = body.indexOf('');
  const header = (end === -1 ? body : body.slice(0, end)).find((l) => /^subject:/i.test(l));
  const subject = header ? header.slice(header.indexOf(':') + 1).trim() : '(no subject)';
  return subject.length > MAX_SUBJECT_CHARS ? `${subject.slice(0, MAX_SUBJECT_CHARS - 1)}…` : subject;
}

/** One machine's session: log in, survey, fetch what was listed, QUIT or drop. */
async function session(o: StoryOptions, scene: Scene, show: (from: string) => void): Promise<SessionResult> {
  const address = (await canListen(scene.machine.address)) ? scene.machine.address : undefined;
  // Said before the session's transcript begins, so text output reads in order.
  show(address ?? '127.0.0.1');
  const c = await Pop3Connection.open(o.host, o.port, address);
  const run = async (step: Step): Promise<Response> => {
    await pause(o.paceMs);
    await o.before?.(step.command);
    const response = await c.command(step.command, step.multiline);
    if (!response.ok) throw new Error(`the server refused ${step.command.split(' ')[0]}: ${response.status}`);
    return response;
  };
  const received: Received[] = [];
  const marked: number[] = [];
  let removed: number[] = [];
  try {
    for (const step of loginSteps(o.user, o.password)) await run(step);
    const listed = listedNumbers(await run(surveyStep(scene.mode)));
    for (const step of fetchSteps(scene.mode, listed)) {
      const response = await run(step);
      const [verb, arg] = step.command.split(' ');
      const n = Number(arg);
      if (verb === 'RETR') {
        const octets = Number(/^\+OK (\d+)/.exec(response.status)?.[1] ?? Number.NaN);
        received.push({ number: n, octets, subject: subjectOf(response.body) });
      }
      if (verb === 'DELE') marked.push(n);
    }
    if (scene.quits) {
      await run(QUIT_STEP);
      removed = [...marked];
      c.end();
    } else {
      await pause(o.paceMs);
      c.drop();
    }
    await o.settled();
    return { scene, from: c.from, listed, received, marked, removed };
  } catch (error) {
    c.end();
    throw error;
  }
}

/** Plays every round in order and ends on the comparison; resolves with what each session got. */
export async function playStory(o: StoryOptions): Promise<SessionResult[]> {
  const results: SessionResult[] = [];
  for (const round of STORY) {
    const lines = [...(round.refill ? [refilledLine(o.refill())] : []), ...round.intro];
    o.narrator.note(round.title, lines);
    const inRound: SessionResult[] = [];
    for (const scene of round.scenes) {
      await pause(o.paceMs);
      const result = await session(o, scene, (from) =>
        o.narrator.note(round.title, [...lines, connectsLine(scene, from)]),
      );
      lines.push(...sessionLines(result, inRound));
      inRound.push(result);
      results.push(result);
      o.narrator.note(round.title, lines);
      await pause(o.paceMs * NOTE_PACES);
    }
  }
  o.narrator.note(COMPARISON_TITLE, [...comparisonLines(results), ...(o.finished ? [o.finished] : [])]);
  return results;
}

/**
 * A narrator for text output: prints a title when it changes, then the lines of the note that the previous
 * note did not already start with (a note repeats the lines before it; its last line may be the running
 * session's, replaced once that session is told), so the story reads in order between the transcript's lines.
 */
export function textNarrator(write: (text: string) => void): Narrator {
  let title: string | null = null;
  let shown: readonly string[] = [];
  return {
    note(next, lines) {
      if (next !== title) {
        title = next;
        shown = [];
        write(`\n== ${next} ==\n`);
      }
      let same = 0;
      while (same < shown.length && same < lines.length && shown[same] === lines[same]) same++;
      for (const line of lines.slice(same)) write(`   ${line}\n`);
      shown = [...lines];
    },
  };
}
