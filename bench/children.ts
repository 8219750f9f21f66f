/**
 * The bench's child processes: servers, relays and proxies that print their port at start, socat, and a raised
 * limit of open files for the ones that hold thousands of sockets. Every child started here is stopped by
 * stopAll() when the run ends, however it ends.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;
export const CLI = join(ROOT, 'dist/cli/main.js');
const children: ChildProcess[] = [];

export interface Started {
  child: ChildProcess;
  port: number;
  stderr: () => string;
}

export interface Spawn {
  /** Extra environment for the child. */
  env?: NodeJS.ProcessEnv;
  /** Raise the child's limit of open files (thousands of sessions hold two sockets each in a proxy). */
  manyFiles?: boolean;
}

/**
 * `cmd argv` with the limit of open files raised as far as it goes: the bench process cannot raise its own
 * (Node has no setrlimit), but a shell can before it execs the child, which keeps the pid (CPU and RSS are
 * read from /proc by pid). Without the privilege to go beyond the hard limit, the hard limit it is.
 */
export function withManyFiles(cmd: string, argv: readonly string[]): [string, string[]] {
  return [
    'sh',
    ['-c', 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"', 'sh', cmd, ...argv],
  ];
}

/** The soft limit of open files of a running process, from /proc (NaN when it is gone). */
export function openFilesLimit(pid: number): number {
  try {
    return Number(/Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1]);
  } catch {
    return Number.NaN;
  }
}

/** Starts a child that prints its port on the first line of stdout (or "listening on 127.0.0.1:PORT" on stderr). */
export function startChild(cmd: string, argv: string[], how: Spawn = {}): Promise<Started> {
  const [file, args] = how.manyFiles ? withManyFiles(cmd, argv) : [cmd, argv];
  const child = spawn(file, args, {
    cwd: ROOT,
    env: { ...process.env, ...how.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c) => {
      err += c;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve({ child, port: Number(m[1]), stderr: () => err });
    });
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), stderr: () => err });
    });
    child.on('exit', (code) =>
      reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${err.slice(0, 300)}`)),
    );
  });
}

/** A bench/ script run through tsx. */
export const tsx = (script: string, ...rest: string[]) => tsxWith({}, script, ...rest);
export const tsxWith = (how: Spawn, script: string, ...rest: string[]) =>
  startChild(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', script), ...rest], how);

/** The built pop3scope proxy in front of 127.0.0.1:`upstream`, silent. */
export const proxy = (upstream: number, extra: string[] = [], how: Spawn = {}) =>
  startChild(
    process.execPath,
    [
      CLI,
      'proxy',
      '--upstream',
      `127.0.0.1:${upstream}`,
      '--listen',
      '127.0.0.1:0',
      '--quiet',
      '--log-level',
      'silent',
      ...extra,
    ],
    how,
  );

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('close', () => resolve()); // after its output was read, unlike 'exit'
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

export const stopAll = () => Promise.all(children.map(stop));

export function haveSocat(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

/**
 * socat is the baseline the proxy must match, so the full run installs it when it can (as root, with apt-get)
 * and says plainly when it cannot. The quick smoke run never installs anything.
 */
export function ensureSocat(quick: boolean, log: (s: string) => void): boolean {
  if (haveSocat()) return true;
  const root = process.getuid?.() === 0;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (quick || !root || !apt) {
    log(
      `socat is not installed${quick ? '' : root ? ' and apt-get is not available' : ', and installing it needs root'}: its row is left out (sudo apt-get install socat)`,
    );
    return false;
  }
  log('socat is not installed: installing it (apt-get install -y socat) ...');
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-qq', 'socat'], { stdio: 'ignore', timeout: 300_000 }).status ===
    0;
  if (!install()) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 300_000 });
    install();
  }
  if (haveSocat()) return true;
  log('socat could not be installed: its row is left out');
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** socat relaying 127.0.0.1:`upstream`, one forked child per connection (its CPU is counted once reaped). */
export async function socat(upstream: number): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(
    'socat',
    [`TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`, `TCP:127.0.0.1:${upstream}`],
    { stdio: 'ignore' },
  );
  children.push(child);
  await new Promise((r) => setTimeout(r, 300));
  return { child, port };
}
