/**
 * Runs the REAL `pop3scope proxy` command line as a child process (from source, through tsx, as `runCli` in
 * cli.ts does), in front of a given upstream, with a capture file, a debug-level JSON log file and JSON Lines on
 * stdout — everything in a private temp dir. The listening port is the one the proxy itself announces on its
 * start line, so the test exercises the real start-up path (`--listen 127.0.0.1:0`).
 *
 *   const px = await startProxyProcess(dc.port);
 *   await curlPop3(`pop3://bob:hungry@127.0.0.1:${px.port}/`);
 *   const code = await px.stop();            // SIGINT; resolves with the exit code (expect 0)
 *   const records = await showCaptureJson(px.capturePath);
 *
 * Also `showCaptureJson(file)`: the capture read back through `show --format json`, in process, parsed.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Output } from '../../src/cli/output.js';
import { runShow } from '../../src/cli/show.js';
import { ROOT } from './cli.js';
import { atExit } from './peers.js';
import { expectValidCapture, expectValidJsonOutput } from './schema.js';

/** One record of `show --format json` / `proxy --format json` (src/render/json.ts). Loosely typed on purpose. */
// biome-ignore lint/suspicious/noExplicitAny: JSON records are checked field by field in the tests
export type JsonRecord = { type: string; session: string } & Record<string, any>;

export interface ProxyProcess {
  /** The port the proxy says it listens on (127.0.0.1). */
  readonly port: number;
  /** The private temp dir holding the capture and the log. */
  readonly dir: string;
  readonly capturePath: string;
  readonly logPath: string;
  /** The exact start line the proxy printed on stderr. */
  readonly startLine: string;
  readonly pid: number;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** stdout parsed as JSON Lines (live `--format json`). */
  records(): JsonRecord[];
  /** Resolves once `n` summary records have been printed on stdout (i.e. n sessions have ended). */
  waitForSummaries(n: number, timeoutMs?: number): Promise<JsonRecord[]>;
  /**
   * The sessions seen so far on stdout (any record). Take it before running a client, then `next(mark)` waits
   * for the first session that is not in it to end and returns that session's live records:
   *   const mark = px.mark(); await curlPop3(...); const live = await px.next(mark);
   * (A count of summaries would not do: the previous client may have exited before its summary was printed.)
   */
  mark(): Set<string>;
  next(mark: Set<string>, timeoutMs?: number): Promise<JsonRecord[]>;
  /**
   * The records of one (ended) session as `show --format json` reads them back from the capture file, which
   * is flushed in the background (every 250 ms): waits until the session's close record is on disk.
   */
  captureSession(session: string, timeoutMs?: number): Promise<JsonRecord[]>;
  /** Sends SIGINT and resolves with the exit code (null when killed by a signal). Idempotent. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Removes the temp dir (capture + log). Also done when the test process ends. */
  remove(): void;
}

export interface ProxyProcessOptions {
  /** Extra CLI arguments after the standard ones. */
  extraArgs?: readonly string[];
  /** Default 15 s: tsx compiles the sources on first start. */
  startTimeoutMs?: number;
}

const START_LINE =
  /^pop3scope proxy: listening on 127\.0\.0\.1:(\d+), forwarding to (\S+), recording to (.+)$/m;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The records of a JSON Lines file another process is still appending to: only lines ended by "\n" are whole;
 * the text after the last one may be a record half written (a capture read while the proxy writes it).
 */
export function parseWrittenLines(text: string): JsonRecord[] {
  return parseJsonLines(text.slice(0, text.lastIndexOf('\n') + 1));
}

export function parseJsonLines(text: string): JsonRecord[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as JsonRecord);
}

