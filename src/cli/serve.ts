/**
 * `pop3scope serve`: the embedded POP3 server, on the demo maildrops or on Maildirs, until SIGINT/SIGTERM;
 * with STLS or implicit TLS on a certificate from files or from pop3scope's local CA.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { formatHostPort } from '../hostPort.js';
import { createLogger } from '../log/logger.js';
import { SERVER_IDLE_TIMEOUT_MS, SERVER_MAX_SESSIONS } from '../server/limits.js';
import { checkMaildirRoot, MaildirStore } from '../server/maildirStore.js';
import { demoStore } from '../server/memoryStore.js';
import { type RunningServer, type ServerTls, startServer } from '../server/server.js';
import type { MailStore } from '../server/store.js';
import { loadUsers } from '../server/usersFile.js';
import { caFiles } from '../tls/caFiles.js';
import { parseHostPort } from './address.js';
import { CliError } from './errors.js';
import { addFaultOptions, type FaultFlags, faultPlan, faultsLine, injectorFactory } from './faultOptions.js';
import { parsedOption, positiveInteger, positiveSeconds } from './parsers.js';
import { untilSignal } from './signals.js';

/** Where `serve` listens by default; the proxy's default is 1110, so the two can run side by side. */
export const DEFAULT_SERVE_LISTEN = '127.0.0.1:2110';

export interface ServeFlags extends FaultFlags {
  listen?: string;
  demo?: boolean;
  maildir?: string;
  users?: string;
  /** Seconds (parsed by commander: parsers.ts). */
  idleTimeout?: number;
  maxSessions?: number;
  verbose?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsAuto?: boolean;
  implicitTls?: boolean;
}

/** The names a `--tls-auto` certificate is always valid for. */
export const LOCAL_TLS_NAMES: readonly string[] = ['localhost', '127.0.0.1'];

/**
 * A server certificate for `names` (default localhost and 127.0.0.1) issued by pop3scope's local CA, which
 * is created on first use in $POP3SCOPE_HOME (see `pop3scope ca`). Clients trust it with the CA file at
 * `caPath`, e.g. `curl --cacert "$(pop3scope ca path)"`. Pass `tls` to `startServer`.
 */
