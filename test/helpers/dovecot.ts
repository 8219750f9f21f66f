/**
 * A throwaway Dovecot 2.3 POP3 server on loopback for integration tests: its own config, users, Maildirs and
 * logs in a fresh temp dir under /tmp (the unprivileged mail user must be able to reach it, so not /root),
 * on free ports. Every call starts from the same maildrop state, so tests may DELE freely.
 * See docs/peers.md (shared) for why each setting is there.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { type DemoUser, demoUsers } from '../../src/server/demoMailbox.ts';
import { atExit, DOVECOT_BIN } from './peers.ts';

export interface DovecotUser {
  readonly name: string;
  readonly password: string;
  /** Stored byte for byte in the Maildir (CRLF stays CRLF; Dovecot sends bare LF as CRLF). */
  readonly messages: readonly Buffer[];
}

export interface DovecotOptions {
  /** Default: demoUsers() — bob/hungry (498 + 912 octets) and alice/wonderland (3 messages). */
  users?: readonly (DovecotUser | DemoUser)[];
  /** Enables STLS on the cleartext port and a pop3s listener. */
  tls?: { certPem: string; keyPem: string };
  /** Extra dovecot.conf lines appended at the end (they override earlier settings). */
  extraConfig?: string;
}

export interface Dovecot {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Only with opts.tls. */
  readonly pop3sPort?: number;
  /** The temp dir holding config, logs and Maildirs (removed by stop()). */
  readonly dir: string;
  /** Dovecot's own log (logins, errors) — useful in assertion messages. */
  readLog(): string;
  stop(): Promise<void>;
}

/** Fixed so that UIDLs (pop3_uidl_format = %08Xu%08Xv) are the same on every start. */
export const UIDVALIDITY = 0x5eed0001;
const MAIL_USER = 'pop3scope-mail';

