/**
 * Thin runners for the real POP3 clients (curl, Python poplib, fetchmail, mpop). Each runs the client without a
 * shell (args arrays), with no stdin (a client that wants to prompt fails instead of hanging), in its own
 * process group that is killed on timeout, and resolves with what it printed. They never throw for a client's
 * own failure: tests assert on `code`, `stdout`, `stderr`.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { atExit, PYTHON_BIN } from './peers.ts';

export interface RunResult {
  /** Exit code; null when killed by a signal (always the case after a timeout). */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** stdout as raw bytes, for byte-exact comparisons (e.g. a RETR against the stored message). */
  stdoutBytes: Buffer;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Added to process.env. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export const DEFAULT_TIMEOUT_MS = 20_000;

/** Runs `cmd args` and always resolves; on timeout the whole process group gets SIGKILL. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
      detached: true, // own process group, so a timeout also kills grandchildren (fetchmail's MDA shell)
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      let stderr = Buffer.concat(err).toString('utf8');
      if (spawnError) stderr += `\n[spawn ${cmd} failed: ${spawnError.message}]`;
      if (timedOut) stderr += `\n[${cmd} killed after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms]`;
      resolve({ code, signal, timedOut, stdout: stdoutBytes.toString('utf8'), stderr, stdoutBytes });
    };
    child.on('error', (e) => finish(null, null, e));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/**
 * A private 0700 temp dir for one client run: its rc file, state and delivered mail. Removed when the test
 * process ends (the rc files hold passwords, demo ones or not), unless POP3SCOPE_KEEP_CLIENTS is set.
 */
function clientDir(prefix: string): string {
  const dir = mkdtempSync(`/tmp/pop3scope-${prefix}-`);
  atExit(() => {
    if (!process.env.POP3SCOPE_KEEP_CLIENTS) rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A spinning client may write megabytes: only this much of its mbox is read (its size is always told). */
const MBOX_READ_LIMIT = 4 * 1024 * 1024;

/** What a client delivered to `path`: its first MBOX_READ_LIMIT octets and its size ('' and 0 when none). */
function delivered(path: string): { mbox: string; mboxSize: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { mbox: '', mboxSize: 0 };
  }
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, MBOX_READ_LIMIT));
    const n = readSync(fd, buf, 0, buf.length, 0);
    return { mbox: buf.subarray(0, n).toString('utf8'), mboxSize: size };
  } finally {
    closeSync(fd);
  }
}

/** fetchmail's rc `timeout N` on the poll line, or nothing. */
const rcTimeout = (o: MailClientOptions) => (o.clientTimeoutSecs ? ` timeout ${o.clientTimeoutSecs}` : '');

/**
 * curl against a pop3:// or pop3s:// URL: `-sS` plus extraArgs, e.g.
 *   await curlPop3(`pop3://bob:hungry@127.0.0.1:${port}/1`)            // RETR 1
 *   await curlPop3(`pop3://bob:hungry@127.0.0.1:${port}/`, ['-X', 'UIDL'])
 *   await curlPop3(url, ['--ssl-reqd', '--cacert', caFile, '-v'])       // STLS; -v puts the dialogue on stderr
 */
export function curlPop3(
  url: string,
  extraArgs: readonly string[] = [],
  opts: RunOptions = {},
): Promise<RunResult> {
  const secs = String(Math.ceil((opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000) - 1);
  return run('curl', ['-sS', '--max-time', secs, ...extraArgs, url], opts);
}

/**
 * Prepended to every poplib() script: imports, and HOST/PORT/USER/PASSWORD read from the environment (POP_HOST,
 * POP_PORT, POP_USER, POP_PASSWORD), so a test passes the server through `env` instead of formatting code.
 * out(x) prints repr(x) on its own line, so bytes results compare exactly.
 */
export const POPLIB_PRELUDE = `import os, sys, ssl, poplib
HOST = os.environ.get('POP_HOST', '127.0.0.1')
PORT = int(os.environ.get('POP_PORT', '110'))
USER = os.environ.get('POP_USER', '')
PASSWORD = os.environ.get('POP_PASSWORD', '')
def out(x): print(repr(x), flush=True)
`;

/**
 * Runs python3 -c PRELUDE+code. Pattern:
 *   const r = await poplib(`
 *   p = poplib.POP3(HOST, PORT, timeout=10)
 *   p.user(USER); p.pass_(PASSWORD)
 *   out(p.stat())
 *   p.quit()`, { POP_PORT: String(dc.port), POP_USER: 'bob', POP_PASSWORD: 'hungry' });
 *   expect(r.stdout).toBe('(2, 1410)\n');
 * The code is dedented (common leading whitespace removed), so it can be indented inside a test.
 */
export function poplib(code: string, env: NodeJS.ProcessEnv = {}, opts: RunOptions = {}): Promise<RunResult> {
  return run(PYTHON_BIN, ['-c', POPLIB_PRELUDE + dedent(code)], {
    ...opts,
    env: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...opts.env, ...env },
  });
}