export async function localCertificate(
  names: readonly string[] = LOCAL_TLS_NAMES,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ tls: ServerTls; caPath: string }> {
  const files = caFiles(env);
  try {
    const { CertificateAuthority } = await import('../tls/ca.js');
    const { ca } = await CertificateAuthority.loadOrCreate(files);
    const leaf = await ca.leaf(names);
    return { tls: { cert: leaf.certPem, key: leaf.keyPem }, caPath: files.certPath };
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new CliError(`cannot use pop3scope's CA in ${files.dir}: ${oneLine(why)}`);
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

async function readPem(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new CliError(
      `cannot read ${flag} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** Reads and checks a PEM certificate and its key, so a wrong file is named here and not in a failed handshake. */
async function tlsFromFiles(certPath: string, keyPath: string): Promise<ServerTls> {
  const [cert, key] = await Promise.all([readPem('--tls-cert', certPath), readPem('--tls-key', keyPath)]);
  let x509: X509Certificate;
  let privateKey: KeyObject;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new CliError(`--tls-cert ${certPath}: not a PEM certificate`);
  }
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new CliError(`--tls-key ${keyPath}: not a PEM private key`);
  }
  if (!x509.checkPrivateKey(privateKey))
    throw new CliError(`--tls-key ${keyPath} is not the key of the certificate in --tls-cert ${certPath}`);
  return { cert, key };
}

/** Where a `--tls-auto` certificate must be valid: the local names, plus the listen address when it is specific. */
export function autoNames(listenHost: string): string[] {
  const wildcard = listenHost === '0.0.0.0' || listenHost === '::';
  return wildcard ? [...LOCAL_TLS_NAMES] : [...new Set([...LOCAL_TLS_NAMES, listenHost])];
}

/** The TLS the flags ask for, and how the startup line describes it. */
async function chooseTls(
  flags: ServeFlags,
  listenHost: string,
  env: NodeJS.ProcessEnv,
): Promise<{ tls?: ServerTls; describe: string }> {
  const fromFiles = flags.tlsCert !== undefined || flags.tlsKey !== undefined;
  if (flags.tlsAuto && fromFiles)
    throw new CliError('--tls-auto and --tls-cert/--tls-key cannot be used together');
  if (fromFiles && (flags.tlsCert === undefined || flags.tlsKey === undefined))
    throw new CliError('--tls-cert and --tls-key go together: give both PEM files');
  if (flags.implicitTls && !fromFiles && !flags.tlsAuto)
    throw new CliError('--implicit-tls needs a certificate: --tls-auto, or --tls-cert FILE --tls-key FILE');
  const mode = flags.implicitTls ? 'implicit TLS' : 'STLS';
  if (flags.tlsAuto) {
    const { tls, caPath } = await localCertificate(autoNames(listenHost), env);
    return { tls, describe: `, ${mode} (certificate from the CA ${caPath})` };
  }
  if (fromFiles) {
    const tls = await tlsFromFiles(flags.tlsCert!, flags.tlsKey!);
    return { tls, describe: `, ${mode} (certificate ${flags.tlsCert})` };
  }
  return { describe: '' };
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

/**
 * Starts the server as the flags say and prints where it listens; errors are CliErrors with one-line messages.
 * `env` locates pop3scope's CA for --tls-auto ($POP3SCOPE_HOME).
 */
export async function startServe(
  flags: ServeFlags,
  out: Writable = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningServer> {
  const { host, port } = parseHostPort(flags.listen ?? DEFAULT_SERVE_LISTEN, '--listen', '127.0.0.1');
  const idleTimeoutMs = flags.idleTimeout === undefined ? SERVER_IDLE_TIMEOUT_MS : flags.idleTimeout * 1000;
  const maxSessions = flags.maxSessions ?? SERVER_MAX_SESSIONS;
  const { tls, describe } = await chooseTls(flags, host, env);
  const store = await chooseStore(flags);
  const plan = await faultPlan(flags);
  // Logs go to stderr as JSON lines (as --verbose promises, terminal or not), so stdout keeps just the one line
  // a script may read; through createLogger, so they get the same redaction as every other log.
  const logger = createLogger({ file: '-', level: flags.verbose ? 'info' : 'silent' });
  let server: RunningServer;
  try {
    server = await startServer({
      host,
      port,
      store,
      idleTimeoutMs,
      maxSessions,
      logger,
      ...(tls ? { tls, implicitTls: flags.implicitTls === true } : {}),
      ...(plan ? { faults: injectorFactory(plan) } : {}),
    });
  } catch (e) {
    throw new CliError(
      `cannot listen on ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const bound = server.address();
  out.write(
    `pop3scope serve: listening on ${formatHostPort(bound.host, bound.port)}, ${store.description}, users: ${store.userNames().join(', ')}${describe}${plan ? `, ${faultsLine(plan)}` : ''}\n`,
  );
  return server;
}

export function registerServe(program: Command): void {
  const command = program
    .command('serve')
    .description('run the embedded POP3 server on the demo maildrops or on Maildirs')
    .option('--listen <addr:port>', 'where to listen', DEFAULT_SERVE_LISTEN)
    .option('--demo', 'serve the built-in demo maildrops (the default): bob/hungry, alice/wonderland')
    .option('--maildir <dir>', 'serve one Maildir per user: DIR/<user>/{cur,new,tmp}')
    .option('--users <file>', 'with --maildir: users file, one user:password per line, # comments')
    .addOption(
      parsedOption(
        '--idle-timeout <seconds>',
        'close a session idle this long, without UPDATE',
        positiveSeconds,
        SERVER_IDLE_TIMEOUT_MS / 1000,
      ),
    )
    .addOption(
      parsedOption(
        '--max-sessions <n>',
        'concurrent sessions; more get -ERR [SYS/TEMP]',
        positiveInteger,
        SERVER_MAX_SESSIONS,
      ),
    )
    .option('--tls-cert <file>', 'offer STLS with this PEM certificate (chain); needs --tls-key')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option(
      '--tls-auto',
      "offer STLS with a certificate for localhost and 127.0.0.1 from pop3scope's local CA",
    )
    .option('--implicit-tls', 'with a certificate: TLS from the first byte (POP3S) instead of STLS')
    .option(
      '--verbose',
      'log connections, logins (user names only), injected faults and errors to stderr as JSON',
    );
  addFaultOptions(command)
    .addHelpText(
      'after',
      `
The demo maildrops start fresh on every start: bob has the seed's two messages (498 and 912 octets),
alice has messages with dot-stuffed lines, UTF-8 headers and a ~180 KB body. DELE removes a message only
at QUIT, as RFC 1939 says; a dropped connection removes nothing. SIGINT or SIGTERM stops the server.

With a certificate the server offers STLS (RFC 2595) before login; whatever a client sends after STLS in
cleartext is discarded. --tls-auto takes the certificate from pop3scope's CA in $POP3SCOPE_HOME (else
~/.config/pop3scope), creating the CA on first use; "pop3scope ca path" prints the file clients must trust.

Examples:
  pop3scope serve                                   demo maildrops on 127.0.0.1:2110
  curl pop3://bob:hungry@127.0.0.1:2110/            list bob's messages
  pop3scope serve --tls-auto                        the same, with STLS
  curl --ssl-reqd --cacert "$(pop3scope ca path)" pop3://bob:hungry@127.0.0.1:2110/
  pop3scope serve --tls-auto --implicit-tls --listen 127.0.0.1:2995
  curl --cacert "$(pop3scope ca path)" pop3s://bob:hungry@127.0.0.1:2995/
  pop3scope serve --tls-cert server.pem --tls-key server-key.pem
  pop3scope serve --listen 0.0.0.0:1995 --idle-timeout 60
  pop3scope serve --maildir /srv/mail --users /srv/mail/users
  pop3scope serve --fault 'RETR #1 cut 400' --verbose   the server itself misbehaves (docs/faults.md)`,
    )
    .action(async (flags: ServeFlags) => {
      const server = await startServe(flags);
      await untilSignal();
      await server.close();
    });
}
