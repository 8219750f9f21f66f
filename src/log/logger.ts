/**
 * pino loggers for pop3scope: JSON to a file (or stderr when asked), pretty via pino-pretty when stderr is a
 * terminal. Destinations are synchronous so nothing is lost on a quick exit. Secrets never reach a log: the
 * engine masks them before anything is logged, and the `redact` paths below are a second net.
 */
import { existsSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import { wantColour } from '../render/style.js';

export type { Logger };

export interface LogOptions {
  /** A file path, "-" for JSON on stderr, or undefined for the default (pretty on a TTY, JSON otherwise). */
  readonly file?: string;
  readonly level?: string;
  /** The --color/--no-color flag, for the pretty terminal log; undefined leaves it to `wantColour`. */
  readonly colour?: boolean;
}

/** A log file that cannot be opened for appending (its code: ENOENT, EACCES, EISDIR, ...). */
export class LogFileError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
  ) {
    super(`cannot write the log file ${file}: ${code}`);
  }
}

/**
 * Creates the missing folders of a path one level at a time. Not mkdir's `recursive`: on a path it cannot create
 * under /proc, Node 20's recursive mkdir loops forever instead of failing.
 */
function makeFolders(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeFolders(parent);
  mkdirSync(dir);
}

/**
 * Opens (creating its folder when missing) a log file for appending, owner-only: a log names users. An existing
 * file is tightened to 0600 too. Opened here, synchronously, so that a bad path is one clear error before
 * anything listens (given the path, pino's destination made the folder with that looping mkdir).
 */
function openLogFile(file: string): number {
  try {
    makeFolders(dirname(file));
    const fd = openSync(file, 'a', 0o600);
    fchmodSync(fd, 0o600);
    return fd;
  } catch (error) {
    throw new LogFileError(file, (error as NodeJS.ErrnoException).code ?? String(error));
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const REDACT = ['password', 'pass', 'secret', 'digest', 'token', '*.password', '*.secret', '*.token'];
/** What every pop3scope logger has: the redaction (a second net behind the engine's masking) and its name. */
const COMMON = { redact: { paths: REDACT, censor: '<redacted>' }, base: { app: 'pop3scope' } };

export function createLogger(o: LogOptions = {}): Logger {
  const level = o.level ?? 'info';
  const base = { ...COMMON, level };
  if (o.file && o.file !== '-')
    return pino(base, pino.destination({ dest: openLogFile(o.file), sync: true }));
  if (!o.file && process.stderr.isTTY) {
    return pino(
      base,
      pretty({
        destination: 2,
        sync: true,
        colorize: wantColour(o.colour, process.stderr),
        ignore: 'pid,hostname,app',
        translateTime: 'SYS:HH:MM:ss.l',
      }),
    );
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

/** A logger that writes nothing: the default in tests and libraries (the same redaction, should a level be raised). */
export function silentLogger(): Logger {
  return pino({ ...COMMON, level: 'silent' });
}
