#!/usr/bin/env node
/**
 * The pop3scope command line. It turns every outcome into the exit status (README "Exit status and debugging");
 * everything else throws or returns. process.exit is called only where the process must end before its open
 * handles would let it: here on EPIPE, in signals.ts on a second signal, in ui/live.ts on a second `q`.
 */
import { Command, CommanderError } from 'commander';
import { CaptureError } from '../capture/reader.js';
import { VERSION } from '../version.js';
import { registerCa } from './ca.js';
import { registerCheck } from './check.js';
import { registerClient } from './client.js';
import { registerDemo } from './demo.js';
import { CliError } from './errors.js';
import { registerExport } from './export.js';
import { registerFaults } from './faultsRun.js';
import { tuneGarbageCollection } from './gc.js';
import { registerProxy } from './proxy.js';
import { registerReplay } from './replay.js';
import { registerReport } from './report.js';
import { registerServe } from './serve.js';
import { registerShow } from './show.js';

function buildProgram(): Command {
  const program = new Command('pop3scope')
    .version(VERSION)
    .description(
      'A protocol-inspecting POP3 proxy and debugger: relay, annotate, record and replay POP3 sessions.',
    )
    .exitOverride();
  registerDemo(program);
  registerProxy(program);
  registerServe(program);
  registerShow(program);
  registerReport(program);
  registerReplay(program);
  registerCheck(program);
  registerExport(program);
  registerCa(program);
  registerClient(program);
  registerFaults(program);
  program.addHelpText(
    'after',
    `
Examples:
  pop3scope demo                                the demo: embedded server + proxy, shown live
  pop3scope client                              type POP3 into the demo (no telnet needed)
  pop3scope show captures/seed-download-and-delete.jsonl
  pop3scope check captures/*.jsonl
  pop3scope report captures/seed-download-and-delete.jsonl -o seed.html
(the sample captures ship with pop3scope: in a clone, or in "$(npm root -g)/pop3scope" when installed)`,
  );
  // Commander's refusals (unknown option or command, missing argument) are one line like every other bad input,
  // naming the help that shows the right usage.
  const oneLine = (help: string) => (message: string, write: (s: string) => void) =>
    write(`pop3scope: ${message.replace(/^error: /, '').trimEnd()} (see ${help})\n`);
  const everywhere = (command: Command, path: string) => {
    command.exitOverride();
    command.configureOutput({ outputError: oneLine(`${path} --help`) });
    for (const sub of command.commands) everywhere(sub, `${path} ${sub.name()}`);
  };
  everywhere(program, 'pop3scope');
  return program;
}

async function main(argv: string[]): Promise<number> {
  tuneGarbageCollection();
  // A closed pipe (show | head) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
  });
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      const quiet = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
      return quiet ? 0 : 2;
    }
    if (error instanceof CliError || error instanceof CaptureError) {
      if (error.message) process.stderr.write(`pop3scope: ${error.message}\n`);
      return error instanceof CliError ? error.exitCode : 2;
    }
    process.stderr.write(`pop3scope: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    if (process.env.POP3SCOPE_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
    return 70;
  }
}

process.exitCode = await main(process.argv);