function dedent(code: string): string {
  const lines = code.replace(/^\n/, '').split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => (/^ */.exec(l) as RegExpExecArray)[0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** How a mail client should protect the session. 'stls': upgrade on the cleartext port; 'tls': pop3s port. */
export interface ClientTls {
  mode: 'stls' | 'tls';
  /** PEM file of the CA (here: the self-signed server cert) the client must verify against. */
  caFile: string;
  /**
   * Name the certificate must carry. Default 'localhost' (makeSelfSignedCert). Needed by fetchmail, which
   * checks only the CN against the host it dials (127.0.0.1) and ignores the IP SAN.
   */
  serverName?: string;
}

export interface MailClientOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  /** true: leave messages on the server; false: delete them after download. */
  keep: boolean;
  /** Omit for cleartext. */
  tls?: ClientTls;
  /** Reuse a dir from an earlier run to keep the client's UIDL state (seen messages). Default: a fresh one. */
  workDir?: string;
  /** The test's kill timer (the whole process group). */
  timeoutMs?: number;
  /** The client's own network timeout (rc `timeout`), seconds; fetchmail's default is 300, mpop's 180. */
  clientTimeoutSecs?: number;
}

export interface MailClientResult extends RunResult {
  /** Everything the client delivered, appended in order ('' when nothing). */
  mbox: string;
  /** The mbox file's size in octets (0 when it wrote none). */
  mboxSize: number;
  /** The dir holding rc file, state and mbox: pass it as workDir to a second run. */
  workDir: string;
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface FetchmailExtra {
  /** Alias of `tls`. */
  ssl?: ClientTls;
  /**
   * Default true: fetch every message with LIST n + RETR n. false is fetchmail's own default: it asks LAST
   * first (Dovecot: -ERR Unknown command) and, not keeping, downloads with TOP n 99999999 instead of RETR.
   */
  fetchall?: boolean;
  /** Default 'password' (USER/PASS); 'cram-md5' is AUTH CRAM-MD5. */
  auth?: 'password' | 'cram-md5';
}

/**
 * fetchmail 6.4 once (no daemon). Cleartext by default with USER/PASS (`auth password`, `sslproto ''` — without
 * it fetchmail would upgrade with STLS on its own). Exit code 1 means "no mail", which is not an error.
 */
export async function fetchmail(o: MailClientOptions & FetchmailExtra): Promise<MailClientResult> {
  const dir = o.workDir ?? clientDir('fetchmail');
  const mbox = join(dir, 'mbox');
  const rc = join(dir, 'fetchmailrc');
  const tls = o.tls ?? o.ssl;
  const verify =
    tls && `sslcertck sslcertfile ${quote(tls.caFile)} sslcommonname ${quote(tls.serverName ?? 'localhost')}`;
  // Without `ssl`, an sslproto other than '' means "upgrade with STLS"; '' means "never TLS".
  const security = !tls ? `sslproto ''` : tls.mode === 'tls' ? `ssl ${verify}` : `sslproto tls1.2+ ${verify}`;
  writeFileSync(
    rc,
    [
      `poll ${o.host} service ${o.port} protocol pop3 auth ${o.auth ?? 'password'}${rcTimeout(o)}`,
      `  user ${quote(o.user)} there with password ${quote(o.password)} is ${quote('tester')} here`,
      `  ${security}`,
      `  ${o.keep ? 'keep' : 'nokeep'} ${o.fetchall === false ? 'nofetchall' : 'fetchall'}`,
      `  mda ${quote(`/bin/sh -c 'cat >> ${mbox}'`)}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  chmodSync(rc, 0o600); // fetchmail refuses an rc file others can read
  const r = await run(
    'fetchmail',
    // --pidfile: as root fetchmail locks /var/run/fetchmail.pid whatever FETCHMAILHOME says, and parallel
    // test files would refuse each other (test/regressions/fetchmail-parallel.test.ts).
    ['-f', rc, '-i', join(dir, 'fetchids'), '--pidfile', join(dir, 'fetchmail.pid')].concat([
      '-v',
      '-v',
      '--nosyslog',
      '--nodetach',
    ]),
    {
      timeoutMs: o.timeoutMs,
      // HOME and FETCHMAILHOME in the temp dir: never the user's real config.
      env: { HOME: dir, FETCHMAILHOME: dir, LC_ALL: 'C' },
    },
  );
  return { ...r, ...delivered(mbox), workDir: dir };
}

/**
 * mpop 1.4 for one account. `--debug` puts the whole dialogue on stdout ("--> " client, "<-- " server), which
 * shows its pipelining (several commands before the first answer). auth 'user' = USER/PASS, 'plain' = AUTH PLAIN.
 */
export async function mpop(o: MailClientOptions & { auth?: 'user' | 'plain' }): Promise<MailClientResult> {
  const dir = o.workDir ?? clientDir('mpop');
  const mbox = join(dir, 'mbox');
  const rc = join(dir, 'mpoprc');
  const tls = !o.tls
    ? ['tls off']
    : ['tls on', `tls_starttls ${o.tls.mode === 'stls' ? 'on' : 'off'}`, `tls_trust_file ${o.tls.caFile}`];
  writeFileSync(
    rc,
    [
      'account test',
      `host ${o.host}`,
      `port ${o.port}`,
      ...tls,
      `auth ${o.auth ?? 'user'}`,
      `user ${o.user}`,
      `password ${o.password}`,
      `keep ${o.keep ? 'on' : 'off'}`,
      ...(o.clientTimeoutSecs ? [`timeout ${o.clientTimeoutSecs}`] : []),
      `uidls_file ${join(dir, 'uidls')}`,
      `delivery mbox ${mbox}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  chmodSync(rc, 0o600); // mpop refuses an rc file with a password that others can read
  const r = await run('mpop', ['-C', rc, '--debug', 'test'], {
    timeoutMs: o.timeoutMs,
    env: { HOME: dir, LC_ALL: 'C' },
  });
  return { ...r, ...delivered(mbox), workDir: dir };
}
