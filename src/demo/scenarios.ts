/**
 * The two client modes of the seed article, as tables of steps a built-in client plays through the proxy:
 * download-and-delete (LIST, RETR and DELE each message, QUIT: the server removes them in UPDATE) and
 * download-and-keep (UIDL, RETR each, QUIT: everything stays on the server for the next machine).
 */

export type ScenarioName = 'download-and-delete' | 'download-and-keep';
export const SCENARIOS: readonly ScenarioName[] = ['download-and-delete', 'download-and-keep'];

export interface Step {
  readonly command: string;
  /** Whether a +OK answer is followed by a multi-line body. */
  readonly multiline: boolean;
}

const single = (command: string): Step => ({ command, multiline: false });
const multi = (command: string): Step => ({ command, multiline: true });

/** Logging in: USER, then PASS. */
export function loginSteps(user: string, password: string): Step[] {
  return [single(`USER ${user}`), single(`PASS ${password}`)];
}

/** How the mode learns what the maildrop holds: LIST (sizes) to delete, UIDL (ids that last) to keep. */
export function surveyStep(name: ScenarioName): Step {
  return multi(name === 'download-and-delete' ? 'LIST' : 'UIDL');
}

/** What the mode does with each message the survey listed: RETR and DELE, or RETR only. */
export function fetchSteps(name: ScenarioName, numbers: readonly number[]): Step[] {
  return numbers.flatMap((n) =>
    name === 'download-and-delete' ? [multi(`RETR ${n}`), single(`DELE ${n}`)] : [multi(`RETR ${n}`)],
  );
}

export const QUIT_STEP: Step = single('QUIT');

/** The steps for a maildrop of `count` messages. */
export function scenarioSteps(name: ScenarioName, user: string, password: string, count: number): Step[] {
  const numbers = Array.from({ length: count }, (_, i) => i + 1);
  return [...loginSteps(user, password), surveyStep(name), ...fetchSteps(name, numbers), QUIT_STEP];
}
