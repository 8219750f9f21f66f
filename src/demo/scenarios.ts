/**
 * The two client modes of the seed article, as tables of steps a built-in client plays through the proxy:
 * download-and-delete (LIST, RETR and DELE each message, QUIT: the server removes them in UPDATE) and
 * download-and-keep (UIDL, RETR each, QUIT: everything stays on the server for the next machine).
 */

import { lookupCommand } from '../protocol/commands.js';

export type ScenarioName = 'download-and-delete' | 'download-and-keep';
export const SCENARIOS: readonly ScenarioName[] = ['download-and-delete', 'download-and-keep'];

export interface Step {
  readonly command: string;
  /** Whether a +OK answer is followed by a multi-line body. */
  readonly multiline: boolean;
}

/** A command the client sends; whether its +OK carries a body is the command table's to say (LIST, not DELE). */
function step(command: string): Step {
  const [verb = '', ...args] = command.split(' ');
  return { command, multiline: lookupCommand(verb)?.multiline(args) ?? false };
}

/** Logging in: USER, then PASS. */
export function loginSteps(user: string, password: string): Step[] {
  return [step(`USER ${user}`), step(`PASS ${password}`)];
}

/** How the mode learns what the maildrop holds: LIST (sizes) to delete, UIDL (ids that last) to keep. */
export function surveyStep(name: ScenarioName): Step {
  return step(name === 'download-and-delete' ? 'LIST' : 'UIDL');
}

/** What the mode does with each message the survey listed: RETR and DELE, or RETR only. */
export function fetchSteps(name: ScenarioName, numbers: readonly number[]): Step[] {
  return numbers.flatMap((n) =>
    name === 'download-and-delete' ? [step(`RETR ${n}`), step(`DELE ${n}`)] : [step(`RETR ${n}`)],
  );
}

export const QUIT_STEP: Step = step('QUIT');

/** The steps for a maildrop of `count` messages. */
export function scenarioSteps(name: ScenarioName, user: string, password: string, count: number): Step[] {
  const numbers = Array.from({ length: count }, (_, i) => i + 1);
  return [...loginSteps(user, password), surveyStep(name), ...fetchSteps(name, numbers), QUIT_STEP];
}
