/**
 * pino loggers for pop3scope: JSON to a file (or stderr when asked), pretty via pino-pretty when stderr is a
 * terminal. Destinations are synchronous so nothing is lost on a quick exit. Secrets never reach a log: the
 * engine masks them before anything is logged, and the `redact` paths below are a second net.
 */
import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LogOptions {
  /** A file path, "-" for JSON on stderr, or undefined for the default (pretty on a TTY, JSON otherwise). */
  readonly file?: string;
  readonly level?: string;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const REDACT = ['password', 'pass', 'secret', 'digest', 'token', '*.password', '*.secret', '*.token'];

export function createLogger(o: LogOptions = {}): Logger {
  const level = o.level ?? 'info';
  const base = { level, redact: { paths: REDACT, censor: '<redacted>' }, base: { app: 'pop3scope' } };
  if (o.file && o.file !== '-')
    return pino(base, pino.destination({ dest: o.file, sync: true, mkdir: true }));
  if (!o.file && process.stderr.isTTY) {
    return pino(
      base,
      pretty({
        destination: 2,
        sync: true,
        colorize: true,
        ignore: 'pid,hostname,app',
        translateTime: 'SYS:HH:MM:ss.l',
      }),
    );
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

/** A logger that writes nothing: the default in tests and libraries. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
