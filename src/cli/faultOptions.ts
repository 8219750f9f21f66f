/**
 * The fault-injection flags (docs/faults.md): `--fault RULE` (repeatable), `--faults FILE` (a JSON rules file),
 * `--seed N`. Everything is parsed before anything listens, so a bad rule is one line and exit 2. Without a
 * seed one is drawn and said on the start line, so any run can be repeated exactly.
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { FaultInjector, seeded } from '../faults/injector.js';
import { parsePlan } from '../faults/rules.js';
import { parseRulesFile } from '../faults/rulesFile.js';
import { type FaultPlan, FaultRuleError } from '../faults/types.js';
import type { InjectorFactory } from '../proxy/faultRelay.js';
import { counted } from '../words.js';
import { CliError } from './errors.js';

export interface FaultFlags {
  fault?: string[];
  faults?: string;
  seed?: number;
}

const SEED = /^[0-9]{1,10}$/;

/** Adds --fault, --faults and --seed to `command`. */
export function addFaultOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--fault <rule>',
        'inject a fault: WHERE ACTION, e.g. "RETR #1 cut 400", "DELE err [IN-USE] busy" (repeatable; docs/faults.md)',
      ).argParser((text: string, previous: string[] | undefined) => [...(previous ?? []), text]),
    )
    .option('--faults <file>', 'inject the faults of this JSON rules file (docs/faults.md)')
    .addOption(
      new Option(
        '--seed <n>',
        'the seed of probabilistic faults (p=…); default: a new one, shown at start',
      ).argParser((text: string) => {
        if (!SEED.test(text) || Number(text) > 0xffffffff)
          throw new CliError(`--seed must be a whole number from 0 to 4294967295, not "${text}"`);
        return Number(text);
      }),
    );
}

/** The run's faults, or null when no rule was given. Throws CliError (one line). */
export async function faultPlan(flags: FaultFlags): Promise<FaultPlan | null> {
  const texts = [...(flags.fault ?? [])];
  let seed = flags.seed;
  if (flags.faults !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.faults, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(
        `--faults ${flags.faults}: cannot read it (${code === 'ENOENT' ? 'no such file' : code})`,
      );
    }
    try {
      const file = parseRulesFile(text, flags.faults);
      texts.push(...file.rules);
      seed ??= file.seed;
    } catch (error) {
      if (error instanceof FaultRuleError) throw new CliError(error.message);
      throw error;
    }
  }
  if (texts.length === 0) {
    if (flags.seed !== undefined)
      throw new CliError('--seed needs a fault to seed (--fault RULE or --faults FILE)');
    return null;
  }
  try {
    return parsePlan(texts, seed ?? randomInt(0, 2 ** 32));
  } catch (error) {
    if (error instanceof FaultRuleError) throw new CliError(error.message);
    throw error;
  }
}

/** Each session's injector: the same plan, a random stream of its own derived from the seed. */
export function injectorFactory(plan: FaultPlan): InjectorFactory {
  return (n) => new FaultInjector(plan, n, seeded(plan.seed, n));
}

/** How the start line says what is injected: "injecting 2 faults (seed 1234)". */
export function faultsLine(plan: FaultPlan): string {
  return `injecting ${counted(plan.rules.length, 'fault')} (seed ${plan.seed}: --seed ${plan.seed} repeats this run)`;
}
