/**
 * Detection of the real POP3 peers the integration suites run against, and `describeWithPeers`, which decides
 * what a suite does when one is missing: on a developer's machine it is skipped with a loud note on stderr
 * (so `npm test` still works before `sudo .ci/install-peers`), but under CI (CI=true) a missing peer is a
 * FAILURE — otherwise a broken install step would turn the integration tests into silent skips.
 *
 * POP3SCOPE_PRETEND_MISSING=mpop,fetchmail (comma-separated names, or "all") makes peers look missing, to
 * exercise that skip/fail path without uninstalling anything.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { describe, it, TestRunner } from 'vitest';

export type PeerName =
  | 'dovecot'
  | 'curl'
  | 'python3'
  | 'fetchmail'
  | 'mpop'
  | 'socat'
  | 'tshark'
  | 'openssl'
  | 'chromium';

export const ALL_PEERS: readonly PeerName[] = [
  'dovecot',
  'curl',
  'python3',
  'fetchmail',
  'mpop',
  'socat',
  'tshark',
  'openssl',
  'chromium',
];

/** The command that installs every peer; printed whenever one is missing. */
export const INSTALL_HINT = 'sudo .ci/install-peers';

export const DOVECOT_BIN = '/usr/sbin/dovecot';
export const CHROMIUM_BIN = '/usr/bin/chromium';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs a short probe command; true when it exits 0 (and its stdout passes `check`, if given). */
function probe(cmd: string, args: string[], check?: (stdout: string) => boolean): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) return false;
  return check ? check(r.stdout) : true;
}

/**
 * The python3 the clients run. Debian's own interpreter is preferred over whatever a version manager (pyenv)
 * puts first on PATH, so poplib's behaviour is the one documented in docs/peers.md on every machine.
 */
export const PYTHON_BIN = executable('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const detectors: Record<PeerName, () => boolean> = {
  // The pop3 binary comes from dovecot-pop3d; dovecot-core alone would start but refuse `protocols = pop3`.
  dovecot: () => executable(DOVECOT_BIN) && executable('/usr/lib/dovecot/pop3'),
  // curl can be built without POP3; the Protocols line of --version tells.
  curl: () => probe('curl', ['--version'], (out) => /^Protocols:.*\bpop3\b/m.test(out)),
  python3: () => probe(PYTHON_BIN, ['-c', 'import poplib, ssl']),
  fetchmail: () => probe('fetchmail', ['--version']),
  mpop: () => probe('mpop', ['--version']),
  socat: () => probe('socat', ['-V']),
  tshark: () => probe('tshark', ['--version']),
  openssl: () => probe('openssl', ['version']),
  // Debian's chromium (the browser tests drive it with playwright-core; no browser is ever downloaded).
  chromium: () =>
    executable(CHROMIUM_BIN) && probe(CHROMIUM_BIN, ['--version'], (out) => /Chromium/.test(out)),
};

function pretendMissing(): Set<string> {
  const raw = process.env.POP3SCOPE_PRETEND_MISSING ?? '';
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return new Set(names.includes('all') ? ALL_PEERS : names);
}

const cache = new Map<PeerName, boolean>();

/** True when the peer is installed and usable (probed once per process). */
export function peerAvailable(name: PeerName): boolean {
  if (pretendMissing().has(name)) return false;
  let ok = cache.get(name);
  if (ok === undefined) {
    ok = detectors[name]();
    cache.set(name, ok);
  }
  return ok;
}

/** The subset of `names` that is not available. */
export function missingPeers(names: readonly PeerName[]): PeerName[] {
  return names.filter((n) => !peerAvailable(n));
}

export function isCI(): boolean {
  return process.env.CI === 'true';
}

/** Names of the tests (and nested suites) registered so far in the suite being collected. */
function collectedNames(): string[] {
  try {
    const tasks = TestRunner.getCurrentSuite().tasks as Array<{ type: string; name: string }>;
    return tasks.map((t) => (t.type === 'test' ? t.name : `${t.name} (whole suite)`));
  } catch {
    return [];
  }
}

