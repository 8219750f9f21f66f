/**
 * How every command's flag values are parsed: commander runs these (`new Option(...).argParser(p)`) while it
 * reads the command line, so an action only ever sees checked numbers and known choices. A bad value throws a
 * CliError, which main.ts prints as one line and exits 2 with, before anything listens or is read.
 */
import { Option } from 'commander';
import { CliError } from './errors.js';
import { MAX_TIMER_SECONDS } from './limits.js';

/** Turns a flag's text into its value, or throws a one-line CliError naming the flag. */
export type Parser<T> = (text: string) => T;

// Digits with an optional fraction: no sign, exponent, hex, blanks or Infinity, which Number() would accept.
const DECIMAL = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

/** A decimal number from `min` up (`above` excludes `min` itself); `what` says what is wanted in the error. */
function decimal(
  flag: string,
  what: string,
  o: { min: number; above?: boolean; max?: { value: number; unit: string }; integer?: boolean },
): Parser<number> {
  return (text) => {
    const value = Number(text);
    const ok =
      DECIMAL.test(text) &&
      Number.isFinite(value) &&
      (o.above ? value > o.min : value >= o.min) &&
      (!o.integer || Number.isInteger(value));
    if (!ok) throw new CliError(`${flag} must be ${what}, not "${text}"`);
    if (o.max && value > o.max.value)
      throw new CliError(`${flag} must be at most ${o.max.value}${o.max.unit}, not "${text}"`);
    return value;
  };
}

const TIMER_SECONDS = { value: MAX_TIMER_SECONDS, unit: ' seconds (about 24 days)' };

/** Seconds above 0 (a timeout that must end). */
export const positiveSeconds = (flag: string): Parser<number> =>
  decimal(flag, 'a number of seconds above 0', { min: 0, above: true, max: TIMER_SECONDS });

/** Seconds from 0 up, where 0 means no limit. */
export const secondsOrNoLimit = (flag: string): Parser<number> =>
  decimal(flag, 'a number of seconds (0 for no limit)', { min: 0, max: TIMER_SECONDS });

/** Milliseconds from 0 up (a pause). */
export const milliseconds = (flag: string): Parser<number> =>
  decimal(flag, 'a number of milliseconds from 0 up', {
    min: 0,
    max: { value: MAX_TIMER_SECONDS * 1000, unit: ' ms (about 24 days)' },
  });

/** A whole number above 0 (a count). */
export const positiveInteger = (flag: string): Parser<number> =>
  decimal(flag, 'a whole number above 0', {
    min: 0,
    above: true,
    integer: true,
    max: { value: Number.MAX_SAFE_INTEGER, unit: '' },
  });

/** A TCP port to listen on. */
export const portNumber = (flag: string): Parser<number> =>
  decimal(flag, '1 to 65535', { min: 1, integer: true, max: { value: 65535, unit: '' } });

/** A replay speed factor: 2 twice as fast, 0.5 half, 0 as fast as possible. */
export const speed = (flag: string): Parser<number> =>
  decimal(flag, 'a number from 0 up (0 plays as fast as possible)', { min: 0 });

/** One of `choices`, exactly as written. */
export function oneOf<T extends string>(flag: string, choices: readonly T[]): Parser<T> {
  return (text) => {
    if (!(choices as readonly string[]).includes(text))
      throw new CliError(`${flag} must be one of ${choices.join(', ')}, not "${text}"`);
    return text as T;
  };
}

/** The long flag of commander's `flags` ("-f, --format <format>" → "--format"), as errors name it. */
function longFlag(flags: string): string {
  return /--[a-z0-9-]+/i.exec(flags)?.[0] ?? flags;
}

/**
 * An option whose value `parser(flag)` checks; its default (already a value, which commander does not parse)
 * is shown in --help as the text a user would type.
 */
export function parsedOption<T>(
  flags: string,
  description: string,
  parser: (flag: string) => Parser<T>,
  defaultValue?: T,
): Option {
  const option = new Option(flags, description).argParser(parser(longFlag(flags)));
  return defaultValue === undefined
    ? option
    : option.default(defaultValue, JSON.stringify(String(defaultValue)));
}

/** An option with a fixed set of values, listed in --help, a bad one refused in one line. */
export function choiceOption<T extends string>(
  flags: string,
  description: string,
  choices: readonly T[],
  defaultValue?: T,
): Option {
  // choices() lists them in --help; the parser set after it replaces commander's two-line refusal.
  const option = new Option(flags, description).choices(choices).argParser(oneOf(longFlag(flags), choices));
  return defaultValue === undefined ? option : option.default(defaultValue);
}
