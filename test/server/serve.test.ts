/** `pop3scope serve`: flags, errors, the startup line, and a clean stop on signals in a real process. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHostPort } from '../../src/cli/address.js';
import { CliError } from '../../src/cli/errors.js';
import { registerServe, startServe } from '../../src/cli/serve.js';
import type { RunningServer } from '../../src/server/server.js';
import { CertificateAuthority } from '../../src/tls/ca.js';
import { curlPop3 } from '../helpers/clients.js';
import { itWithPeers } from '../helpers/peers.js';
import { RawClient } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const started: RunningServer[] = [];

function capture(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk, _e, done) {
      text += chunk.toString();
      done();
    },
  });
  return { out, text: () => text };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

/** What `pop3scope serve --help` prints. */
async function serveHelp(): Promise<string> {
  const program = new Command('pop3scope').exitOverride();
  let help = '';
  program.configureOutput({ writeOut: (s) => (help += s) });
  registerServe(program);
  program.commands[0]!.exitOverride();
  await expect(program.parseAsync(['serve', '--help'], { from: 'user' })).rejects.toThrow();
  return help;
}

describe('serve flags', () => {
  it('parses ADDR:PORT, [IPv6]:PORT and :PORT (loopback)', () => {
    expect(parseHostPort('127.0.0.1:2110', '--listen', '127.0.0.1')).toEqual({
      host: '127.0.0.1',
      port: 2110,
    });
    expect(parseHostPort('[::1]:0', '--listen', '127.0.0.1')).toEqual({ host: '::1', port: 0 });
    expect(parseHostPort('localhost:995', '--listen', '127.0.0.1')).toEqual({ host: 'localhost', port: 995 });
    expect(parseHostPort(':2110', '--listen', '127.0.0.1')).toEqual({ host: '127.0.0.1', port: 2110 });
  });

  it.each([
    [{ listen: '2110' }, /^--listen must be HOST:PORT/],
    [{ listen: '127.0.0.1:70000' }, /^--listen: port 70000 is out of range \(ports go from 0 to 65535\)/],
    [{ demo: true, maildir: '/tmp' }, /^--demo and --maildir cannot be used together$/],
    [{ maildir: '/tmp' }, /^--maildir needs --users FILE/],
    [{ users: '/etc/hostname' }, /^--users only applies with --maildir/],
    [
      { maildir: '/nonexistent-pop3scope', users: '/dev/null' },
      /^cannot use Maildir root \/nonexistent-pop3scope: ENOENT$/,
    ],
    [{ maildir: '/tmp', users: '/nonexistent-pop3scope-users' }, /^cannot read users file .*: ENOENT$/],
    [{ tlsCert: '/etc/hostname' }, /^--tls-cert and --tls-key go together: give both PEM files$/],
    [{ tlsKey: '/etc/hostname' }, /^--tls-cert and --tls-key go together: give both PEM files$/],
    [
      { tlsAuto: true, tlsCert: 'a', tlsKey: 'b' },
      /^--tls-auto and --tls-cert\/--tls-key cannot be used together$/,
    ],
    [
      { implicitTls: true },
      /^--implicit-tls needs a certificate: --tls-auto, or --tls-cert FILE --tls-key FILE$/,
    ],
    [
      { tlsCert: '/nonexistent-pop3scope-cert', tlsKey: '/etc/hostname' },
      /^cannot read --tls-cert \/nonexistent-pop3scope-cert: ENOENT$/,
    ],
    [
      { tlsCert: '/etc/hostname', tlsKey: '/nonexistent-pop3scope-key' },
      /^cannot read --tls-key \/nonexistent-pop3scope-key: ENOENT$/,
    ],
    [
      { tlsCert: '/etc/hostname', tlsKey: '/etc/hostname' },
      /^--tls-cert \/etc\/hostname: not a PEM certificate$/,
    ],
  ])('refuses %j with a one-line CliError', async (flags, message) => {
    const error = await startServe({ listen: '127.0.0.1:0', ...flags }, capture().out).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it.each([
    [['--idle-timeout', 'soon'], /^--idle-timeout must be a number of seconds above 0, not "soon"$/],
    [['--idle-timeout', '0'], /^--idle-timeout must be a number of seconds above 0, not "0"$/],
    [['--max-sessions', '1.5'], /^--max-sessions must be a whole number above 0, not "1.5"$/],
  ])('refuses %j with a one-line CliError while the flags are parsed', async (args, message) => {
    const program = new Command('pop3scope').exitOverride();
    registerServe(program);
    program.commands[0]!.exitOverride();
    const error = await program.parseAsync(['serve', ...args], { from: 'user' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(message);
  });

  it('reports a port already in use in one line', async () => {
    const first = await startServe({ listen: '127.0.0.1:0' }, capture().out);
    started.push(first);
    const busy = `127.0.0.1:${first.address().port}`;
    await expect(startServe({ listen: busy }, capture().out)).rejects.toThrow(
      `cannot listen on ${busy}: EADDRINUSE`,
    );
  });

  it('prints where it listens and the users it serves, never their passwords', async () => {
    const { out, text } = capture();
    const server = await startServe({ listen: '127.0.0.1:0', idleTimeout: 30, maxSessions: 5 }, out);
    started.push(server);
    const port = server.address().port;
    expect(text()).toBe(`pop3scope serve: listening on 127.0.0.1:${port}, demo mailbox, users: bob, alice\n`);
    const { client, greeting } = await RawClient.open(port);
    expect(greeting).toMatch(/^\+OK/);
    client.destroy();
  });

  it('serves a Maildir with a users file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pop3scope-serve-'));
    try {
      await writeFile(join(dir, 'users'), 'dave:s3cret\n');
      const { out, text } = capture();
      const server = await startServe(
        { listen: '127.0.0.1:0', maildir: dir, users: join(dir, 'users') },
        out,
      );
      started.push(server);
      expect(text()).toContain(`Maildir ${dir}, users: dave\n`);
      expect(text()).not.toContain('s3cret');
      const { client } = await RawClient.open(server.address().port);
      expect(await client.login('dave', 's3cret')).toBe('+OK dave has 0 messages (0 octets)');
      client.destroy();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('has help with the defaults and examples', async () => {
    const help = await serveHelp();
    expect(help).toContain('--listen <addr:port>');
    expect(help).toContain('127.0.0.1:2110');
    expect(help).toContain('--max-sessions <n>');
    expect(help).toContain('Examples:');
    expect(help).toContain('pop3scope serve --maildir');
  });
});

describe('serve with TLS', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pop3scope-serve-tls-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function leafFiles(): Promise<{ cert: string; key: string; ca: string; otherKey: string }> {
    const ca = await CertificateAuthority.create();
    const leaf = await ca.leaf(['localhost', '127.0.0.1']);
    const other = await ca.leaf(['elsewhere.test']);
    const files = {
      cert: join(dir, 'cert.pem'),
      key: join(dir, 'key.pem'),
      otherKey: join(dir, 'other-key.pem'),
    };
    await writeFile(files.cert, leaf.certPem);
    await writeFile(files.key, leaf.keyPem);
    await writeFile(files.otherKey, other.keyPem);
    return { ...files, ca: ca.certPem };
  }

  it('--tls-auto creates the CA in $POP3SCOPE_HOME and offers STLS with a leaf for localhost and 127.0.0.1', async () => {
    const home = join(dir, 'home');
    const { out, text } = capture();
    const server = await startServe({ listen: '127.0.0.1:0', tlsAuto: true }, out, { POP3SCOPE_HOME: home });
    started.push(server);
    const port = server.address().port;
    const caPath = join(home, 'ca.pem');
    expect(text()).toBe(
      `pop3scope serve: listening on 127.0.0.1:${port}, demo mailbox, users: bob, alice, STLS (certificate from the CA ${caPath})\n`,
    );
    expect((await stat(join(home, 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    const caPem = await readFile(caPath, 'utf8');
    // By IP (no SNI: the 127.0.0.1 SAN) and by name (SNI localhost): both verify against the CA.
    for (const servername of [undefined, 'localhost']) {
      const { client } = await RawClient.open(port);
      expect(await client.lines('CAPA')).toContain('STLS');
      expect(await client.command('STLS')).toBe('+OK Begin TLS negotiation');
      const secure = await client.startTls({ ca: caPem, ...(servername ? { servername } : {}) });
      expect(secure.tls.authorized).toBe(true);
      expect(await secure.login('bob', 'hungry')).toMatch(/^\+OK bob has 2 messages/);
      secure.destroy();
    }
    // A second start keeps the same CA.
    const again = await startServe(
      { listen: '127.0.0.1:0', tlsAuto: true, implicitTls: true },
      capture().out,
      {
        POP3SCOPE_HOME: home,
      },
    );
    started.push(again);
    expect(await readFile(caPath, 'utf8')).toBe(caPem);
    const client = await RawClient.connectTls(again.address().port, { ca: caPem, servername: 'localhost' });
    expect(await client.line()).toMatch(/^\+OK pop3scope ready/);
    expect(await client.command('STLS')).toBe('-ERR already using TLS');
    client.destroy();
  });

  it('--tls-auto with an unusable $POP3SCOPE_HOME is a one-line CliError', async () => {
    const notADir = join(dir, 'file');
    await writeFile(notADir, '');
    const error = await startServe({ listen: '127.0.0.1:0', tlsAuto: true }, capture().out, {
      POP3SCOPE_HOME: join(notADir, 'home'),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe(`cannot use pop3scope's CA in ${join(notADir, 'home')}: ENOTDIR`);
  });

  it('--tls-cert/--tls-key with --implicit-tls serve POP3S with that certificate', async () => {
    const files = await leafFiles();
    const { out, text } = capture();
    const server = await startServe(
      { listen: '127.0.0.1:0', tlsCert: files.cert, tlsKey: files.key, implicitTls: true },
      out,
    );
    started.push(server);
    expect(server.tls).toBe('implicit');
    expect(text()).toMatch(/, implicit TLS \(certificate .*cert\.pem\)\n$/);
    const client = await RawClient.connectTls(server.address().port, {
      ca: files.ca,
      servername: 'localhost',
    });
    expect(await client.line()).toMatch(/^\+OK pop3scope ready/);
    expect(await client.login('bob', 'hungry')).toMatch(/^\+OK/);
    client.destroy();
  });

  it('refuses a key that is not a key, and a key that is not the certificate’s, in one line', async () => {
    const files = await leafFiles();
    const notKey = await startServe(
      { listen: '127.0.0.1:0', tlsCert: files.cert, tlsKey: files.cert },
      capture().out,
    ).catch((e: unknown) => e);
    expect(notKey).toBeInstanceOf(CliError);
    expect((notKey as Error).message).toBe(`--tls-key ${files.cert}: not a PEM private key`);
    const mismatch = await startServe(
      { listen: '127.0.0.1:0', tlsCert: files.cert, tlsKey: files.otherKey },
      capture().out,
    ).catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(CliError);
    expect((mismatch as Error).message).toBe(
      `--tls-key ${files.otherKey} is not the key of the certificate in --tls-cert ${files.cert}`,
    );
  });

  it('has help for the TLS flags with examples', async () => {
    const help = await serveHelp();
    for (const flag of ['--tls-cert <file>', '--tls-key <file>', '--tls-auto', '--implicit-tls'])
      expect(help).toContain(flag);
    expect(help).toContain('pop3scope serve --tls-auto');
    expect(help).toContain(
      'curl --ssl-reqd --cacert "$(pop3scope ca path)" pop3://bob:hungry@127.0.0.1:2110/',
    );
    expect(help).toContain('pop3s://');
  });
});

describe('serve as a process', () => {
  let child: ChildProcess | undefined;
  let home: string | undefined;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'pop3scope-serve-home-'));
  });

  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
    if (home) await rm(home, { recursive: true, force: true });
  });

  /** Starts `serve` on a free port; resolves with the port from its startup line. */
  async function startProcess(extra: string[] = []): Promise<number> {
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/server/fixtures/serveMain.ts', 'serve', '--listen', '127.0.0.1:0', ...extra],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, POP3SCOPE_HOME: home } },
    );
    child = proc;
    let stdout = '';
    return new Promise((resolve, reject) => {
      proc.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on 127\.0\.0\.1:(\d+),/.exec(stdout);
        if (m) resolve(Number(m[1]));
      });
      proc.on('exit', (code) => reject(new Error(`serve exited with ${code} before listening: ${stdout}`)));
    });
  }

  it.each(['SIGTERM', 'SIGINT'] as const)('stops cleanly on %s, ending open sessions', async (signal) => {
    const port = await startProcess();
    const { client } = await RawClient.open(port);
    expect(await client.login('bob', 'hungry')).toMatch(/^\+OK/);
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    child!.kill(signal);
    expect((await client.untilClosed()).toString()).toBe('-ERR [SYS/TEMP] server shutting down\r\n');
    expect(await exited).toBe(0);
  });

  itWithPeers(
    ['curl'],
    'serve --tls-auto, then curl --ssl-reqd --cacert "$(pop3scope ca path)" lists bob\'s mail',
    async () => {
      const port = await startProcess(['--tls-auto']);
      const path = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'test/server/fixtures/serveMain.ts', 'ca', 'path'],
        { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, POP3SCOPE_HOME: home } },
      );
      expect(path.status, path.stderr).toBe(0);
      const caPath = path.stdout.trim();
      expect(caPath).toBe(join(home!, 'ca.pem'));
      const r = await curlPop3(`pop3://bob:hungry@127.0.0.1:${port}/`, ['--ssl-reqd', '--cacert', caPath], {
        env: { POP3SCOPE_HOME: home },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split(/\r?\n/).filter(Boolean)).toEqual(['1 498', '2 912']);
    },
  );
});