function banner(lines: string[]): string {
  const bar = '!'.repeat(78);
  return `\n${bar}\n${lines.map((l) => `!! ${l}`).join('\n')}\n${bar}\n\n`;
}

/**
 * `describe`, but only when every peer in `peers` is available. When one is missing: skipped locally (with a
 * stderr banner naming the skipped tests and the install command), failed under CI=true.
 *
 * Example:
 *   describeWithPeers(['dovecot', 'curl'], 'proxy relays LIST', () => {
 *     let dc: Dovecot;
 *     beforeAll(async () => { dc = await startDovecot(); });
 *     afterAll(() => dc?.stop());
 *     it('lists', async () => { ... });
 *   });
 */
export function describeWithPeers(peers: readonly PeerName[], title: string, fn: () => void): void {
  const missing = missingPeers(peers);
  if (missing.length === 0) {
    describe(title, fn);
    return;
  }
  const why = `missing peer(s): ${missing.join(', ')} — install with: ${INSTALL_HINT}`;
  if (isCI()) {
    // Under CI the suite's own hooks must not run (they would fail confusingly without the peer); one failing
    // test per missing peer says what is wrong, and the suite's tests are listed as skipped beneath it.
    describe(title, () => {
      for (const peer of missing) {
        it(`requires peer "${peer}" (CI=true: a missing peer is a failure)`, () => {
          throw new Error(
            `peer "${peer}" is not installed; CI must run .ci/install-peers first (${INSTALL_HINT})`,
          );
        });
      }
      describe.skip(`not run: ${why}`, fn);
    });
    process.stderr.write(banner([`FAILING suite "${title}" under CI=true`, why]));
    return;
  }
  describe.skip(title, () => {
    fn();
    const names = collectedNames();
    process.stderr.write(
      banner([
        `SKIPPED suite "${title}" — ${why}`,
        ...names.map((n) => `  skipped: ${n}`),
        '(under CI=true these would FAIL instead)',
      ]),
    );
  });
}

/**
 * `it`, but only when every peer in `peers` is available — for one test inside a suite that otherwise needs
 * fewer peers. Same policy as describeWithPeers: skipped with a stderr banner locally, failing under CI=true.
 */
export function itWithPeers(
  peers: readonly PeerName[],
  title: string,
  fn: () => unknown,
  timeout?: number,
): void {
  const missing = missingPeers(peers);
  if (missing.length === 0) {
    it(title, fn, timeout);
    return;
  }
  const why = `missing peer(s): ${missing.join(', ')} — install with: ${INSTALL_HINT}`;
  if (isCI()) {
    it(`${title} [requires ${missing.join(', ')}]`, () => {
      throw new Error(`${why} (CI=true: a missing peer is a failure)`);
    });
    process.stderr.write(banner([`FAILING test "${title}" under CI=true`, why]));
    return;
  }
  it.skip(title, fn);
  process.stderr.write(banner([`SKIPPED test "${title}" — ${why}`, '(under CI=true it would FAIL instead)']));
}

const exitTasks = new Set<() => void>();
let exitHooked = false;

/**
 * Runs `task` (synchronous) when this process ends, including by SIGTERM — which is how vitest ends its
 * workers, and a plain 'exit' listener never runs then. Used to stop leftover Dovecots and remove temp dirs
 * when a suite crashes or forgets stop(). Returns a function that unregisters the task.
 */
export function atExit(task: () => void): () => void {
  exitTasks.add(task);
  if (!exitHooked) {
    exitHooked = true;
    const runAll = () => {
      for (const t of exitTasks) {
        try {
          t();
        } catch {
          // best effort: one failing cleanup must not stop the others
        }
      }
      exitTasks.clear();
    };
    process.on('exit', runAll);
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      process.once(sig, () => {
        runAll();
        process.kill(process.pid, sig); // our listener is gone now: the default action ends the process
      });
    }
  }
  return () => exitTasks.delete(task);
}
