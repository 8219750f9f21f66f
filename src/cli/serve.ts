/** `pop3scope serve`: the embedded POP3 server, on the demo maildrops or on Maildirs, until SIGINT/SIGTERM. */
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { type Logger, pino } from 'pino';
import { SERVER_IDLE_TIMEOUT_MS, SERVER_MAX_SESSIONS } from '../protocol/limits.js';
import { checkMaildirRoot, MaildirStore } from '../server/maildirStore.js';
import { demoStore } from '../server/memoryStore.js';
import { type RunningServer, startServer } from '../server/server.js';
import type { MailStore } from '../server/store.js';
import { loadUsers } from '../server/usersFile.js';
import { CliError } from './errors.js';

/** Where `serve` listens by default; the proxy's default is 1110, so the two can run side by side. */
export const DEFAULT_SERVE_LISTEN = '127.0.0.1:2110';

export interface ServeFlags {
  listen?: string;
  demo?: boolean;
  maildir?: string;
  users?: string;
  idleTimeout?: string;
  maxSessions?: string;
  verbose?: boolean;
}

/** Parses `ADDR:PORT` or `[IPv6]:PORT`. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port > 65535)
    throw new CliError(`--listen: expected ADDR:PORT (e.g. 127.0.0.1:2110), got "${text}"`);
  return { host: match[1] ?? match[2]!, port };
}

function positive(flag: string, text: string, integer: boolean): number {
  const value = Number(text);
  const valid = /^[0-9]+(\.[0-9]+)?$/.test(text) && value > 0 && (!integer || Number.isInteger(value));
  if (!valid)
    throw new CliError(`${flag}: expected a positive ${integer ? 'whole number' : 'number'}, got "${text}"`);
  return value;
}

async function chooseStore(flags: ServeFlags): Promise<MailStore> {
  if (flags.demo && flags.maildir) throw new CliError('--demo and --maildir cannot be used together');
  if (flags.users && !flags.maildir) throw new CliError('--users only applies with --maildir DIR');
  if (!flags.maildir) return demoStore();
  if (!flags.users) throw new CliError('--maildir needs --users FILE (lines of user:password)');
  try {
    await checkMaildirRoot(flags.maildir);
    return new MaildirStore(flags.maildir, await loadUsers(flags.users));
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** Starts the server as the flags say and prints where it listens; errors are CliErrors with one-line messages. */
export async function startServe(flags: ServeFlags, out: Writable = process.stdout): Promise<RunningServer> {
  const { host, port } = parseListen(flags.listen ?? DEFAULT_SERVE_LISTEN);
  const idleTimeoutMs =
    flags.idleTimeout === undefined
      ? SERVER_IDLE_TIMEOUT_MS
      : positive('--idle-timeout', flags.idleTimeout, false) * 1000;
  const maxSessions =
    flags.maxSessions === undefined
      ? SERVER_MAX_SESSIONS
      : positive('--max-sessions', flags.maxSessions, true);
  const store = await chooseStore(flags);
  // Logs go to stderr, so stdout keeps just the one line a script may read.
  const logger: Logger = pino({ level: flags.verbose ? 'info' : 'silent' }, pino.destination(2));
  let server: RunningServer;
  try {
    server = await startServer({ host, port, store, idleTimeoutMs, maxSessions, logger });
  } catch (e) {
    throw new CliError(
      `cannot listen on ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const bound = server.address();
  const shown = bound.host.includes(':') ? `[${bound.host}]:${bound.port}` : `${bound.host}:${bound.port}`;
  out.write(
    `pop3scope serve: listening on ${shown}, ${store.description}, users: ${store.userNames().join(', ')}\n`,
  );
  return server;
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the embedded POP3 server on the demo maildrops or on Maildirs')
    .option('--listen <addr:port>', 'where to listen', DEFAULT_SERVE_LISTEN)
    .option('--demo', 'serve the built-in demo maildrops (the default): bob/hungry, alice/wonderland')
    .option('--maildir <dir>', 'serve one Maildir per user: DIR/<user>/{cur,new,tmp}')
    .option('--users <file>', 'with --maildir: users file, one user:password per line, # comments')
    .option(
      '--idle-timeout <seconds>',
      'close a session idle this long, without UPDATE',
      String(SERVER_IDLE_TIMEOUT_MS / 1000),
    )
    .option(
      '--max-sessions <n>',
      'concurrent sessions; more get -ERR [SYS/TEMP]',
      String(SERVER_MAX_SESSIONS),
    )
    .option('--verbose', 'log connections, logins (user names only) and errors to stderr as JSON')
    .addHelpText(
      'after',
      `
The demo maildrops start fresh on every start: bob has the seed's two messages (498 and 912 octets),
alice has messages with dot-stuffed lines, UTF-8 headers and a ~180 KB body. DELE removes a message only
at QUIT, as RFC 1939 says; a dropped connection removes nothing. SIGINT or SIGTERM stops the server.

Examples:
  pop3scope serve                                   demo maildrops on 127.0.0.1:2110
  curl pop3://bob:hungry@127.0.0.1:2110/            list bob's messages
  pop3scope serve --listen 0.0.0.0:1995 --idle-timeout 60
  pop3scope serve --maildir /srv/mail --users /srv/mail/users`,
    )
    .action(async (flags: ServeFlags) => {
      const server = await startServe(flags);
      await untilSignal();
      await server.close();
    });
}
