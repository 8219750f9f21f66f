#!/usr/bin/env node
/**
 * The pop3scope command line. It turns every outcome into the exit status (README "Exit status and debugging");
 * everything else throws or returns. process.exit is called only where the process must end before its open
 * handles would let it: here on EPIPE, in signals.ts on a second signal, in ui/live.ts on a second `q`.
 */
import { Command, CommanderError } from 'commander';
import { CaptureError } from '../capture/reader.js';
import { VERSION } from '../version.js';
import { CliError } from './errors.js';

type Register = (program: Command) => void;

/**
 * Every command, in the order help lists them, each loaded only when it is needed: a run loads its own command
 * and what that uses, not the other ten. Why it matters beyond start-up: the whole CLI put V8's old generation
 * past 8 MB, where V8 starts incremental marking whenever the young generation (grown to 16 MB by a relay's
 * stream of socket buffers) is larger than the old generation's room left; `pop3scope proxy` then marked its
 * heap once per ~30 MB relayed (2.1–2.3 ms CPU/MB instead of ~1.2; docs/benchmarks.md, issue #18). Loaded
 * alone, the proxy's heap stays under that threshold (test/cli/gc.test.ts counts the mark-compacts).
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  demo: async () => (await import('./demo.js')).registerDemo,
  proxy: async () => (await import('./proxy.js')).registerProxy,
  serve: async () => (await import('./serve.js')).registerServe,
  show: async () => (await import('./show.js')).registerShow,
  report: async () => (await import('./report.js')).registerReport,
  replay: async () => (await import('./replay.js')).registerReplay,
  check: async () => (await import('./check.js')).registerCheck,
  export: async () => (await import('./export.js')).registerExport,
  ca: async () => (await import('./ca.js')).registerCa,
  client: async () => (await import('./client.js')).registerClient,
  faults: async () => (await import('./faultsRun.js')).registerFaults,
};

/** The command argv names (it comes first: the program's own options are only --help and --version). */
function commandsFor(argv: readonly string[]): string[] {
  const name = argv[2];
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? [name] : Object.keys(COMMANDS);
}

async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('pop3scope')
    .version(VERSION)
    .description(
      'A protocol-inspecting POP3 proxy and debugger: relay, annotate, record and replay POP3 sessions.',
    )
    .exitOverride();
  // Help, a mistyped command, or no command at all: every command, so the listing and the refusal are whole.
  for (const register of await Promise.all(commandsFor(argv).map((name) => COMMANDS[name]!())))
    register(program);
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
  // A closed pipe (show | head) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
  });
  try {
    await (await buildProgram(argv)).parseAsync(argv);
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
