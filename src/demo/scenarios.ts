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

/** The steps for a maildrop of `count` messages. */
export function scenarioSteps(name: ScenarioName, user: string, password: string, count: number): Step[] {
  const login = [single(`USER ${user}`), single(`PASS ${password}`)];
  const numbers = Array.from({ length: count }, (_, i) => i + 1);
  if (name === 'download-and-delete') {
    return [
      ...login,
      multi('LIST'),
      ...numbers.flatMap((n) => [multi(`RETR ${n}`), single(`DELE ${n}`)]),
      single('QUIT'),
    ];
  }
  return [...login, multi('UIDL'), ...numbers.map((n) => multi(`RETR ${n}`)), single('QUIT')];
}
