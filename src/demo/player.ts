/**
 * A small lock-step POP3 client that plays a scenario against a server (through the proxy, in the demo),
 * pausing between commands so a class can follow each step on screen.
 */
import { Pop3Connection } from './connection.js';
import { type ScenarioName, scenarioSteps } from './scenarios.js';

export interface PlayOptions {
  readonly host: string;
  readonly port: number;
  readonly scenario: ScenarioName;
  readonly user: string;
  readonly password: string;
  /** How many messages the maildrop holds. */
  readonly messages: number;
  /** Pause between commands, in milliseconds. */
  readonly paceMs: number;
  /** Awaited before each command is sent (demo --play --step: shows it and waits for the key). */
  readonly before?: BeforeCommand;
}

/** What a step-through does before a command goes out: `command` is the raw line (it may hold a password). */
export type BeforeCommand = (command: string) => Promise<void>;

export const pause = (ms: number) =>
  ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve();

/** Plays the scenario; resolves with the first line of each response. Rejects if the server refuses a step. */
export async function play(o: PlayOptions): Promise<string[]> {
  const connection = await Pop3Connection.open(o.host, o.port);
  const firstLines: string[] = [connection.greeting];
  try {
    for (const step of scenarioSteps(o.scenario, o.user, o.password, o.messages)) {
      await pause(o.paceMs);
      await o.before?.(step.command);
      const response = await connection.command(step.command, step.multiline);
      firstLines.push(response.status);
      if (!response.ok)
        throw new Error(`the server refused ${step.command.split(' ')[0]}: ${response.status}`);
    }
  } finally {
    connection.end();
  }
  return firstLines;
}