export async function startProxyProcess(
  upstreamPort: number,
  opts: ProxyProcessOptions = {},
): Promise<ProxyProcess> {
  const dir = mkdtempSync('/tmp/pop3scope-proxy-');
  const capturePath = join(dir, 'c.jsonl');
  const logPath = join(dir, 'log.json');
  const remove = () => {
    if (!process.env.POP3SCOPE_KEEP_PROXY) rmSync(dir, { recursive: true, force: true });
  };
  const args = [
    '--import',
    'tsx',
    'src/cli/main.ts',
    'proxy',
    '--upstream',
    `127.0.0.1:${upstreamPort}`,
    '--listen',
    '127.0.0.1:0',
    '--capture',
    capturePath,
    '--log-file',
    logPath,
    '--log-level',
    'debug',
    '--format',
    'json',
    ...(opts.extraArgs ?? []),
  ];
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  child.stdin.end();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const stdout = () => Buffer.concat(out).toString('utf8');
  const stderr = () => Buffer.concat(err).toString('utf8');
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close', not 'exit': by then stdout and stderr are drained, so nothing the proxy printed is missed.
    child.on('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.on('error', () => {
      exit = { code: null, signal: null };
      resolve(exit);
    });
  });
  // A crashed test must not leave a proxy behind; the temp dir goes when the test process ends (or on remove()).
  const forget = atExit(() => {
    if (!exit) child.kill('SIGKILL');
  });
  const forgetDir = atExit(remove);
  const removeNow = () => {
    forgetDir();
    remove();
  };
  const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
  let match = START_LINE.exec(stderr());
  while (!match) {
    if (exit || Date.now() > deadline) {
      if (!exit) child.kill('SIGKILL');
      await exited;
      forget();
      removeNow();
      throw new Error(
        `pop3scope proxy did not print its start line (exit ${exit?.code} ${exit?.signal ?? ''})\nstderr: ${stderr()}\nstdout: ${stdout()}`,
      );
    }
    await sleep(20);
    match = START_LINE.exec(stderr());
  }
  const port = Number(match[1]);
  const startLine = match[0];

  // Only complete lines are parsed: the last one may still be arriving. Each must match the published schema.
  const records = () => {
    const all = parseWrittenLines(stdout());
    expectValidJsonOutput(all, 'pop3scope proxy --format json');
    return all;
  };
  const summaries = () => records().filter((r) => r.type === 'summary');
  const waitForSummaries = async (n: number, timeoutMs = 10_000): Promise<JsonRecord[]> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = summaries();
      if (found.length >= n) return found;
      if (exit || Date.now() > end)
        throw new Error(`expected ${n} summaries from the proxy, got ${found.length}\nstderr: ${stderr()}`);
      await sleep(20);
    }
  };
  let stopping: Promise<number | null> | undefined;
  return {
    port,
    dir,
    capturePath,
    logPath,
    startLine,
    pid: child.pid as number,
    stdout,
    stderr,
    records,
    waitForSummaries,
    mark: () => new Set(records().map((r) => r.session)),
    async next(mark, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const all = records();
        const fresh = all.find((r) => !mark.has(r.session));
        if (fresh && all.some((r) => r.type === 'summary' && r.session === fresh.session))
          return sessionRecords(all, fresh.session);
        if (exit || Date.now() > end)
          throw new Error(
            `no new session ended within ${timeoutMs} ms (exit ${exit?.code})\nstderr: ${stderr()}`,
          );
        await sleep(20);
      }
    },
    async captureSession(session, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const text = readText(capturePath);
        const complete = text.slice(0, text.lastIndexOf('\n') + 1);
        const closed = parseJsonLines(complete).some((r) => r.type === 'close' && r.session === session);
        if (closed) {
          expectValidCapture(complete, capturePath);
          // show reads a snapshot of whole lines, not the file the proxy is still appending to.
          const snapshot = join(dir, `snapshot-${session}.jsonl`);
          writeFileSync(snapshot, complete, { mode: 0o600 });
          try {
            return await showCaptureJson(snapshot, session);
          } finally {
            rmSync(snapshot, { force: true });
          }
        }
        if (Date.now() > end) throw new Error(`session ${session} never closed in ${capturePath}`);
        await sleep(25);
      }
    },
    stop(timeoutMs = 10_000) {
      stopping ??= (async () => {
        if (!exit) child.kill('SIGINT');
        const timer = setTimeout(() => {
          if (!exit) child.kill('SIGKILL');
        }, timeoutMs);
        const e = await exited;
        clearTimeout(timer);
        forget();
        // The capture as the proxy left it (whole lines: a killed proxy may leave the last one cut short).
        const text = readText(capturePath);
        if (text) expectValidCapture(text.slice(0, text.lastIndexOf('\n') + 1), capturePath);
        return e.code;
      })();
      return stopping;
    },
    remove: removeNow,
  };
}

/** `show --format json` of a capture file, in process (as the golden tests run it), as parsed records. */
export async function showCaptureJson(path: string, session?: string): Promise<JsonRecord[]> {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  await runShow([path], { format: 'json', session }, new Output(sink));
  const records = parseJsonLines(text);
  expectValidJsonOutput(records, `show --format json ${path}`);
  return records;
}

/** The records of one session. */
export function sessionRecords(records: readonly JsonRecord[], session: string): JsonRecord[] {
  return records.filter((r) => r.session === session);
}

/** Reads a file or '' (e.g. a log that was never written). */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The transactions of a list of records, e.g. `transactions(live).map((t) => t.command?.line)`. */
export function transactions(records: readonly JsonRecord[]): JsonRecord[] {
  return records.filter((r) => r.type === 'transaction');
}

/** The one summary record among `records` (throws if there is not exactly one). */
export function summaryOf(records: readonly JsonRecord[]): JsonRecord {
  const found = records.filter((r) => r.type === 'summary');
  if (found.length !== 1) throw new Error(`expected one summary, found ${found.length}`);
  return found[0]!;
}

/** The phases a summary went through, in order: e.g. ['AUTHORIZATION', 'TRANSACTION', 'UPDATE']. */
export function phasesOf(summary: JsonRecord): string[] {
  return (summary.phases as { phase: string }[]).map((p) => p.phase);
}

/** The transactions whose command verb is `verb`. */
export function withVerb(records: readonly JsonRecord[], verb: string): JsonRecord[] {
  return transactions(records).filter((t) => t.command?.verb === verb);
}