/** Asks the kernel for a free loopback port by binding port 0, then releases it for Dovecot. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** uid or gid of a system user or group via id(1)/getent(1); undefined when it does not exist. */
function sysId(kind: 'uid' | 'gid' | 'group', name: string): number | undefined {
  const r =
    kind === 'group'
      ? spawnSync('getent', ['group', name], { encoding: 'utf8' })
      : spawnSync('id', [kind === 'uid' ? '-u' : '-g', name], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const n = Number(kind === 'group' ? r.stdout.split(':')[2] : r.stdout.trim());
  return Number.isInteger(n) ? n : undefined;
}

/** The mail user; created here too (as root) so a suite works even if only `npm test` was run. */
function mailUser(): { uid: number; gid: number } {
  if (sysId('uid', MAIL_USER) === undefined) {
    const args = '--system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin';
    const r = spawnSync('useradd', [...args.split(' '), MAIL_USER], { encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(`cannot create user ${MAIL_USER}: ${r.stderr} (run sudo .ci/install-peers)`);
  }
  return { uid: sysId('uid', MAIL_USER) as number, gid: sysId('gid', MAIL_USER) as number };
}

function chownTree(path: string, uid: number, gid: number): void {
  spawnSync('chown', ['-R', `${uid}:${gid}`, path]);
}

/** DH params: ffdhe2048 is a fixed RFC 7919 group, so one generation per test process is enough. */
let dhCache: string | undefined;
function dhParams(): string {
  if (!dhCache) {
    const args = 'genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048'.split(' ');
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl genpkey failed: ${r.stderr}`);
    dhCache = r.stdout;
  }
  return dhCache;
}

/** Writes one user's Maildir with a fixed dovecot-uidlist so message n gets UID n under UIDVALIDITY. */
function writeMaildir(home: string, messages: readonly Buffer[]): void {
  const md = join(home, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(join(md, sub), { recursive: true });
  const uidlist = [`3 V${UIDVALIDITY} N${messages.length + 1} G${randomBytes(16).toString('hex')}`];
  messages.forEach((msg, i) => {
    // Base names sort in message order; the timestamp part orders them for Dovecot's initial sync too.
    const base = `${1_700_000_000 + i}.M${i + 1}P1.pop3scope`;
    fs.writeFileSync(join(md, 'cur', `${base}:2,`), msg);
    uidlist.push(`${i + 1} :${base}`);
  });
  fs.writeFileSync(join(md, 'dovecot-uidlist'), `${uidlist.join('\n')}\n`);
}

function config(dir: string, port: number, pop3sPort: number | undefined, opts: DovecotOptions): string {
  const root = process.getuid?.() === 0;
  const lines = [
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `log_path = ${dir}/dovecot.log`,
    `info_log_path = ${dir}/dovecot.log`,
    'protocols = pop3',
    'listen = 127.0.0.1',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login cram-md5 apop',
    'auth_failure_delay = 0',
    'mail_location = maildir:~/Maildir',
    'pop3_uidl_format = %08Xu%08Xv',
    // Users carry uid/gid/home in the passwd-file; {PLAIN} storage is what CRAM-MD5 and APOP need.
    `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${dir}/passwd\n}`,
    `userdb {\n  driver = passwd-file\n  args = username_format=%u ${dir}/passwd\n}`,
    'service pop3-login {',
    `  inet_listener pop3 {\n    address = 127.0.0.1\n    port = ${port}\n  }`,
    pop3sPort
      ? `  inet_listener pop3s {\n    address = 127.0.0.1\n    port = ${pop3sPort}\n    ssl = yes\n  }`
      : '',
    root ? '' : '  chroot =',
    '}',
  ];
  if (root) {
    lines.push('default_login_user = dovenull', 'default_internal_user = dovecot');
  } else {
    // Rootless mode (a developer without sudo): everything runs as the current user, without chroots.
    const user = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
    const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
    lines.push(
      `default_login_user = ${user}`,
      `default_internal_user = ${user}`,
      `default_internal_group = ${group}`,
    );
    lines.push('service anvil {\n  chroot =\n}');
  }
  if (opts.tls) {
    lines.push(
      'ssl = yes',
      `ssl_cert = <${dir}/cert.pem`,
      `ssl_key = <${dir}/key.pem`,
      `ssl_dh = <${dir}/dh.pem`,
    );
  } else {
    lines.push('ssl = no');
  }
  if (opts.extraConfig) lines.push(opts.extraConfig);
  return `${lines.filter(Boolean).join('\n')}\n`;
}

function readOr(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Connects once and resolves with the first line the server sends, or undefined. */
function greeting(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    const sock = createConnection({ host: '127.0.0.1', port });
    const done = (v: string | undefined) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(2000, () => done(undefined));
    sock.on('error', () => done(undefined));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const i = buf.indexOf('\r\n');
      if (i >= 0) done(buf.slice(0, i));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface SelfSignedCert {
  certPem: string;
  keyPem: string;
  /** The cert as a file, for clients' CA options (curl --cacert, mpop tls_trust_file, fetchmail sslcertfile). */
  certFile: string;
  keyFile: string;
  /** Deletes the files (also done when the process ends). */
  remove(): void;
}

/**
 * A throwaway P-256 certificate for CN=localhost with SAN DNS:localhost and IP:127.0.0.1, valid 2 days, so clients
 * can verify it as their only CA. Its files live in a temp dir removed when the process exits.
 */
export function makeSelfSignedCert(): SelfSignedCert {
  const dir = fs.mkdtempSync('/tmp/pop3scope-cert-');
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  atExit(remove);
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const args =
    'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost'.split(' ');
  const san = ['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];
  const r = spawnSync('openssl', [...args, ...san, '-keyout', keyFile, '-out', certFile], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}${r.error ?? ''}`);
  return {
    certPem: fs.readFileSync(certFile, 'utf8'),
    keyPem: fs.readFileSync(keyFile, 'utf8'),
    certFile,
    keyFile,
    remove,
  };
}

export async function startDovecot(opts: DovecotOptions = {}): Promise<Dovecot> {
  const users = opts.users ?? demoUsers();
  const root = process.getuid?.() === 0;
  const dir = fs.mkdtempSync('/tmp/pop3scope-dovecot-');
  fs.chmodSync(dir, 0o755); // the mail user and dovecot's auth process must traverse it
  for (const sub of ['run', 'state', 'home']) fs.mkdirSync(join(dir, sub));
  const mail = root ? mailUser() : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

  const passwd = users.map((u) => {
    const home = join(dir, 'home', u.name);
    writeMaildir(home, u.messages);
    return `${u.name}:{PLAIN}${u.password}:${mail.uid}:${mail.gid}::${home}::`;
  });
  fs.writeFileSync(join(dir, 'passwd'), `${passwd.join('\n')}\n`, { mode: 0o640 });
  if (root) {
    chownTree(join(dir, 'home'), mail.uid, mail.gid);
    // root:dovecot 0640 — the auth process runs as `dovecot` and must read it; nobody else should.
    fs.chownSync(join(dir, 'passwd'), 0, sysId('group', 'dovecot') ?? 0);
  }

  const port = await freePort();
  const pop3sPort = opts.tls ? await freePort() : undefined;
  if (opts.tls) {
    fs.writeFileSync(join(dir, 'cert.pem'), opts.tls.certPem);
    fs.writeFileSync(join(dir, 'key.pem'), opts.tls.keyPem, { mode: 0o600 });
    fs.writeFileSync(join(dir, 'dh.pem'), dhParams());
  }
  // Mail processes refuse uids below first_valid_uid (default 500); the mail user is a system uid.
  const conf = `${config(dir, port, pop3sPort, opts)}first_valid_uid = ${mail.uid}\nfirst_valid_gid = ${mail.gid}\n`;
  fs.writeFileSync(join(dir, 'dovecot.conf'), conf);

  const readLog = () => readOr(join(dir, 'dovecot.log'));
  // Without -F the master daemonizes and this exits once the config is accepted (or rejected). Its output
  // goes to a file, not a pipe: the daemon would inherit a pipe and spawnSync would wait for it to close.
  const out = fs.openSync(join(dir, 'start.out'), 'w');
  const r = spawnSync(DOVECOT_BIN, ['-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  if (r.status !== 0) {
    const said = fs.readFileSync(join(dir, 'start.out'), 'utf8');
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`dovecot failed to start (exit ${r.status}): ${said}${r.error ?? ''}`);
  }
  // The daemonized master writes master.pid a moment after the parent exits, so it is polled for too.
  const deadline = Date.now() + 10_000;
  const pidFile = join(dir, 'run', 'master.pid');
  let pid = 0;
  while (!pid && Date.now() < deadline) {
    pid = Number(readOr(pidFile).trim()) || 0;
    if (!pid) await sleep(20);
  }
  const removeDir = () => {
    if (!process.env.POP3SCOPE_KEEP_DOVECOT) fs.rmSync(dir, { recursive: true, force: true });
  };
  // If the suite crashes or forgets stop(), the worker's end still stops this master (without waiting).
  const forget = atExit(() => {
    if (pid && alive(pid)) process.kill(pid, 'SIGTERM');
    removeDir();
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      forget();
      if (pid && alive(pid)) {
        process.kill(pid, 'SIGTERM');
        // The master reaps its children on a ~1 s timer: 2–3 s is normal. SIGKILL only as a last resort.
        for (let i = 0; i < 200 && alive(pid); i++) await sleep(50);
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
      removeDir();
    })();
    return stopping;
  };

  // Ready means: the login process answers with a greeting, not merely that the port is bound.
  for (;;) {
    const line = pid ? await greeting(port) : undefined;
    if (line?.startsWith('+OK')) break;
    if (Date.now() > deadline || !pid || !alive(pid)) {
      const log = readLog();
      await stop();
      throw new Error(`dovecot did not greet on 127.0.0.1:${port} within 10 s (last: ${line})\n${log}`);
    }
    await sleep(50);
  }
  return { host: '127.0.0.1', port, pop3sPort, dir, readLog, stop };
}
