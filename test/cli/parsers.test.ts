/**
 * The flag parsers commander runs (src/cli/parsers.ts): numbers in plain decimal only, each bound said in the
 * one-line error, and a bad value refused while the command line is read — one line on stderr, exit 2.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/errors.js';
import { MAX_TIMER_SECONDS } from '../../src/cli/limits.js';
import {
  choiceOption,
  milliseconds,
  oneOf,
  parsedOption,
  portNumber,
  positiveInteger,
  positiveSeconds,
  secondsOrNoLimit,
  speed,
} from '../../src/cli/parsers.js';
import { runCli } from '../helpers/cli.js';

function refusal(parse: (text: string) => unknown, text: string): string {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return (error as CliError).message;
  }
  throw new Error(`"${text}" was accepted`);
}

const NOT_DECIMAL = ['', ' 5', '5 ', '-1', '+1', '1e3', '0x10', 'Infinity', 'NaN', 'soon', '1,5', '1.2.3'];

describe('number parsers', () => {
  it('accept plain decimals, and refuse signs, exponents, hex, blanks and words', () => {
    const p = positiveSeconds('--connect-timeout');
    expect(p('10')).toBe(10);
    expect(p('0.5')).toBe(0.5);
    expect(p('.5')).toBe(0.5);
    expect(p('2.')).toBe(2);
    for (const text of NOT_DECIMAL)
      expect(refusal(p, text)).toBe(`--connect-timeout must be a number of seconds above 0, not "${text}"`);
    expect(refusal(p, '0')).toBe('--connect-timeout must be a number of seconds above 0, not "0"');
    expect(refusal(speed('--speed'), '9'.repeat(400))).toMatch(/^--speed must be a number from 0 up/);
  });

  it('regression: a timeout beyond what a Node timer holds is refused (it would fire after 1 ms)', () => {
    const big = String(MAX_TIMER_SECONDS + 1);
    expect(positiveSeconds('--idle-timeout')(String(MAX_TIMER_SECONDS))).toBe(MAX_TIMER_SECONDS);
    expect(refusal(positiveSeconds('--idle-timeout'), big)).toBe(
      `--idle-timeout must be at most ${MAX_TIMER_SECONDS} seconds (about 24 days), not "${big}"`,
    );
    expect(refusal(secondsOrNoLimit('--greeting-timeout'), '99999999')).toMatch(/must be at most/);
    expect(refusal(milliseconds('--pace'), '9999999999')).toMatch(/^--pace must be at most \d+ ms/);
    expect((MAX_TIMER_SECONDS + 1) * 1000).toBeGreaterThan(2 ** 31 - 1);
    expect(MAX_TIMER_SECONDS * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it('each parser says its own range', () => {
    expect(secondsOrNoLimit('--greeting-timeout')('0')).toBe(0);
    expect(refusal(secondsOrNoLimit('--greeting-timeout'), 'soon')).toBe(
      '--greeting-timeout must be a number of seconds (0 for no limit), not "soon"',
    );
    expect(milliseconds('--pace')('0')).toBe(0);
    expect(refusal(milliseconds('--pace'), '-5')).toBe(
      '--pace must be a number of milliseconds from 0 up, not "-5"',
    );
    expect(positiveInteger('--max-sessions')('5')).toBe(5);
    expect(refusal(positiveInteger('--max-sessions'), '1.5')).toBe(
      '--max-sessions must be a whole number above 0, not "1.5"',
    );
    expect(refusal(positiveInteger('--max-sessions'), '0')).toMatch(/whole number above 0/);
    expect(portNumber('--port')('65535')).toBe(65535);
    expect(refusal(portNumber('--port'), '0')).toBe('--port must be 1 to 65535, not "0"');
    expect(refusal(portNumber('--port'), '65536')).toBe('--port must be at most 65535, not "65536"');
    expect(refusal(portNumber('--port'), '80.5')).toBe('--port must be 1 to 65535, not "80.5"');
    expect(speed('--speed')('0')).toBe(0);
    expect(refusal(speed('--speed'), '-1')).toBe(
      '--speed must be a number from 0 up (0 plays as fast as possible), not "-1"',
    );
  });

  it('oneOf takes a choice exactly as written', () => {
    const p = oneOf('--format', ['text', 'json']);
    expect(p('json')).toBe('json');
    expect(refusal(p, 'JSON')).toBe('--format must be one of text, json, not "JSON"');
  });
});

describe('options built from them', () => {
  const program = () =>
    new Command('t')
      .exitOverride()
      .addOption(parsedOption('-t, --timeout <seconds>', 'a timeout', positiveSeconds, 30))
      .addOption(choiceOption('-f, --format <format>', 'a format', ['text', 'json'], 'text'));

  it('give the action parsed values, and the defaults as values', async () => {
    expect((await program().parseAsync(['-t', '2.5', '-f', 'json'], { from: 'user' })).opts()).toEqual({
      timeout: 2.5,
      format: 'json',
    });
    expect((await program().parseAsync([], { from: 'user' })).opts()).toEqual({
      timeout: 30,
      format: 'text',
    });
  });

  it('refuse a bad value while parsing, naming the long flag', async () => {
    await expect(program().parseAsync(['-t', 'soon'], { from: 'user' })).rejects.toThrow(
      new CliError('--timeout must be a number of seconds above 0, not "soon"'),
    );
    await expect(program().parseAsync(['--format=xml'], { from: 'user' })).rejects.toThrow(
      new CliError('--format must be one of text, json, not "xml"'),
    );
  });

  it('show the default as typed and the choices in --help', () => {
    const help = program().helpInformation();
    expect(help).toMatch(/-t, --timeout <seconds>\s+a timeout \(default: "30"\)/);
    expect(help).toMatch(/-f, --format <format>\s+a format \(choices: "text", "json", default: "text"\)/);
  });
});

describe('bad flag values on the command line: one line on stderr, exit 2', () => {
  it.each([
    [['serve', '--idle-timeout', 'soon'], '--idle-timeout must be a number of seconds above 0, not "soon"'],
    [
      ['serve', '--idle-timeout', '9999999'],
      `--idle-timeout must be at most ${MAX_TIMER_SECONDS} seconds (about 24 days), not "9999999"`,
    ],
    [['serve', '--max-sessions', '1.5'], '--max-sessions must be a whole number above 0, not "1.5"'],
    [['demo', '--port', '70000'], '--port must be at most 65535, not "70000"'],
    [['demo', '--pace', 'slow'], '--pace must be a number of milliseconds from 0 up, not "slow"'],
    [
      ['demo', '--play', 'everything'],
      '--play must be one of download-and-delete, download-and-keep, both, keep-vs-delete, not "everything"',
    ],
    [
      ['proxy', '-u', '127.0.0.1:9', '--connect-timeout', '0'],
      '--connect-timeout must be a number of seconds above 0, not "0"',
    ],
    [
      ['proxy', '-u', '127.0.0.1:9', '--log-level', 'loud'],
      '--log-level must be one of fatal, error, warn, info, debug, trace, silent, not "loud"',
    ],
    [
      ['proxy', '-u', '127.0.0.1:9', '--stls', 'maybe'],
      '--stls must be one of intercept, passthrough, strip, not "maybe"',
    ],
    [['proxy', '-u', '127.0.0.1:9', '--format', 'xml'], '--format must be one of text, json, not "xml"'],
    [
      ['replay', 'captures/pipelined.jsonl', '--serve', '--timing', 'slow'],
      '--timing must be one of recorded, fast, not "slow"',
    ],
    [
      ['replay', 'captures/pipelined.jsonl', '--serve', '--on-mismatch', 'cry'],
      '--on-mismatch must be one of error, close, seek, not "cry"',
    ],
  ])('%j', (args, message) => {
    const r = runCli(args);
    expect(r.stderr).toBe(`pop3scope: ${message}\n`);
    expect(r.code).toBe(2);
  });
});
